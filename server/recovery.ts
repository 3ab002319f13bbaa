import type { Message } from '../source/protocol/index.js';
import type { ConversationWith } from './conversations/key.js';
import type { Store } from './store/store.js';

const PAGE = 200;

/** Messages of one of the user's conversations stored at or after `since` and up to `until` (ms), oldest first. */
export async function messagesSince(
	store: Store,
	userId: number,
	conversation: { with: ConversationWith },
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
