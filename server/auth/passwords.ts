import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Semaphore } from './semaphore.js';

/**
 * Password hashes: scrypt with a per-user random salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64). A hash carries its cost, so the cost
 * can rise later: old hashes still verify, and a login upgrades them.
 */

const SALT_BYTES = 16;
const KEY_BYTES = 32;

export interface ScryptCost {
	N: number;
	r: number;
	p: number;
}

/** OWASP's scrypt setting N=2^14, r=8, p=5: 16 MiB and a few hundred ms of one core per hash. */
export const DEFAULT_PASSWORD_COST: ScryptCost = { N: 16384, r: 8, p: 5 };

/**
 * Hashes running at once, in the whole process; the rest queue. Two keep
 * memory to a few tens of MiB and leave libuv's other threads to file I/O
 * and DNS however many logins arrive together.
 */
export const HASH_CONCURRENCY = 2;
export const hashing = new Semaphore(HASH_CONCURRENCY);

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
	const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
	return hashing.run(
		() =>
			new Promise((resolve, reject) => {
				scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
			}),
	);
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_PASSWORD_COST): Promise<string> {
	const salt = randomBytes(SALT_BYTES);
	const key = await derive(password, salt, cost);
	return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** The cost a stored hash was made with; undefined for anything that is not one of our hashes. */
export function costOf(stored: string): ScryptCost | undefined {
	const [scheme, N, r, p, salt, key] = stored.split('$');
	const cost = { N: Number(N), r: Number(r), p: Number(p) };
	if (scheme !== 'scrypt' || !salt || !key || !Object.values(cost).every((n) => Number.isSafeInteger(n) && n > 0)) {
		return undefined;
	}
	return cost;
}

/** Whether a stored hash should be made again at `cost` (at the next login, when the password is at hand). */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_PASSWORD_COST): boolean {
	const current = costOf(stored);
	return !current || current.N !== cost.N || current.r !== cost.r || current.p !== cost.p;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const cost = costOf(stored);
	if (!cost) return false;
	const [, , , , salt, key] = stored.split('$');
	const expected = Buffer.from(key!, 'base64');
	const actual = await derive(password, Buffer.from(salt!, 'base64'), cost);
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password at `cost`: checking against it costs what a
 * real check costs, so a missing (or deleted) user cannot be told by timing.
 */
const decoys = new Map<string, Promise<string>>();
export function decoyHash(cost: ScryptCost = DEFAULT_PASSWORD_COST): Promise<string> {
	const key = `${cost.N}$${cost.r}$${cost.p}`;
	let decoy = decoys.get(key);
	if (!decoy) decoys.set(key, (decoy = hashPassword(randomBytes(16).toString('hex'), cost)));
	return decoy;
}
