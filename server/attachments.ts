import { filePath, parseFileId, ProtocolError, type Upload } from '../source/protocol/index.js';
import { formatBytes } from '../source/sizes.js';
import { toFileInfo } from './store/file-bytes.js';
import type { FileRecord, Store } from './store/store.js';

/** Uploads as `files.upload` and the file endpoints show them, and which of them a message may carry. */

export function toUpload(file: FileRecord): Upload {
	return { file: toFileInfo(file), received: file.received, path: filePath(file.id) };
}

/**
 * The file a `send` may carry: the sender's own completed upload to the
 * conversation (by key) the message goes to. Anything else is refused with a
 * sentence saying why, and nothing is stored.
 */
export async function attachableFile(store: Store, senderId: number, fileId: string, conversationKey: string): Promise<FileRecord> {
	const id = parseFileId(fileId);
	const file = id === undefined ? undefined : await store.fileById(id);
	if (!file) throw new ProtocolError('NOT_FOUND', `file: there is no file ${fileId}`);
	if (file.uploaderId !== senderId) throw new ProtocolError('FORBIDDEN', 'file: you can only send files you uploaded');
	if (file.conversation !== conversationKey) {
		throw new ProtocolError('BAD_REQUEST', 'file: the file was uploaded to another conversation');
	}
	if (!file.complete) {
		throw new ProtocolError('BAD_REQUEST', `file: the upload is not complete (${formatBytes(file.received)} of ${formatBytes(file.size)})`);
	}
	return file;
}
