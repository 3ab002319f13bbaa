import { ProtocolError } from '../../source/protocol/index.js';
import type { Handlers } from './context.js';

export const searchHandlers: Handlers<'search'> = {
	async search() {
		throw new ProtocolError('UNAVAILABLE', 'search is not available on this server yet');
	},
};
