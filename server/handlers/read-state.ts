import type { Peer, ReadState } from '../../source/protocol/index.js';
import type { ReadStateRecord, Store } from '../store/store.js';
import { existingUser, me, type HandlerContext, type Handlers } from './context.js';
import { groupAsMember } from './groups.js';
import { routeForSend } from './messages.js';

interface Readable {
	conversation: { userId: number } | { groupId: number };
	/** The peer with its names as stored. */
	peer: Peer;
}

/** A conversation the user may read (as `history` allows it): with any user, or in a group they are in. */
async function readableConversation(context: HandlerContext, peer: Peer): Promise<Readable> {
	if ('user' in peer) {
		const other = await existingUser(context.store, peer.user);
		return { conversation: { userId: other.id }, peer: { user: other.username } };
	}
	const { group } = await groupAsMember(context, peer.group);
	return { conversation: { groupId: group.id }, peer: { group: group.name } };
}

function readStateView(record: ReadStateRecord): ReadState {
	const peer: Peer = 'userId' in record.with ? { user: record.with.username } : { group: record.with.name };
	return { with: peer, read: record.read, last: record.last, unread: record.unread };
}

/** The user's read state everywhere, as the wire has it (login sends it too). */
export async function readStatesOf(store: Store, userId: number): Promise<ReadState[]> {
	return (await store.readStates(userId)).map(readStateView);
}

export const readStateHandlers: Handlers<'read' | 'unread' | 'typing'> = {
	async read(context, { with: peer, seq }) {
		const self = me(context);
		const readable = await readableConversation(context, peer);
		await context.store.setReadCursor(self.id, readable.conversation, seq);
		// The user's other devices clear the same unread count.
		await context.hub.publish([self.id], { type: 'read', with: readable.peer, seq }, context.session);
		return {};
	},

	async unread(context) {
		return { conversations: await readStatesOf(context.store, me(context).id) };
	},

	async typing(context, { to }) {
		const self = me(context);
		// The same rule as sending: a friend, or a group one is in. Never stored.
		const route = await routeForSend(context, to);
		await context.hub.publish(route.recipients, { type: 'typing', from: self.username, to: route.addressed });
		return {};
	},
};
