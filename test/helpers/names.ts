/** Names and ids that no other test in this process uses, and the one password every test user has. */

export const PASSWORD = 'correct horse battery staple';

let counter = 0;

/** A name (user or group) no other test in this process uses; at most 32 characters. */
export function uniqueName(prefix = 'u'): string {
	counter += 1;
	return `${prefix}${process.pid % 10000}_${counter}`;
}

/** A `send` cid no other test in this process uses (8–64 characters). */
export function uniqueCid(): string {
	counter += 1;
	return `cid-${process.pid}-${counter}`.padEnd(8, '0');
}
