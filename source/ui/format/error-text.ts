import { ProtocolError } from '../../protocol/index.js';

/**
 * An error as the user reads it in a log line or an overlay: the server's
 * sentence, as it says what went wrong (its code is for programs); the code
 * only when no sentence came.
 */
export function describeError(error: unknown): string {
	if (error instanceof ProtocolError) return error.message.trim() || `the server answered ${error.code}, without saying why`;
	return error instanceof Error ? error.message : String(error);
}
