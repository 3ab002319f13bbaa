import { createHash, randomBytes } from 'node:crypto';

/** Session tokens: 256 random bits, handed to the client once and stored only as a SHA-256 hash. */
const TOKEN_BYTES = 32;

export function newToken(): string {
	return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * A token is looked up by its hash, so the database never holds one that
 * could be replayed, and the lookup compares hashes, not secrets.
 */
export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('base64url');
}
