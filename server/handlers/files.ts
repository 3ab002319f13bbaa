import { ProtocolError } from '../../source/protocol/index.js';
import type { Handlers } from './context.js';

export const fileHandlers: Handlers<'files.upload'> = {
	async 'files.upload'() {
		throw new ProtocolError('UNAVAILABLE', 'file transfer is not available on this server yet');
	},
};
