import type { Message } from '../source/protocol/index.js';
import type { Store } from './store/store.js';

/** One conversation a user takes part in, with everyone in it. */
export interface Conversation {
	key: string;
	with: { userId: number } | { groupId: number };
	participants: number[];
}

const PAGE = 200;

/** The user's conversations: direct ones with each friend, and each group they are in. */
export async function conversationsOf(store: Store, userId: number): Promise<Conversation[]> {
	const [friends, memberships] = await Promise.all([store.friendsOf(userId), store.groupsOf(userId)]);
	const direct = friends.map((friend) => ({
		key: `u:${Math.min(userId, friend.id)}:${Math.max(userId, friend.id)}`,
		with: { userId: friend.id },
		participants: [userId, friend.id],
	}));
	const groups = await Promise.all(
		memberships.map(async ({ group }) => ({
			key: `g:${group.id}`,
			with: { groupId: group.id },
			participants: await store.memberIdsOf(group.id),
		})),
	);
	return [...direct, ...groups];
}

/** Messages of one of the user's conversations stored at or after `since` and up to `until` (ms), oldest first. */
export async function messagesSince(
	store: Store,
	userId: number,
	conversation: Conversation,
	since: number,
	until = Number.POSITIVE_INFINITY,
): Promise<Message[]> {
	const found: Message[][] = [];
	let before: number | undefined;
	for (;;) {
		const page = await store.history({ userId, with: conversation.with, before, limit: PAGE });
		const recent = page.filter((message) => Date.parse(message.ts) >= since);
		const inSpan = recent.filter((message) => Date.parse(message.ts) <= until);
		if (inSpan.length > 0) found.unshift(inSpan);
		// The page is oldest first: stop once it reaches back before `since`, or the start.
		if (page.length < PAGE || recent.length < page.length) break;
		before = page[0]!.seq;
	}
	return found.flat();
}
