import { ProtocolError, type Upload } from '../../source/protocol/index.js';
import { conversationKey } from '../store/conversation.js';
import { toFileInfo } from '../store/file-bytes.js';
import type { FileRecord } from '../store/store.js';
import { me, type HandlerContext, type Handlers } from './context.js';
import { routeForSend, type Route } from './messages.js';

/** Where a file's bytes go and come from, over HTTP on the server's own port. */
export function filePath(fileId: number): string {
	return `/files/${fileId}`;
}

export function toUpload(file: FileRecord): Upload {
	return { file: toFileInfo(file), received: file.received, path: filePath(file.id) };
}

/** File ids are the store's decimal ids; anything else names no file. */
export function parseFileId(text: string): number | undefined {
	if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
	const id = Number(text);
	return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * The file a `send` may carry: the sender's own completed upload to the
 * conversation the message goes to. Anything else is refused with a sentence
 * saying why, and nothing is stored.
 */
export async function attachableFile(context: HandlerContext, fileId: string, route: Route): Promise<FileRecord> {
	const self = me(context);
	const id = parseFileId(fileId);
	const file = id === undefined ? undefined : await context.store.fileById(id);
	if (!file) throw new ProtocolError('NOT_FOUND', `file: there is no file ${fileId}`);
	if (file.uploaderId !== self.id) throw new ProtocolError('FORBIDDEN', 'file: you can only send files you uploaded');
	if (file.conversation !== conversationKey(self.id, route.to)) {
		throw new ProtocolError('BAD_REQUEST', 'file: the file was uploaded to another conversation');
	}
	if (!file.complete) {
		throw new ProtocolError('BAD_REQUEST', `file: the upload is not complete (${file.received} of ${file.size} bytes)`);
	}
	return file;
}

export const fileHandlers: Handlers<'files.upload'> = {
	async 'files.upload'(context, { to, name, size, mime, sha256 }) {
		const self = me(context);
		const route = await routeForSend(context, to);
		const limit = context.settings.maxFileBytes;
		if (size > limit) throw new ProtocolError('TOO_LARGE', `size: the largest file this server takes is ${limit} bytes`);
		const file = await context.store.createOrResumeUpload({
			uploaderId: self.id,
			conversation: conversationKey(self.id, route.to),
			name,
			size,
			mime,
			sha256,
			createdAt: new Date().toISOString(),
		});
		return { upload: toUpload(file) };
	},
};
