import { ProtocolError } from '../../source/protocol/index.js';
import { formatBytes } from '../../source/sizes.js';
import { toUpload } from '../attachments.js';
import { writable } from '../conversations/access.js';
import { me, type Handlers } from './context.js';

export const fileHandlers: Handlers<'files.upload'> = {
	/** A file goes where its message may go: the same rule as sending. */
	async 'files.upload'(context, { to, name, size, mime, sha256 }) {
		const self = me(context);
		const route = await writable(context.store, self.id, to);
		const limit = context.settings.maxFileBytes;
		if (size > limit) throw new ProtocolError('TOO_LARGE', `size: the largest file this server takes is ${formatBytes(limit)}`);
		const file = await context.store.createOrResumeUpload({
			uploaderId: self.id,
			conversation: route.key,
			name,
			size,
			mime,
			sha256,
			createdAt: new Date().toISOString(),
		});
		return { upload: toUpload(file) };
	},
};
