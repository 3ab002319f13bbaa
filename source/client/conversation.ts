import type { Message, Peer } from '../protocol/index.js';

/**
 * A conversation as one user sees it: `user:<name>` for the direct
 * conversation with that user, `group:<name>` for a group. Lower-cased, since
 * names are unique case-insensitively.
 */
export type ConversationKey = `user:${string}` | `group:${string}`;

export function userKey(username: string): ConversationKey {
	return `user:${username.toLowerCase()}`;
}

export function groupKey(name: string): ConversationKey {
	return `group:${name.toLowerCase()}`;
}

/** The peer to ask the server about for a conversation key (names compare case-insensitively there). */
export function peerOfKey(key: ConversationKey): Peer {
	const [kind, name] = key.split(':') as ['user' | 'group', string];
	return kind === 'user' ? { user: name } : { group: name };
}

export function keyOfPeer(peer: Peer): ConversationKey {
	return 'user' in peer ? userKey(peer.user) : groupKey(peer.group);
}

/** The conversation a message belongs to, from `me`'s side. */
export function keyOfMessage(message: Message, me: string): ConversationKey {
	if ('group' in message.to) return groupKey(message.to.group);
	return message.from.toLowerCase() === me.toLowerCase() ? userKey(message.to.user) : userKey(message.from);
}
