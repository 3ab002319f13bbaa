import { ProtocolError, type Peer, type Role } from '../../source/protocol/index.js';
import { existingDirectPeer, existingGroup, existingGroupAudience, existingUser } from '../directory.js';
import { audienceOf, directAudience } from '../ignore-filter.js';
import type { GroupRecord, Store } from '../store/store.js';
import { conversationKey, directKey, groupKey, parseConversationKey, type ConversationWith } from './key.js';

/**
 * Who may read and write a conversation, and who is in it: the one place
 * every handler, the file endpoints and recovery ask. A direct conversation
 * is read by either of its two users (history with anyone is one's own) and
 * written only between friends; a group's is read and written by its members.
 */

/** A conversation as a user reaches it. */
export interface Conversation {
	key: string;
	with: ConversationWith;
	/** The peer as the asking user addresses it, with the names as stored. */
	peer: Peer;
}

/** A conversation the user may write to, and who gets what they write there. */
export interface Route extends Conversation {
	/** Those who do not ignore the writer: nothing of the writer's reaches the others, and the writer is not told. */
	recipients: number[];
}

/** One of the user's conversations with everyone in it (what recovery goes through). */
export interface Participation {
	key: string;
	with: ConversationWith;
	participants: number[];
}

/** The group, with the user's role in it; FORBIDDEN for a group the user is not in. */
export async function groupAsMember(store: Store, userId: number, name: string): Promise<{ group: GroupRecord; role: Role }> {
	const group = await existingGroup(store, name);
	return { group, role: memberRole(name, await store.roleIn(group.id, userId)) };
}

/** The role, or FORBIDDEN when there is none. The refusal names the group as asked: a non-member learns nothing of it. */
function memberRole(asked: string, role: Role | undefined): Role {
	if (!role) throw new ProtocolError('FORBIDDEN', `you are not a member of ${asked}`);
	return role;
}

function conversationOf(userId: number, to: ConversationWith, peer: Peer): Conversation {
	return { key: conversationKey(userId, to), with: to, peer };
}

/** A conversation the user may read: with any user, deleted ones too, or in a group they are in. */
export async function readable(store: Store, userId: number, peer: Peer): Promise<Conversation> {
	if ('user' in peer) {
		const other = await existingUser(store, peer.user);
		return conversationOf(userId, { userId: other.id }, { user: other.username });
	}
	const { group } = await groupAsMember(store, userId, peer.group);
	return conversationOf(userId, { groupId: group.id }, { group: group.name });
}

/** A conversation the user may write to: a direct one needs friendship, a group one membership. */
export async function writable(store: Store, userId: number, peer: Peer): Promise<Route> {
	if ('user' in peer) {
		// One read for the user, the friendship and their ignore list: this runs for every direct message.
		const other = await existingDirectPeer(store, userId, peer.user);
		if (!other.friend) {
			throw new ProtocolError('FORBIDDEN', `${other.username} is not your friend; send a friend request first`);
		}
		const conversation = conversationOf(userId, { userId: other.id }, { user: other.username });
		return { ...conversation, recipients: directAudience(other) };
	}
	// One read for the group, the writer's membership and who of the others ignores them: this runs for every group message.
	const group = await existingGroupAudience(store, userId, peer.group);
	memberRole(peer.group, group.role);
	const conversation = conversationOf(userId, { groupId: group.id }, { group: group.name });
	return { ...conversation, recipients: group.audience };
}

/** Of a conversation's participants, those who get what `writerId` writes there: the ones not ignoring the writer. */
export function recipientsAmong(store: Store, writerId: number, participants: number[]): Promise<number[]> {
	return audienceOf(store, writerId, participants);
}

/** Whether the user may read the conversation under `key`: one of a direct one's two users, or a member of the group. */
export async function mayReadKey(store: Store, userId: number, key: string): Promise<boolean> {
	const conversation = parseConversationKey(key);
	if (!conversation) return false;
	if ('userIds' in conversation) return conversation.userIds.includes(userId);
	return (await store.roleIn(conversation.groupId, userId)) !== undefined;
}

/** The user's conversations with their participants: direct ones with each friend, and each group they are in. */
export async function participationsOf(store: Store, userId: number): Promise<Participation[]> {
	const [friends, memberships] = await Promise.all([store.friendsOf(userId), store.groupsOf(userId)]);
	const direct = friends.map((friend) => ({
		key: directKey(userId, friend.id),
		with: { userId: friend.id },
		participants: [userId, friend.id],
	}));
	const groups = await Promise.all(
		memberships.map(async ({ group }) => ({
			key: groupKey(group.id),
			with: { groupId: group.id },
			participants: await store.memberIdsOf(group.id),
		})),
	);
	return [...direct, ...groups];
}
