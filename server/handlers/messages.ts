import { ProtocolError, type Peer } from '../../source/protocol/index.js';
import { existingUser, me, type HandlerContext, type Handlers } from './context.js';
import { groupAsMember } from './groups.js';
import { conversationsOf, messagesSince } from '../recovery.js';
import { attachableFile } from './files.js';
import { audienceOf } from '../ignore-filter.js';

/** Stored messages go out in pages so a long absence does not load everything at once. */
const REPLAY_PAGE = 500;

/** Where a message goes, and who receives it besides the sender. */
export interface Route {
	to: { userId: number } | { groupId: number };
	/** The conversation as the message is addressed, with the names as stored. */
	addressed: Peer;
	/** Those who do not ignore the sender: nothing of the sender's reaches the others, and the sender is not told. */
	recipients: number[];
}

/** A direct message needs friendship, a group message membership. */
export async function routeForSend(context: HandlerContext, to: Peer): Promise<Route> {
	const { store } = context;
	const self = me(context);
	if ('user' in to) {
		const other = await existingUser(store, to.user);
		if (!(await store.friendOf(self.id, other.id))) {
			throw new ProtocolError('FORBIDDEN', `${other.username} is not your friend; send a friend request first`);
		}
		const recipients = await audienceOf(store, self.id, [other.id]);
		return { to: { userId: other.id }, addressed: { user: other.username }, recipients };
	}
	const { group } = await groupAsMember(context, to.group);
	const members = await store.memberIdsOf(group.id);
	const recipients = await audienceOf(store, self.id, members.filter((id) => id !== self.id));
	return { to: { groupId: group.id }, addressed: { group: group.name }, recipients };
}

/** Sends a user's stored messages to the session, in order, forgetting each page once it is written out. */
export async function replayPending(context: HandlerContext, userId: number): Promise<void> {
	const { store, session } = context;
	let after = 0;
	for (;;) {
		const page = await store.pendingFor(userId, after, REPLAY_PAGE);
		if (page.length === 0) return;
		const sent = await Promise.all(page.map(({ message }) => session.send({ type: 'message', message })));
		if (!sent.every(Boolean)) return; // the connection went away: keep them for the next login
		after = page.at(-1)!.pendingId;
		await store.clearPending(userId, after);
	}
}

/**
 * In a cluster: messages the user may have missed because the instance they
 * were on died (they were counted online, so nothing was queued for them).
 * Sent after the pending ones; the client drops any it already has, by id.
 */
export async function replayMissed(context: HandlerContext, userId: number): Promise<void> {
	const { store, session, hub } = context;
	const span = await hub.takeMissed(userId);
	if (span === undefined) return;
	for (const conversation of await conversationsOf(store, userId)) {
		for (const message of await messagesSince(store, userId, conversation, span.from, span.to)) {
			if (!(await session.send({ type: 'message', message }))) {
				// The connection went away: keep the mark for the next login.
				await hub.presence.markMissed(userId, span);
				return;
			}
		}
	}
}

export const messageHandlers: Handlers<'send' | 'history'> = {
	async send(context, { to, text, cid, file }) {
		const { store, hub, session } = context;
		const self = me(context);
		const route = await routeForSend(context, to);
		// files
		const fileId = file === undefined ? undefined : (await attachableFile(context, file, route)).id;
		// Decided as it is stored: whoever is offline then gets the message at their next login.
		const { message, duplicate, queuedFor } = await store.appendMessage({
			senderId: self.id,
			to: route.to,
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

	async history(context, { with: peer, before, limit }) {
		const { store } = context;
		const self = me(context);
		let conversation: { userId: number } | { groupId: number };
		if ('user' in peer) {
			conversation = { userId: (await existingUser(store, peer.user)).id };
		} else {
			conversation = { groupId: (await groupAsMember(context, peer.group)).group.id };
		}
		return { messages: await store.history({ userId: self.id, with: conversation, before, limit }) };
	},
};
