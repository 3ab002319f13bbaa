import { attachableFile } from '../attachments.js';
import { readable, writable } from '../conversations/access.js';
import { me, type Handlers } from './context.js';

export const messageHandlers: Handlers<'send' | 'history'> = {
	async send(context, { to, text, cid, file }) {
		const { store, hub, session } = context;
		const self = me(context);
		const route = await writable(store, self.id, to);
		const fileId = file === undefined ? undefined : (await attachableFile(store, self.id, file, route.key)).id;
		// The hub decides who is offline (they get it at their next login) and delivers it.
		const { message } = await hub.storeMessage(
			{ senderId: self.id, to: route.with, text, cid, ts: new Date().toISOString(), fileId },
			route.recipients,
			session,
		);
		return { message };
	},

	/** History with a user is the user's own conversation with them; a group's needs membership. */
	async history(context, { with: peer, before, limit }) {
		const self = me(context);
		const conversation = await readable(context.store, self.id, peer);
		return { messages: await context.store.history({ userId: self.id, with: conversation.with, before, limit }) };
	},
};
