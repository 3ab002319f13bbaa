import { ProtocolError } from '../../source/protocol/index.js';
import { readable } from '../conversations/access.js';
import { me, type Handlers } from './context.js';

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
	/** One conversation must be readable; without one, the store keeps to what the user may read. */
	async search(context, { query, with: peer, before, limit }) {
		const { store } = context;
		const self = me(context);
		const bound = messageIdBound(before);
		const conversation = peer === undefined ? undefined : (await readable(store, self.id, peer)).with;
		return { messages: await store.search({ userId: self.id, text: query, with: conversation, before: bound, limit }) };
	},
};
