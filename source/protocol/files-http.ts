import type { ErrorCode } from './errors.js';

/**
 * The file-transfer contract over HTTP(S) on the WebSocket's own port: both
 * ends build and read paths, headers and statuses from here. `PUT` appends
 * bytes at an offset (resumable), `HEAD` tells the offset, `GET` hands the
 * bytes out (`Range: bytes=N-` resumes). Every request carries the session
 * token as `Authorization: Bearer <token>`; every error is a JSON body
 * `{code, message}` with the protocol's codes.
 */

/** Where a file's bytes go and come from. */
export function filePath(fileId: number | string): string {
	return `/files/${encodeURIComponent(String(fileId))}`;
}

const FILE_ROUTE = /^\/files\/([^/?#]*)$/;

/** The file id text of a request path (the query left off), or undefined when the path is not a file's. */
export function fileIdInPath(url: string): string | undefined {
	return FILE_ROUTE.exec(url.split('?')[0]!)?.[1];
}

/** File ids are the store's decimal ids; anything else names no file. */
export function parseFileId(text: string): number | undefined {
	if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
	const id = Number(text);
	return Number.isSafeInteger(id) ? id : undefined;
}

/** The headers of the resumable upload: where the next byte goes, and how many there are in all. */
export const UPLOAD_OFFSET_HEADER = 'upload-offset';
export const UPLOAD_LENGTH_HEADER = 'upload-length';
/** The content type of a PUT body: bytes that go at the offset. */
export const UPLOAD_CONTENT_TYPE = 'application/offset+octet-stream';
/** The file's sha256 (hex) on every download, so the client can check what it wrote. */
export const SHA256_HEADER = 'x-content-sha256';

/** The Authorization header's value for a session token. */
export function bearer(token: string): string {
	return `Bearer ${token}`;
}

/** A token as `bearer` writes it; the token's own alphabet and length. */
export const BEARER = /^Bearer ([A-Za-z0-9_-]{1,128})$/;

/** The HTTP status each protocol code maps to. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
	BAD_REQUEST: 400,
	UNAUTHENTICATED: 401,
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	CONFLICT: 409,
	TOO_LARGE: 413,
	RATE_LIMITED: 429,
	INTERNAL: 500,
	UNAVAILABLE: 503,
};

/** The statuses beside the codes' own, and what each means here. */
export const FILE_STATUS = {
	/** The request did what it asked (a PUT's body is the Upload as it now stands). */
	ok: 200,
	/** A download resumed from the Range asked for. */
	partial: 206,
	/** Only PUT, HEAD and GET are methods for files. */
	methodNotAllowed: 405,
	/** The Range starts past the file's end. */
	rangeNotSatisfiable: 416,
	/** The bytes do not match the announced sha256: bad input, but "your bytes, not your request"; the upload starts again from 0. */
	checksumMismatch: 422,
} as const;

/** Worth another try: the offset moved under the client (CONFLICT), or the server failed or was busy. */
export function retryableStatus(status: number): boolean {
	return status === HTTP_STATUS.CONFLICT || status >= HTTP_STATUS.INTERNAL;
}
