import { ProtocolError } from '../../source/protocol/index.js';
import { existingUser, me, type Handlers } from './context.js';
import { groupAsMember } from './groups.js';

/** Message ids are decimal strings of positive integers (see PROTOCOL.md); anything else cannot page. */
const MESSAGE_ID = /^[1-9]\d*$/;

function messageIdBound(before: string | undefined): number | undefined {
	if (before === undefined) return undefined;
	const id = Number(before);
	if (!MESSAGE_ID.test(before) || !Number.isSafeInteger(id)) {
		throw new ProtocolError('BAD_REQUEST', 'before: must be the id of a message from the previous page');
	}
	return id;
}

export const searchHandlers: Handlers<'search'> = {
	/** One conversation is checked as `history` checks it; without one, the store keeps to what the user may read. */
	async search(context, { query, with: peer, before, limit }) {
		const { store } = context;
		const self = me(context);
		const bound = messageIdBound(before);
		let conversation: { userId: number } | { groupId: number } | undefined;
		if (peer === undefined) {
			conversation = undefined;
		} else if ('user' in peer) {
			conversation = { userId: (await existingUser(store, peer.user)).id };
		} else {
			conversation = { groupId: (await groupAsMember(context, peer.group)).group.id };
		}
		return { messages: await store.search({ userId: self.id, text: query, with: conversation, before: bound, limit }) };
	},
};
