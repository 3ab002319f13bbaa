import { ProtocolError } from '../../protocol/index.js';

/** An error as the user reads it in a log line or an overlay: a server's refusal carries its code. */
export function describeError(error: unknown): string {
	if (error instanceof ProtocolError) return `${error.message} (${error.code})`;
	return error instanceof Error ? error.message : String(error);
}
