import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import {
	BEARER,
	FILE_STATUS,
	fileIdInPath,
	HTTP_STATUS,
	parseFileId,
	ProtocolError,
	SHA256_HEADER,
	UPLOAD_LENGTH_HEADER,
	UPLOAD_OFFSET_HEADER,
	type ErrorCode,
} from '../source/protocol/index.js';
import { formatBytes } from '../source/sizes.js';
import { toUpload } from './attachments.js';
import { hashToken } from './auth/tokens.js';
import { remoteAddress } from './connection.js';
import { mayReadKey } from './conversations/access.js';
import { createHttpAdmission } from './http-admission.js';
import type { Logger } from './logger.js';
import type { ServerSettings } from './settings.js';
import { MAX_FILE_CHUNK_BYTES, type FileRecord, type Store, type UserRecord } from './store/store.js';

/**
 * The file endpoints of source/protocol/files-http.ts, served on the
 * WebSocket's own port so a deployment opens nothing new.
 */

/** An HTTP failure: the protocol code, its status (unless the code's own), and headers to add. */
class HttpFailure extends ProtocolError {
	constructor(
		code: ErrorCode,
		message: string,
		readonly status = HTTP_STATUS[code],
		readonly headers: Record<string, string> = {},
	) {
		super(code, message);
	}
}

export interface FilesHttpOptions {
	store: Store;
	settings: ServerSettings;
	logger: Logger;
}

/** The request listener part for `/files/...`: true when it took the request. */
export type FilesHttp = (request: IncomingMessage, response: ServerResponse) => boolean;

export function createFilesHttp(options: FilesHttpOptions): FilesHttp {
	const { settings } = options;
	const admit = createHttpAdmission({
		perSecond: settings.rateLimitPerSecond,
		burst: settings.rateLimitBurst,
		concurrent: settings.maxConnectionsPerAddress,
	});
	return (request, response) => {
		const url = request.url ?? '';
		const idText = fileIdInPath(url);
		if (idText === undefined) return false;
		const refusal = admit(remoteAddress(request, settings.trustProxy), request, response);
		if (refusal) {
			fail(request, response, new HttpFailure('RATE_LIMITED', refusal, HTTP_STATUS.RATE_LIMITED, { 'retry-after': '1' }));
			return true;
		}
		serveFile(options, request, response, idText).catch((error: unknown) => {
			if (!(error instanceof ProtocolError)) options.logger.error(`${request.method} ${url} failed`, error);
			fail(request, response, error);
		});
		return true;
	};
}

function fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
	if (response.headersSent) {
		response.destroy();
		return;
	}
	const failure =
		error instanceof HttpFailure
			? error
			: error instanceof ProtocolError
				? new HttpFailure(error.code, error.message)
				: new HttpFailure('INTERNAL', 'the server could not handle this request');
	const body = JSON.stringify({ code: failure.code, message: failure.message });
	// A body we did not read would otherwise be waited for; the client must open a new connection.
	const unread = !request.complete;
	response.writeHead(failure.status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(body),
		...(unread ? { connection: 'close' } : {}),
		...failure.headers,
	});
	response.end(request.method === 'HEAD' ? undefined : body);
	if (unread) response.once('finish', () => request.destroy());
}

async function serveFile(options: FilesHttpOptions, request: IncomingMessage, response: ServerResponse, idText: string) {
	const user = await authorised(options.store, request);
	const id = parseFileId(idText);
	const file = id === undefined ? undefined : await options.store.fileById(id);
	if (!file) throw new HttpFailure('NOT_FOUND', `there is no file ${idText}`);
	switch (request.method) {
		case 'PUT':
			return putBytes(options, request, response, user, file);
		case 'HEAD':
			return headFile(options.store, response, user, file);
		case 'GET':
			return getBytes(options.store, request, response, user, file);
		default:
			throw new HttpFailure('BAD_REQUEST', `${request.method} is not a method for files; use PUT, HEAD or GET`, FILE_STATUS.methodNotAllowed, {
				allow: 'PUT, HEAD, GET',
			});
	}
}

async function authorised(store: Store, request: IncomingMessage): Promise<UserRecord> {
	const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
	if (!token) throw new HttpFailure('UNAUTHENTICATED', 'send your session token as "Authorization: Bearer <token>"');
	const user = await store.userByToken(hashToken(token), new Date().toISOString());
	if (!user) throw new HttpFailure('UNAUTHENTICATED', 'the token is unknown or expired; log in again');
	return user;
}

async function mayRead(store: Store, user: UserRecord, file: FileRecord): Promise<void> {
	if (file.uploaderId === user.id || (await mayReadKey(store, user.id, file.conversation))) return;
	throw new HttpFailure('FORBIDDEN', 'this file belongs to a conversation you are not in');
}

function offsetHeaders(file: FileRecord): Record<string, string> {
	return { [UPLOAD_OFFSET_HEADER]: String(file.received), [UPLOAD_LENGTH_HEADER]: String(file.size) };
}

async function headFile(store: Store, response: ServerResponse, user: UserRecord, file: FileRecord): Promise<void> {
	await mayRead(store, user, file);
	response.writeHead(FILE_STATUS.ok, { ...offsetHeaders(file), 'cache-control': 'no-store' }).end();
}

/** A whole decimal number in a header, or undefined. */
function headerNumber(value: string | string[] | undefined): number | undefined {
	if (typeof value !== 'string' || !/^\d{1,16}$/.test(value.trim())) return undefined;
	const number = Number(value.trim());
	return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * Appends the body at `Upload-Offset`, which must be what the server has.
 * The body is cut into chunks of at most MAX_FILE_CHUNK_BYTES as it arrives
 * (read with backpressure, never whole); bytes past the announced size or the
 * server's limit stop it with 413. A body cut short keeps what arrived, so the
 * next PUT resumes there. On the last byte the checksum decides.
 */
async function putBytes(
	options: FilesHttpOptions,
	request: IncomingMessage,
	response: ServerResponse,
	user: UserRecord,
	file: FileRecord,
): Promise<void> {
	const { store, settings } = options;
	if (file.uploaderId !== user.id) throw new HttpFailure('FORBIDDEN', 'only the uploader may send a file\'s bytes');
	const offset = headerNumber(request.headers[UPLOAD_OFFSET_HEADER]);
	if (offset === undefined) throw new HttpFailure('BAD_REQUEST', `${UPLOAD_OFFSET_HEADER}: a whole number of bytes is required`);
	if (offset !== file.received) {
		throw new HttpFailure('CONFLICT', `${UPLOAD_OFFSET_HEADER}: the server has ${file.received} bytes`, HTTP_STATUS.CONFLICT, offsetHeaders(file));
	}
	const limit = Math.min(file.size, settings.maxFileBytes);
	const declared = headerNumber(request.headers['content-length']);
	if (declared !== undefined && offset + declared > limit) throw tooLarge(file, settings);
	if (file.complete) {
		if (declared) throw new HttpFailure('CONFLICT', 'the upload is already complete', HTTP_STATUS.CONFLICT, offsetHeaders(file));
		response.writeHead(FILE_STATUS.ok, { 'content-type': 'application/json', ...offsetHeaders(file) });
		response.end(JSON.stringify(toUpload(file)));
		return;
	}

	let received = offset;
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	const flush = async (): Promise<void> => {
		const data = Buffer.concat(pending, pendingBytes);
		pending = [];
		pendingBytes = 0;
		for (let start = 0; start < data.length; start += MAX_FILE_CHUNK_BYTES) {
			const chunk = data.subarray(start, start + MAX_FILE_CHUNK_BYTES);
			const next = await store.appendFileChunk(file.id, received, chunk);
			if (next === undefined) {
				// Another PUT of the same upload got there first.
				const now = (await store.fileById(file.id)) ?? file;
				throw new HttpFailure('CONFLICT', 'another upload of these bytes is under way', HTTP_STATUS.CONFLICT, offsetHeaders(now));
			}
			received = next;
		}
	};
	try {
		for await (const data of request as AsyncIterable<Buffer>) {
			if (received + pendingBytes + data.length > limit) throw tooLarge(file, settings);
			pending.push(data);
			pendingBytes += data.length;
			if (pendingBytes >= MAX_FILE_CHUNK_BYTES) await flush();
		}
	} catch (error) {
		if (error instanceof ProtocolError) throw error;
		// The connection broke mid-body: keep the bytes that did arrive, for the resume.
		await flush().catch(() => undefined);
		return;
	}
	if (!request.complete) {
		await flush().catch(() => undefined);
		return;
	}
	await flush();
	let current = (await store.fileById(file.id))!;
	if (current.received === current.size && !current.complete) {
		if ((await store.completeFile(file.id)) === 'mismatch') {
			throw new HttpFailure(
				'BAD_REQUEST',
				'the bytes do not match the announced sha256; the upload starts again from 0',
				FILE_STATUS.checksumMismatch,
				{ [UPLOAD_OFFSET_HEADER]: '0', [UPLOAD_LENGTH_HEADER]: String(file.size) },
			);
		}
		current = (await store.fileById(file.id))!;
	}
	response.writeHead(FILE_STATUS.ok, { 'content-type': 'application/json', ...offsetHeaders(current) });
	response.end(JSON.stringify(toUpload(current)));
}

function tooLarge(file: FileRecord, settings: ServerSettings): HttpFailure {
	const message =
		file.size <= settings.maxFileBytes
			? `the file was announced as ${formatBytes(file.size)}; send no more`
			: `the largest file this server takes is ${formatBytes(settings.maxFileBytes)}`;
	return new HttpFailure('TOO_LARGE', message, HTTP_STATUS.TOO_LARGE, offsetHeaders(file));
}

const RANGE = /^bytes=(\d{1,16})-$/;

/** `filename*` (RFC 6266/8187) carries any name; the plain `filename` is its ASCII shadow for old clients. */
function contentDisposition(name: string): string {
	const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function getBytes(
	store: Store,
	request: IncomingMessage,
	response: ServerResponse,
	user: UserRecord,
	file: FileRecord,
): Promise<void> {
	await mayRead(store, user, file);
	if (!file.complete) throw new HttpFailure('CONFLICT', `the file is still being uploaded (${formatBytes(file.received)} of ${formatBytes(file.size)})`);
	let from = 0;
	const range = request.headers.range;
	if (range !== undefined) {
		const start = RANGE.exec(range.trim())?.[1];
		if (start === undefined) throw new HttpFailure('BAD_REQUEST', 'range: only "bytes=N-" is supported');
		from = Number(start);
		if (from >= file.size && !(from === 0 && file.size === 0)) {
			throw new HttpFailure('BAD_REQUEST', `range: the file has ${file.size} bytes`, FILE_STATUS.rangeNotSatisfiable, {
				'content-range': `bytes */${file.size}`,
			});
		}
	}
	const partial = range !== undefined && file.size > 0;
	response.writeHead(partial ? FILE_STATUS.partial : FILE_STATUS.ok, {
		'content-type': file.mime,
		'content-length': String(file.size - from),
		'content-disposition': contentDisposition(file.name),
		'accept-ranges': 'bytes',
		'cache-control': 'private, no-store',
		[SHA256_HEADER]: file.sha256,
		...(partial ? { 'content-range': `bytes ${from}-${file.size - 1}/${file.size}` } : {}),
	});
	for await (const chunk of store.readFile(file.id, from)) {
		if (response.destroyed) return;
		if (!response.write(chunk)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
	}
	response.end();
}

