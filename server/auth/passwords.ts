import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes: scrypt with a per-user random salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64) so the cost can rise later without
 * invalidating old hashes.
 */

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** N=2^14, r=8: about 16 MiB and a few tens of ms per hash, the common interactive setting. */
const DEFAULT_COST: ScryptCost = { N: 16384, r: 8, p: 1 };

export interface ScryptCost {
	N: number;
	r: number;
	p: number;
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
	const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
	return new Promise((resolve, reject) => {
		scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
	});
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
	const salt = randomBytes(SALT_BYTES);
	const key = await derive(password, salt, cost);
	return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [scheme, N, r, p, salt, key] = stored.split('$');
	if (scheme !== 'scrypt' || !salt || !key) return false;
	const expected = Buffer.from(key, 'base64');
	const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) });
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password: checking against it costs what a real check costs, so a missing user cannot be told by timing. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
	decoy ??= hashPassword(randomBytes(16).toString('hex'));
	return decoy;
}
