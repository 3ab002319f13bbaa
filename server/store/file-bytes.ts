import { createHash } from 'node:crypto';
import type { FileInfo } from '../../source/protocol/index.js';
import type { FileRecord } from './store.js';

/** Chunks read per query while streaming a file out: a few MiB in memory at most. */
export const FILE_READ_PAGE_CHUNKS = 4;

/** The hex sha256 of a stream of chunks, hashed as they come, never holding them all. */
export async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of chunks) hash.update(chunk);
	return hash.digest('hex');
}

export function toFileInfo(file: Pick<FileRecord, 'id' | 'name' | 'size' | 'mime' | 'sha256'>): FileInfo {
	return { id: String(file.id), name: file.name, size: file.size, mime: file.mime, sha256: file.sha256 };
}

/** The file columns a message query joins in (NULL for a message without a file). */
export interface MessageFileColumns {
	file_id: number | string | null;
	file_name: string | null;
	file_size: number | null;
	file_mime: string | null;
	file_sha256: string | null;
}

export const MESSAGE_FILE_COLUMNS = `,
	f.id AS file_id, f.name AS file_name, f.size AS file_size, f.mime AS file_mime, f.sha256 AS file_sha256`;
export const MESSAGE_FILE_JOIN = `
	LEFT JOIN files f ON f.id = m.file_id`;

/** The `file` field of a message read back with MESSAGE_FILE_COLUMNS, or nothing. */
export function messageFile(row: MessageFileColumns): { file?: FileInfo } {
	if (row.file_id === null || row.file_id === undefined) return {};
	return {
		file: toFileInfo({
			id: Number(row.file_id),
			name: row.file_name!,
			size: Number(row.file_size),
			mime: row.file_mime!,
			sha256: row.file_sha256!,
		}),
	};
}
