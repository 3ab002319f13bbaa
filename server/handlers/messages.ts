import { attachableFile } from '../attachments.js';
import { readable, writable } from '../conversations/access.js';
import { me, type Handlers } from './context.js';

export const messageHandlers: Handlers<'send' | 'history'> = {
	async send(context, { to, text, cid, file }) {
		const { store, hub, session } = context;
		const self = me(context);
		const route = await writable(store, self.id, to);
		const fileId = file === undefined ? undefined : (await attachableFile(store, self.id, file, route.key)).id;
		// Decided as it is stored: whoever is offline then gets the message at their next login.
		const { message, duplicate, queuedFor } = await store.appendMessage({
			senderId: self.id,
			to: route.with,
			text,
			cid,
			ts: new Date().toISOString(),
			pendingFor: () => route.recipients.filter((id) => !hub.isOnline(id)),
			fileId,
		});
		if (!duplicate) {
			await hub.publish([...route.recipients, self.id], { type: 'message', message }, session, queuedFor);
		}
		return { message };
	},

	/** History with a user is the user's own conversation with them; a group's needs membership. */
	async history(context, { with: peer, before, limit }) {
		const self = me(context);
		const conversation = await readable(context.store, self.id, peer);
		return { messages: await context.store.history({ userId: self.id, with: conversation.with, before, limit }) };
	},
};
