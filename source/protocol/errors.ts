import { z } from 'zod';

/** The error codes of PROTOCOL.md; a reply's `code` is always one of these. */
export const ERROR_CODES = [
	'BAD_REQUEST',
	'UNAUTHENTICATED',
	'FORBIDDEN',
	'NOT_FOUND',
	'CONFLICT',
	'RATE_LIMITED',
	'TOO_LARGE',
	'UNAVAILABLE',
	'INTERNAL',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * An error that carries a protocol code. The server throws it from handlers and
 * turns it into an `error` reply; the client throws it from `request()`.
 */
export class ProtocolError extends Error {
	override readonly name = 'ProtocolError';

	constructor(
		readonly code: ErrorCode,
		message: string,
	) {
		super(message);
	}
}

export function isProtocolError(value: unknown): value is ProtocolError {
	return value instanceof ProtocolError;
}
