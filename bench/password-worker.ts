/**
 * One side of the password benchmark (bench/passwords.ts), in a process of
 * its own so its peak RSS is its own: hashes a password at the given scrypt
 * cost, then checks it `count` times, all asked at once as a burst of logins
 * would ask, through the server's own verifyPassword. Prints one JSON line.
 *
 *   node dist/bench/password-worker.js N r p count
 */
import { hashPassword, verifyPassword } from '../server/auth/passwords.js';

const [N, r, p, count] = process.argv.slice(2).map(Number);
if (!N || !r || !p || !count) {
	console.error('usage: password-worker N r p count');
	process.exit(2);
}
const cost = { N, r, p };
const stored = await hashPassword('bench-password-1', cost);
const rssBefore = process.resourceUsage().maxRSS;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const results = await Promise.all(Array.from({ length: count }, () => verifyPassword('bench-password-1', stored)));
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
if (!results.every(Boolean)) throw new Error('a check failed');
console.log(
	JSON.stringify({
		perSec: count / (elapsedMs / 1000),
		cpuMsEach: (cpu.user + cpu.system) / 1000 / count,
		maxRssKiB: process.resourceUsage().maxRSS,
		rssBeforeKiB: rssBefore,
	}),
);
