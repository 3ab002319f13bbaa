/**
 * Limits that hold for a whole cluster (issue 14 item 3): the login throttle
 * and the per-address connection cap are counted in Redis, so two instances
 * give a guesser no more tries than one, and a restart forgets nothing.
 * In-process instances on one PostgreSQL schema and one Redis prefix of the
 * run's own (test/helpers/cluster.ts), removed afterwards. Without PostgreSQL
 * or Redis these tests skip with one line saying what is missing; under CI they fail.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { redisLimiters } from '../server/auth/limiter-store.js';
import { LoginThrottle } from '../server/auth/login-throttle.js';
import { silentLogger } from '../server/logger.js';
import { startServer, type RunningServer, type ServerOptions } from '../server/server.js';
import { Cluster, inCi, missingServices, REDIS_URL, sleep } from './helpers/cluster.js';
import { PASSWORD, uniqueName, until } from './helpers/clients.js';
import { RawClient } from './helpers/raw-client.js';
import { RELAXED_LIMITS, TEST_PASSWORD_COST } from './helpers/server.js';

const missing = await missingServices(false);
if (!inCi && missing.length > 0) console.warn(`cluster limit tests skipped: missing ${missing.join('; ')}`);

const FREE = 3;
/** What one instance answers to five wrong passwords for one name: the free failures, then waits. */
const THROTTLED = ['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED'];

describe.runIf(inCi && missing.length > 0)('cluster limit services', () => {
	it('are there (CI must not skip the cluster limit tests)', () => {
		throw new Error(`the cluster limit tests need: ${missing.join('; ')}`);
	});
});

describe.runIf(missing.length === 0)('cluster: limits shared through Redis', () => {
	const cluster = new Cluster({ presenceTtl: 1.5, presenceCheck: 0.5 });
	const servers: RunningServer[] = [];
	const raws: RawClient[] = [];
	/** Each test counts under its own prefix within the run's: every client is 127.0.0.1, and one test's blocks would bite the next. */
	let prefix = cluster.prefix;
	let tests = 0;

	/** Instances of this run's cluster, in this process, named so a restart can take the same names again. */
	async function instances(names: string[], options: Partial<ServerOptions>): Promise<RunningServer[]> {
		const started = await Promise.all(
			names.map((name) =>
				startServer({
					port: 0,
					databaseUrl: cluster.databaseUrl,
					redisUrl: REDIS_URL,
					redisPrefix: prefix,
					instanceId: `${name}-${cluster.run}`,
					logger: silentLogger,
					passwordCost: TEST_PASSWORD_COST,
					presenceTtlMs: 1500,
					presenceCheckMs: 500,
					...RELAXED_LIMITS,
					...options,
				}),
			),
		);
		servers.push(...started);
		return started;
	}

	async function stopAll(): Promise<void> {
		for (const client of raws.splice(0)) client.close();
		await Promise.all(servers.splice(0).map((server) => server.close()));
	}

	async function raw(url: string): Promise<RawClient> {
		const client = await RawClient.connect(url);
		raws.push(client);
		return client;
	}

	/** Registers a user through `url` (that connection stays open until the test ends). */
	async function account(url: string): Promise<string> {
		const name = uniqueName('guess');
		await (await raw(url)).ok('register', { username: name, password: PASSWORD });
		return name;
	}

	/** One login per client in turn (round robin), each on a fresh connection of its instance; the reply codes. */
	async function guesses(urls: string[], username: string | (() => string), count: number, password = 'wrong password'): Promise<string[]> {
		const clients = await Promise.all(urls.map((url) => raw(url)));
		const codes: string[] = [];
		for (let i = 0; i < count; i++) {
			const name = typeof username === 'string' ? username : username();
			const reply = await clients[i % clients.length]!.request('login', { username: name, password });
			codes.push(reply.type === 'ok' ? 'ok' : String(reply.code));
		}
		return codes;
	}

	beforeAll(async () => {
		await cluster.prepare();
	});
	beforeEach(() => {
		prefix = `${cluster.prefix}${++tests}:`;
	});
	afterEach(stopAll);
	afterAll(async () => {
		await cluster.cleanup();
		expect(await cluster.redisKeys()).toEqual([]);
	});

	it('throttles wrong passwords alternating between two instances after the same free failures as on one', async () => {
		const [a, b] = await instances(['a', 'b'], { loginFreeFailures: FREE, loginBaseDelayMs: 30_000 });
		const throughOne = await guesses([a!.url], await account(a!.url), 5);
		const name = await account(b!.url);
		const throughTwo = await guesses([a!.url, b!.url], name, 5);
		expect(throughOne).toEqual(THROTTLED);
		expect(throughTwo).toEqual(throughOne);
		// The owner waits like the guesser, on either instance.
		expect(await guesses([a!.url, b!.url], name, 2, PASSWORD)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
	});

	it('throttles one address trying many names through two instances as through one', async () => {
		const [a, b] = await instances(['a', 'b'], { loginFreeFailuresPerAddress: 4, loginBaseDelayMs: 30_000 });
		const codes = await guesses([a!.url, b!.url], () => uniqueName('n'), 6);
		expect(codes).toEqual([...Array(4).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED']);
	});

	it('keeps the throttle through a restart of both instances on the same Redis', async () => {
		const options = { loginFreeFailures: FREE, loginBaseDelayMs: 60_000 };
		const [a, b] = await instances(['a', 'b'], options);
		const name = await account(a!.url);
		expect(await guesses([a!.url, b!.url], name, FREE)).toEqual(THROTTLED.slice(0, FREE));
		await stopAll();

		const [a2, b2] = await instances(['a', 'b'], options);
		for (const server of [a2!, b2!]) {
			const reply = await (await raw(server.url)).request('login', { username: name, password: PASSWORD });
			expect(reply.code).toBe('RATE_LIMITED');
			expect(String(reply.message)).toMatch(/^too many failed logins; try again in \d+ s$/);
		}
	});

	it('lets the right password in once the wait is over, and that login clears the name\'s failures', async () => {
		const [a, b] = await instances(['a', 'b'], { loginFreeFailures: FREE, loginBaseDelayMs: 1500 });
		const name = await account(a!.url);
		expect(await guesses([a!.url, b!.url], name, FREE)).toEqual(THROTTLED.slice(0, FREE));
		const blockedAt = Date.now();
		// Even the right password waits its turn, on the instance that saw fewer of the failures.
		expect((await guesses([b!.url], name, 1, PASSWORD))[0]).toBe('RATE_LIMITED');

		await sleep(Math.max(0, blockedAt + 1600 - Date.now()));
		expect(await guesses([b!.url], name, 1, PASSWORD)).toEqual(['ok']);
		// Cleared: the free failures are free again, through both instances.
		expect(await guesses([a!.url, b!.url], name, 5)).toEqual(THROTTLED);
	});

	/** Opens a plain WebSocket; resolves with its close when refused, or 'open' once welcomed. */
	function dial(url: string): Promise<{ code: number; reason: string } | 'open'> {
		return new Promise((resolve) => {
			const socket = new WebSocket(url);
			socket.on('message', () => {
				socket.close();
				resolve('open');
			});
			socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
			socket.on('error', () => undefined);
		});
	}

	const REFUSED = { code: 1013, reason: 'too many connections from your address' };

	it('caps connections per address across instances, and a place frees up when one closes', async () => {
		const [a, b] = await instances(['a', 'b'], { maxConnectionsPerAddress: 3 });
		await raw(a!.url);
		const second = await raw(a!.url);
		await raw(b!.url);
		expect(await dial(a!.url)).toEqual(REFUSED);
		expect(await dial(b!.url)).toEqual(REFUSED);

		second.close();
		await second.waitClosed();
		await until(async () => (await dial(b!.url)) === 'open', 'a place on b after a connection to a closed');
	});

	it('stops counting the connections of an instance that died without closing them', async () => {
		// A `chat-tui serve` process of the same cluster (its own cap is high; the count is shared).
		prefix = cluster.prefix;
		const doomed = await cluster.start('doomed');
		try {
			for (let i = 0; i < 3; i++) await raw(doomed.url);
			const [a] = await instances(['a'], { maxConnectionsPerAddress: 3 });
			expect(await dial(a!.url)).toEqual(REFUSED);
			await doomed.stop('SIGKILL');
			// Its heartbeat lives 1.5 s: after that its three connections no longer count.
			await until(async () => (await dial(a!.url)) === 'open', 'a place once the dead instance is no longer counted', 5000);
		} finally {
			await doomed.stop('SIGKILL');
			cluster.instances.splice(cluster.instances.indexOf(doomed), 1);
		}
	});

	it('keeps limiting in this instance\'s memory while Redis cannot be reached, rather than refusing or allowing everyone', async () => {
		const redis = new Redis(REDIS_URL, { lazyConnect: true });
		await redis.connect();
		const throttle = new LoginThrottle(
			{ freeFailures: FREE, freeFailuresPerAddress: 1000, baseDelayMs: 30_000, maxDelayMs: 60_000 },
			redisLimiters(redis, `${prefix}insured:`),
		);
		await throttle.failed('mallory', '192.0.2.1');
		expect(await redis.keys(`${prefix}insured:*`)).not.toEqual([]);
		redis.disconnect();
		// Redis gone: answers still come, from memory, and the free failures there are counted as on a single server.
		expect(await throttle.waitFor('mallory', '192.0.2.1')).toBe(0);
		for (let i = 0; i < FREE - 1; i++) await throttle.failed('mallory', '192.0.2.1');
		expect(await throttle.waitFor('mallory', '192.0.2.1')).toBe(0);
		await throttle.failed('mallory', '192.0.2.1');
		expect(await throttle.waitFor('mallory', '192.0.2.1')).toBeGreaterThan(29_000);
		await throttle.succeeded('mallory');
		expect(await throttle.waitFor('mallory', '192.0.2.1')).toBe(0);
	});
});
