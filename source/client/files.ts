import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, open, rename, stat, unlink } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
	bearer,
	ErrorCode,
	FILE_STATUS,
	FileName,
	filePath,
	HTTP_STATUS,
	MAX_FILE_TYPE_CHARS,
	ProtocolError,
	retryableStatus,
	SHA256_HEADER,
	UPLOAD_CONTENT_TYPE,
	UPLOAD_OFFSET_HEADER,
	type FileInfo,
	type Message,
	type Peer,
} from '../protocol/index.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { ChatClient } from './chat-client.js';
import { ProgressMeter, type TransferProgress } from './transfer-progress.js';

/**
 * File transfer beside a ChatClient, no UI: the bytes go over HTTP(S) to the
 * same host and port as the WebSocket, with the client's session token.
 * Uploads resume from the server's offset after a broken connection;
 * downloads resume a partial file with a Range request. Both check the
 * sha256 and can be cancelled with an AbortSignal.
 */

export type { TransferProgress } from './transfer-progress.js';

/** A broken transfer is tried again this many times (from where it stopped) before giving up. */
export const TRANSFER_ATTEMPTS = 8;
/** Retries back off faster than reconnects: a transfer is something the user is watching. */
export const TRANSFER_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.3 };

/** A partial download sits beside its target under this suffix until its checksum is right. */
export const PARTIAL_SUFFIX = '.part';

/** A failed HTTP exchange: the server's protocol code and sentence, and the status. */
export class TransferError extends ProtocolError {
	constructor(
		code: ErrorCode,
		message: string,
		readonly status: number,
		readonly offset?: number,
	) {
		super(code, message);
	}
}

export interface TransferOptions {
	signal?: AbortSignal | undefined;
	onProgress?: ((progress: TransferProgress) => void) | undefined;
	attempts?: number;
	backoff?: Partial<BackoffOptions>;
}

export interface UploadOptions extends TransferOptions {
	to: Peer;
	/** The file on disk. */
	path: string;
	/** The message text; the file's name when empty. */
	caption?: string | undefined;
	/** Defaults from the path's extension. */
	mime?: string | undefined;
}

/** `ws://host:port` → `http://host:port` (and wss → https): files live on the WebSocket's own port. */
export function httpBaseUrl(wsUrl: string): URL {
	const url = new URL(wsUrl);
	url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
	url.pathname = '/';
	url.search = '';
	url.hash = '';
	return url;
}

const MIME_BY_EXTENSION: Record<string, string> = {
	'.txt': 'text/plain',
	'.md': 'text/markdown',
	'.csv': 'text/csv',
	'.html': 'text/html',
	'.json': 'application/json',
	'.pdf': 'application/pdf',
	'.zip': 'application/zip',
	'.gz': 'application/gzip',
	'.tar': 'application/x-tar',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.svg': 'image/svg+xml',
	'.mp3': 'audio/mpeg',
	'.mp4': 'video/mp4',
};

/** A MIME type from the file name's extension; unknown kinds are plain bytes. */
export function guessMime(name: string): string {
	return MIME_BY_EXTENSION[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function aborted(signal: AbortSignal | undefined): boolean {
	return signal?.aborted === true;
}

function cancelled(): ProtocolError {
	return new ProtocolError('UNAVAILABLE', 'the transfer was cancelled');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve, reject) => {
		if (aborted(signal)) return reject(cancelled());
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(cancelled());
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

async function sha256OfFile(file: string, signal?: AbortSignal, end?: number): Promise<string> {
	const hash = createHash('sha256');
	if (end === 0) return hash.digest('hex');
	for await (const chunk of createReadStream(file, { signal, ...(end === undefined ? {} : { end: end - 1 }) })) {
		hash.update(chunk as Buffer);
	}
	return hash.digest('hex');
}

/** What one HTTP exchange needs: where, who, and the TLS options of the client's socket. */
interface Endpoint {
	base: URL;
	token: string;
	tls: https.RequestOptions;
}

function endpointOf(client: ChatClient): Endpoint {
	if (!client.token) throw new ProtocolError('UNAUTHENTICATED', 'log in before transferring files');
	const { ca, cert, key, rejectUnauthorized } = client.socketOptions;
	return { base: httpBaseUrl(client.url), token: client.token, tls: { ca, cert, key, rejectUnauthorized } };
}

function request(
	endpoint: Endpoint,
	method: string,
	filePath: string,
	headers: Record<string, string>,
	signal: AbortSignal | undefined,
): http.ClientRequest {
	const url = new URL(filePath, endpoint.base);
	const options = { method, headers: { authorization: bearer(endpoint.token), ...headers }, signal };
	return url.protocol === 'https:' ? https.request(url, { ...options, ...endpoint.tls }) : http.request(url, options);
}

function responseOf(req: http.ClientRequest): Promise<IncomingMessage> {
	return new Promise((resolve, reject) => {
		req.once('response', resolve);
		req.once('error', reject);
	});
}

async function bodyText(response: IncomingMessage): Promise<string> {
	const parts: Buffer[] = [];
	for await (const chunk of response) parts.push(chunk as Buffer);
	return Buffer.concat(parts).toString('utf8');
}

/** The server's `{code, message}` as a TransferError (a proxy's HTML page becomes a plain sentence). */
async function failureOf(response: IncomingMessage): Promise<TransferError> {
	const status = response.statusCode ?? 0;
	const offsetHeader = response.headers[UPLOAD_OFFSET_HEADER];
	const offset = typeof offsetHeader === 'string' ? Number(offsetHeader) : undefined;
	const text = await bodyText(response).catch(() => '');
	try {
		const body = JSON.parse(text) as { code?: unknown; message?: unknown };
		const code = ErrorCode.safeParse(body.code);
		if (code.success && typeof body.message === 'string') return new TransferError(code.data, body.message, status, offset);
	} catch {
		// not JSON: fall through
	}
	return new TransferError(status >= HTTP_STATUS.INTERNAL ? 'UNAVAILABLE' : 'BAD_REQUEST', `the server answered HTTP ${status}`, status, offset);
}

/** Worth another try: the network broke, the server was busy, or the offset moved under us. */
function retryable(error: unknown): boolean {
	if (error instanceof TransferError) return retryableStatus(error.status);
	return !(error instanceof ProtocolError);
}

/** Runs `attempt` until it succeeds, backing off between tries that failed in a way worth retrying. */
async function withRetries<T>(options: TransferOptions, attempt: () => Promise<T>): Promise<T> {
	const backoff = { ...TRANSFER_BACKOFF, ...options.backoff };
	const attempts = options.attempts ?? TRANSFER_ATTEMPTS;
	for (let tried = 1; ; tried++) {
		if (aborted(options.signal)) throw cancelled();
		try {
			return await attempt();
		} catch (error) {
			if (aborted(options.signal)) throw cancelled();
			if (!retryable(error) || tried >= attempts) throw error;
			await sleep(backoffDelay(tried - 1, backoff), options.signal);
		}
	}
}

/** What the server has of an upload. */
async function uploadOffset(endpoint: Endpoint, filePath: string, signal: AbortSignal | undefined): Promise<number> {
	const req = request(endpoint, 'HEAD', filePath, {}, signal);
	req.end();
	const response = await responseOf(req);
	response.resume();
	if (response.statusCode !== FILE_STATUS.ok) throw await failureOf(response);
	return Number(response.headers[UPLOAD_OFFSET_HEADER] ?? 0);
}

/** A pass-through stream that tells the meter how many bytes have gone through it, counting on from `start`. */
function countedInto(meter: ProgressMeter, start: number): Transform {
	let done = start;
	meter.update(done, true);
	return new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			done += chunk.length;
			meter.update(done);
			callback(null, chunk);
		},
	});
}

/** Streams the file from `offset` on into one PUT, counting bytes into the meter as they go out. */
async function putFrom(
	endpoint: Endpoint,
	upload: { path: string; size: number },
	source: string,
	offset: number,
	meter: ProgressMeter,
	signal: AbortSignal | undefined,
): Promise<void> {
	const req = request(
		endpoint,
		'PUT',
		upload.path,
		{
			[UPLOAD_OFFSET_HEADER]: String(offset),
			'content-length': String(upload.size - offset),
			'content-type': UPLOAD_CONTENT_TYPE,
		},
		signal,
	);
	const answered = responseOf(req);
	answered.catch(() => undefined);
	const counter = countedInto(meter, offset);
	const body =
		upload.size > offset
			? pipeline(createReadStream(source, { start: offset }), counter, req)
			: new Promise<void>((resolve) => req.end(resolve));
	// The server may answer (409, 413) before taking the whole body, and a broken body breaks the
	// request too: the answer, or the request's error, is what counts.
	body.catch(() => undefined);
	const response = await answered;
	if (response.statusCode !== FILE_STATUS.ok) throw await failureOf(response);
	response.resume();
	meter.update(upload.size, true);
}

/**
 * Uploads a file into a conversation, then posts the message that carries
 * it; resolves with that message. A broken connection is retried from the
 * server's offset; the signal cancels (the partial upload stays on the
 * server, and the same file sent again resumes it).
 */
export async function uploadFile(client: ChatClient, options: UploadOptions): Promise<Message> {
	const { signal } = options;
	const info = await stat(options.path);
	if (!info.isFile()) throw new ProtocolError('BAD_REQUEST', `${options.path} is not a file`);
	const name = FileName.safeParse(path.basename(options.path));
	if (!name.success) throw new ProtocolError('BAD_REQUEST', `${path.basename(options.path)}: ${name.error.issues[0]?.message}`);
	const mime = (options.mime ?? guessMime(name.data)).slice(0, MAX_FILE_TYPE_CHARS);
	const sha256 = await sha256OfFile(options.path, signal);
	if (aborted(signal)) throw cancelled();
	const { upload } = await client.request('files.upload', { to: options.to, name: name.data, size: info.size, mime, sha256 });
	const endpoint = endpointOf(client);
	const meter = new ProgressMeter(info.size, options.onProgress);
	meter.update(upload.received, true);
	await withRetries(options, async () => {
		const offset = await uploadOffset(endpoint, upload.path, signal);
		await putFrom(endpoint, { path: upload.path, size: info.size }, options.path, offset, meter, signal);
	});
	if (aborted(signal)) throw cancelled();
	const caption = options.caption?.trim();
	const { message } = await client.request('send', {
		to: options.to,
		text: caption ? caption : name.data,
		cid: randomUUID(),
		file: upload.file.id,
	});
	return message;
}

export interface DownloadOptions extends TransferOptions {
	/** The directory to save into. */
	dir: string;
	/** The name to save as (default: a free variant of the file's own name). */
	saveAs?: string | undefined;
}

async function exists(file: string): Promise<boolean> {
	return access(file).then(
		() => true,
		() => false,
	);
}

/** `name`, or `name (1)`, `name (2)` … before the extension: the first not taken in `dir`. Never overwrites. */
export async function freeFileName(dir: string, name: string): Promise<string> {
	const extension = path.extname(name);
	const stem = extension && extension !== name ? name.slice(0, -extension.length) : name;
	for (let n = 0; ; n++) {
		const candidate = n === 0 ? name : `${stem} (${n})${extension === name ? '' : extension}`;
		if (!(await exists(path.join(dir, candidate)))) return candidate;
	}
}

/** The partial file of one download: named by file id, so a later try finds it and resumes. */
export function partialPath(dir: string, file: FileInfo): string {
	return path.join(dir, `.${file.name}.${file.id}${PARTIAL_SUFFIX}`);
}

/** Fetches the bytes from what the partial file has on, appending to it. */
async function getFrom(endpoint: Endpoint, file: FileInfo, partial: string, meter: ProgressMeter, signal: AbortSignal | undefined) {
	const have = await stat(partial).then(
		(info) => info.size,
		() => 0,
	);
	if (have >= file.size) return;
	const req = request(endpoint, 'GET', filePath(file.id), have > 0 ? { range: `bytes=${have}-` } : {}, signal);
	req.end();
	const response = await responseOf(req);
	const resumed = response.statusCode === FILE_STATUS.partial;
	if (response.statusCode !== FILE_STATUS.ok && !resumed) throw await failureOf(response);
	const announced = response.headers[SHA256_HEADER];
	if (typeof announced === 'string' && announced !== file.sha256) {
		response.resume();
		throw new ProtocolError('BAD_REQUEST', `${file.name}: the server's checksum is not the one in the message`);
	}
	const counter = countedInto(meter, resumed ? have : 0);
	await pipeline(response, counter, createWriteStream(partial, { flags: resumed ? 'a' : 'w', mode: 0o600 }));
	if (!response.complete) throw new Error('the download was cut off');
}

/**
 * Downloads a file into a directory and resolves with the path it was saved
 * as. Bytes go to a partial file first, resumed with a Range request after a
 * break; only when its sha256 matches is it renamed into place. A mismatch
 * deletes the partial file.
 */
export async function downloadFile(client: ChatClient, file: FileInfo, options: DownloadOptions): Promise<string> {
	const endpoint = endpointOf(client);
	const partial = partialPath(options.dir, file);
	const meter = new ProgressMeter(file.size, options.onProgress);
	await withRetries(options, () => getFrom(endpoint, file, partial, meter, options.signal));
	const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
	if (file.size === 0 && have === 0) await (await open(partial, 'w', 0o600)).close();
	if (have > file.size || (await sha256OfFile(partial, options.signal)) !== file.sha256) {
		await unlink(partial).catch(() => undefined);
		throw new ProtocolError('BAD_REQUEST', `${file.name}: the downloaded bytes do not match the file's sha256; the partial file was removed`);
	}
	meter.update(file.size, true);
	const target = path.join(options.dir, options.saveAs ?? (await freeFileName(options.dir, file.name)));
	await rename(partial, target);
	return target;
}
