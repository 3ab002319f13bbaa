import { createHash } from 'node:crypto';
import type { FileInfo } from '../../source/protocol/index.js';
import { MAX_FILE_CHUNK_BYTES, type CompleteResult, type FileRecord } from './store.js';

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

/** A stored piece of a file: where it starts, and its bytes. */
export interface StoredChunk {
	offset: number;
	data: Buffer;
}

/**
 * Reads the chunks that end after `position`, in order, at most
 * FILE_READ_PAGE_CHUNKS of them; `minOffset` is MAX_FILE_CHUNK_BYTES before
 * the position: the first chunk may begin before it, but by less than a
 * chunk's size, which bounds the index range scanned.
 */
export type ChunkPageReader = (position: number, minOffset: number) => StoredChunk[] | Promise<StoredChunk[]>;

/** A file's bytes from `from` on, chunk by chunk, a page of chunks read at a time (both engines' readFile). */
export async function* fileBytesFrom(from: number, readPage: ChunkPageReader): AsyncIterable<Uint8Array> {
	let position = from;
	for (;;) {
		const page = await readPage(position, position - MAX_FILE_CHUNK_BYTES);
		if (page.length === 0) return;
		for (const chunk of page) {
			const bytes = chunk.offset < position ? chunk.data.subarray(position - chunk.offset) : chunk.data;
			position = chunk.offset + chunk.data.length;
			yield bytes;
		}
	}
}

/**
 * Both engines' completeFile: the stored bytes are checked against the
 * announced sha256, then `settle` marks the file complete (matches) or drops
 * its bytes so the upload starts again from 0 (mismatch), in one transaction.
 */
export async function completeUpload(
	fileId: number,
	file: FileRecord | undefined,
	bytes: () => AsyncIterable<Uint8Array>,
	settle: (matches: boolean) => unknown,
): Promise<CompleteResult> {
	if (!file) throw new Error(`no file ${fileId}`);
	if (file.complete) return 'complete';
	const matches = file.received === file.size && (await sha256Of(bytes())) === file.sha256;
	await settle(matches);
	return matches ? 'complete' : 'mismatch';
}
