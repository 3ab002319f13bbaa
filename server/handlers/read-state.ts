import { readable, writable } from '../conversations/access.js';
import { readStatesOf } from '../views.js';
import { me, type Handlers } from './context.js';

export const readStateHandlers: Handlers<'read' | 'unread' | 'typing'> = {
	/** Any conversation the user may read (as `history` allows it). */
	async read(context, { with: peer, seq }) {
		const self = me(context);
		const conversation = await readable(context.store, self.id, peer);
		await context.store.setReadCursor(self.id, conversation.with, seq);
		// The user's other devices clear the same unread count.
		await context.hub.publish([self.id], { type: 'read', with: conversation.peer, seq }, context.session);
		return {};
	},

	async unread(context) {
		return { conversations: await readStatesOf(context.store, me(context).id) };
	},

	async typing(context, { to }) {
		const self = me(context);
		// The same rule as sending: a friend, or a group one is in. Never stored.
		const route = await writable(context.store, self.id, to);
		await context.hub.publish(route.recipients, { type: 'typing', from: self.username, to: route.peer });
		return {};
	},
};
