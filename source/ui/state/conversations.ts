import type { Friend, Group, Peer } from '../../protocol/index.js';
import { groupKey, userKey, type ConversationKey } from '../../client/conversation.js';

export * from '../../client/conversation.js';

/** A conversation in the sidebar: a friend or a group. */
export interface ConversationRef {
	key: ConversationKey;
	kind: 'user' | 'group';
	/** The name on the server (a username or group name, as registered). */
	name: string;
	/** What the sidebar shows: a friend's alias when set. */
	label: string;
}

export function peerOf(conversation: ConversationRef): Peer {
	return conversation.kind === 'user' ? { user: conversation.name } : { group: conversation.name };
}

export function friendConversation(friend: Friend): ConversationRef {
	return { key: userKey(friend.username), kind: 'user', name: friend.username, label: friend.alias ?? friend.username };
}

export function groupConversation(group: Group): ConversationRef {
	return { key: groupKey(group.name), kind: 'group', name: group.name, label: group.name };
}
