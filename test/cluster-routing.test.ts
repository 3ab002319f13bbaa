/**
 * Cluster routing (issue 14 item 2): a delivery goes only to the instances
 * holding a session of one of its users. In-process instances (startServer)
 * share one PostgreSQL schema and one Redis prefix; each instance's bus
 * counts what it sent and received (bus.stats()), so the property is asserted
 * on counts, not timings.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusStats } from '../server/bus/bus.js';
import { silentLogger } from '../server/logger.js';
import { RedisPresence } from '../server/presence/redis-presence.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { ChatClient } from '../source/client/index.js';
import type { Message } from '../source/protocol/index.js';
import { ClientPool, befriend, record, sleep, uniqueName, until } from './helpers/clients.js';
import { Cluster, inCi, missingServices, REDIS_URL } from './helpers/cluster.js';
import { RELAXED_LIMITS, TEST_PASSWORD_COST } from './helpers/server.js';

const missing = await missingServices(false);
if (!inCi && missing.length > 0) console.warn(`cluster routing tests skipped: missing ${missing.join('; ')}`);

const PRESENCE_TTL_MS = 1500;
const PRESENCE_CHECK_MS = 500;

describe.runIf(inCi && missing.length > 0)('cluster routing services', () => {
	it('are there (CI must not skip the cluster tests)', () => {
		throw new Error(`the cluster routing tests need: ${missing.join('; ')}`);
	});
});

describe.runIf(missing.length === 0)('cluster routing: deliveries go only where a recipient has a session', () => {
	const cluster = new Cluster({ presenceTtl: PRESENCE_TTL_MS / 1000, presenceCheck: PRESENCE_CHECK_MS / 1000 });
	const pool = new ClientPool();
	const servers: RunningServer[] = [];
	let started = 0;

	async function instances(count: number, options: { presence?: RedisPresence } = {}): Promise<RunningServer[]> {
		const common = {
			port: 0,
			databaseUrl: cluster.databaseUrl,
			redisUrl: REDIS_URL,
			redisPrefix: cluster.prefix,
			logger: silentLogger,
			passwordCost: TEST_PASSWORD_COST,
			presenceTtlMs: PRESENCE_TTL_MS,
			presenceCheckMs: PRESENCE_CHECK_MS,
			...RELAXED_LIMITS,
		};
		const made: RunningServer[] = [];
		for (let i = 0; i < count; i++) {
			const presence = i === 0 ? options.presence : undefined;
			const server = await startServer({ ...common, ...(presence ? { presence } : { instanceId: `r${started++}-${cluster.run}` }) });
			servers.push(server);
			made.push(server);
		}
		return made;
	}

	const received = (server: RunningServer) => server.bus.stats().received;

	beforeAll(async () => {
		await cluster.prepare();
	});
	afterEach(async () => {
		await pool.closeAll();
		await Promise.all(servers.splice(0).map((server) => server.close()));
	});
	afterAll(async () => {
		await cluster.cleanup();
	});

	it('(a) traffic only among the users of one instance: the others receive nothing from the bus', async () => {
		const [a, b, c] = (await instances(3)) as [RunningServer, RunningServer, RunningServer];
		const users = await Promise.all(Array.from({ length: 6 }, () => pool.registered(a.url, 'local')));
		const got = users.map((user) => record(user, 'message'));
		for (let i = 0; i < users.length; i += 2) await befriend(users[i]!, users[i + 1]!);
		const group = uniqueName('g');
		await users[0]!.request('groups.create', { name: group, visibility: 'public' });
		for (const user of users.slice(1)) await user.request('groups.join', { name: group });
		const rounds = 20;
		await Promise.all(
			users.map(async (user, i) => {
				const peer = users[i % 2 === 0 ? i + 1 : i - 1]!;
				for (let n = 0; n < rounds; n++) await user.send({ user: peer.name }, `dm ${n}`);
				await user.send({ group }, `group from ${i}`);
			}),
		);
		await until(() => got.every((events) => events.length === rounds + users.length - 1), 'every delivery on a', 10_000);
		await sleep(200);
		expect(received(b)).toBe(0);
		expect(received(c)).toBe(0);
		expect(a.bus.stats().forwarded).toBe(0);
		expect(received(a)).toBe(0); // its own deliveries never went through Redis to itself
	});

	it('(b) a direct message between users on a and b reaches both; c receives nothing', async () => {
		const [a, b, c] = (await instances(3)) as [RunningServer, RunningServer, RunningServer];
		const alice = await pool.registered(a.url, 'alice');
		const bob = await pool.registered(b.url, 'bob');
		const aliceOther = await pool.connect(b.url);
		await aliceOther.login({ token: alice.token! });
		await befriend(alice, bob);
		const toBob = record(bob, 'message');
		const toAliceOnB = record(aliceOther, 'message');
		const toAlice = record(alice, 'message');
		const count = 30;
		await Promise.all([
			...Array.from({ length: count }, (_, i) => alice.send({ user: bob.name }, `a→b ${i}`)),
			...Array.from({ length: count }, (_, i) => bob.send({ user: alice.name }, `b→a ${i}`)),
		]);
		await until(() => toBob.length === count && toAlice.length === count && toAliceOnB.length === 2 * count, 'the messages', 10_000);
		await sleep(200);
		const texts = (events: Array<{ message: Message }>, from: string) =>
			events.filter((event) => event.message.from === from).map((event) => event.message.text);
		// In the order sent, once each.
		expect(texts(toBob, alice.name)).toEqual(Array.from({ length: count }, (_, i) => `a→b ${i}`));
		expect(texts(toAlice, bob.name)).toEqual(Array.from({ length: count }, (_, i) => `b→a ${i}`));
		expect(texts(toAliceOnB, alice.name)).toEqual(Array.from({ length: count }, (_, i) => `a→b ${i}`));
		expect(received(c)).toBe(0);
		expect(received(b)).toBeGreaterThanOrEqual(count);
	});

	it('(c) a group with members on a and b: c receives nothing', async () => {
		const [a, b, c] = (await instances(3)) as [RunningServer, RunningServer, RunningServer];
		const alice = await pool.registered(a.url, 'alice');
		const dave = await pool.registered(a.url, 'dave');
		const bob = await pool.registered(b.url, 'bob');
		const group = uniqueName('crew');
		await alice.request('groups.create', { name: group, visibility: 'public' });
		await bob.request('groups.join', { name: group });
		await dave.request('groups.join', { name: group });
		const toBob = record(bob, 'message');
		const toDave = record(dave, 'message');
		const count = 20;
		await Promise.all([
			...Array.from({ length: count }, (_, i) => alice.send({ group }, `alice ${i}`)),
			...Array.from({ length: count }, (_, i) => bob.send({ group }, `bob ${i}`)),
		]);
		await until(() => toBob.length === count && toDave.length === 2 * count, 'the group messages', 10_000);
		await sleep(200);
		expect(toBob.map((event) => event.message.text)).toEqual(Array.from({ length: count }, (_, i) => `alice ${i}`));
		expect(toDave.filter((event) => event.message.from === bob.name).map((event) => event.message.text)).toEqual(
			Array.from({ length: count }, (_, i) => `bob ${i}`),
		);
		expect(received(c)).toBe(0);
	});

	// Once lost about 1 run in 5 (a message handed to bob's session on b after his close frame had come:
	// ws wrote nothing, nobody marked it missed); test/wire-messages.test.ts pins that case down.
	it('(d) a user who moves from b to c gets live deliveries on c, and loses none on the way', async () => {
		const [a, b, c] = (await instances(3)) as [RunningServer, RunningServer, RunningServer];
		const alice = await pool.registered(a.url, 'alice');
		const bob = await pool.registered(b.url, 'bob');
		await befriend(alice, bob);
		const seen = new Map<string, number>();
		const count = (client: ChatClient) =>
			client.on('message', ({ message }) => {
				if (message.from === alice.name) seen.set(message.text, (seen.get(message.text) ?? 0) + 1);
			});
		count(bob);
		const token = bob.token!;
		// Alice sends all along while bob leaves b and logs in on c.
		let sending = true;
		let sent = 0;
		const sender = (async () => {
			while (sending) {
				await alice.send({ user: bob.name }, `m${sent++}`);
				await sleep(2);
			}
		})();
		await sleep(100);
		await bob.close();
		const moved = await pool.connect(c.url);
		count(moved);
		const beforeLogin = received(c);
		await moved.login({ token });
		await sleep(150);
		sending = false;
		await sender;
		await until(() => seen.size === sent, 'every message, live or replayed', 10_000);
		await sleep(200);
		expect([...seen.values()].every((times) => times >= 1)).toBe(true);
		// After the move, deliveries come to c over its own channel.
		expect(received(c)).toBeGreaterThan(beforeLogin);
		expect(received(b)).toBeGreaterThan(0);
	});

	it('(d) a message routed while the recipient is between instances (counted online, no session anywhere) comes at their login', async () => {
		// a's view of who is online is frozen ("everyone"): it stores without queueing, and routing finds no session.
		let frozen = false;
		const presence = await RedisPresence.connect({
			url: REDIS_URL,
			prefix: cluster.prefix,
			instanceId: `frozen-${cluster.run}`,
			ttlMs: PRESENCE_TTL_MS,
			checkMs: PRESENCE_CHECK_MS,
		});
		const realIsOnline = presence.isOnline.bind(presence);
		presence.isOnline = (userId) => frozen || realIsOnline(userId);
		const [a, b, c] = (await instances(3, { presence })) as [RunningServer, RunningServer, RunningServer];
		const alice = await pool.registered(a.url, 'alice');
		const bob = await pool.registered(b.url, 'bob');
		await befriend(alice, bob);
		const offline = record(alice, 'presence');
		frozen = true;
		const token = bob.token!;
		await bob.close();
		await until(() => offline.length === 1, 'bob offline');
		const between = await alice.send({ user: bob.name }, 'while you move');
		frozen = false;
		const moved = await pool.connect(c.url);
		const got = record(moved, 'message');
		await moved.login({ token });
		await until(() => got.length >= 1, 'the missed message');
		const live = await alice.send({ user: bob.name }, 'after the move');
		await until(() => got.length >= 2, 'the live message');
		expect(got.map((event) => event.message.id)).toEqual([between.id, live.id]);
		expect(received(c)).toBe(1);
	});

	it('an instance rewrites its routes when Redis no longer has them, and deliveries reach it again', async () => {
		const [a, b] = (await instances(2)) as [RunningServer, RunningServer];
		const alice = await pool.registered(a.url, 'alice');
		const bob = await pool.registered(b.url, 'bob');
		await befriend(alice, bob);
		const toBob = record(bob, 'message');
		const redis = new Redis(REDIS_URL);
		try {
			const routes = await redis.keys(`${cluster.prefix}route:*`);
			expect(routes.length).toBeGreaterThan(0);
			// As after a Redis restart without persistence, or a reap while alive.
			await redis.del(...routes);
			await until(async () => (await redis.keys(`${cluster.prefix}route:i:${b.instanceId}`)).length === 1, 'the routes written again', 5000);
		} finally {
			redis.disconnect();
		}
		const message = await alice.send({ user: bob.name }, 'routed again');
		await until(() => toBob.length === 1, 'the message on b');
		expect(toBob[0]!.message.id).toBe(message.id);
	});

	it('a SIGKILLed instance\'s routes are dropped by the instance that reaps it', async () => {
		const [a, b] = await Promise.all([cluster.start('ka'), cluster.start('kb')]);
		const alice = await pool.registered(a.url, 'alice');
		const bob = await pool.registered(b.url, 'bob');
		await befriend(alice, bob);
		const redis = new Redis(REDIS_URL);
		try {
			const table = `${cluster.prefix}route:i:${b.id}`;
			const [bobId] = await redis.hkeys(table);
			expect(bobId).toBeDefined();
			expect(await redis.hkeys(`${cluster.prefix}route:u:${bobId}`)).toEqual([b.id]);
			await b.stop('SIGKILL');
			await until(async () => (await redis.exists(table)) === 0, 'the dead instance\'s routes dropped', cluster.offlineBoundMs + 3000);
			expect(await redis.exists(`${cluster.prefix}route:u:${bobId}`)).toBe(0);
		} finally {
			redis.disconnect();
			await a.stop('SIGTERM');
			cluster.instances.splice(0);
		}
	});

	/** Waits until the instance has published nothing for 300 ms. */
	const quiet = async (server: RunningServer) => {
		let last = -1;
		await until(async () => {
			const { published } = server.bus.stats();
			if (published === last) return true;
			last = published;
			await sleep(300);
			return false;
		}, 'a quiet bus', 10_000);
	};

	it('(e) Redis commands and bytes per delivered message depend on the instances holding recipients, not on N', async () => {
		type PerMessage = { commands: number; bytesOut: number; forwarded: number; bytesForwarded: number; received: number };
		const measure = async (n: number, across: boolean): Promise<PerMessage> => {
			const made = await instances(n);
			const home = made[0]!;
			const away = across ? made[1]! : home;
			// Names of one length, so payloads are the same size whatever N is.
			const alice = await pool.registered(home.url, 'a');
			const bob = await pool.registered(away.url, 'b');
			await befriend(alice, bob);
			const toBob = record(bob, 'message');
			// What registering and befriending publish must be over (on a loaded machine, later than 100 ms) before counting.
			await quiet(home);
			const before = home.bus.stats();
			const receivedBefore = made.reduce((sum, server) => sum + received(server), 0);
			const messages = 40;
			for (let i = 0; i < messages; i++) await alice.send({ user: bob.name }, `message ${String(i).padStart(3, '0')}`);
			await until(() => toBob.length === messages, 'the messages', 10_000);
			const after = home.bus.stats();
			const receivedAfter = made.reduce((sum, server) => sum + received(server), 0);
			await pool.closeAll();
			await Promise.all(servers.splice(0).map((server) => server.close()));
			const per = (key: keyof BusStats) => (after[key] - before[key]) / messages;
			return {
				// The routing check runs on a timer, once per presence check; not per message.
				commands: Math.round(per('commands')),
				bytesOut: per('bytesOut'),
				forwarded: per('forwarded'),
				bytesForwarded: per('bytesForwarded'),
				received: (receivedAfter - receivedBefore) / messages,
			};
		};
		const local: Array<PerMessage & { n: number }> = [];
		for (const n of [1, 2, 4]) local.push({ n, ...(await measure(n, false)) });
		for (const figures of local) {
			expect(figures).toMatchObject({ commands: 1, forwarded: 0, bytesForwarded: 0, received: 0 });
		}
		const across: Array<PerMessage & { n: number }> = [];
		for (const n of [2, 4]) across.push({ n, ...(await measure(n, true)) });
		for (const figures of across) {
			expect(figures).toMatchObject({ commands: 1, forwarded: 1, received: 1 });
			// Every message's payload went to the one other instance. Within 5 %: an event of the sender's own (a
			// presence or session notice) may fall in the window, sent from here and forwarded nowhere.
			expect(Math.abs(figures.bytesForwarded - figures.bytesOut)).toBeLessThanOrEqual(0.05 * figures.bytesOut);
		}
		// The payload (and so the bytes) per message is the same whatever N.
		const sizes = [...local, ...across].map((figures) => figures.bytesOut);
		expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(0.05 * Math.min(...sizes));
	});

	it('(f) a direct or group message costs its instance two PostgreSQL statements: the peer read and the append (idempotency, seq, row and queue in one)', async () => {
		const [a] = (await instances(1)) as [RunningServer];
		const alice = await pool.registered(a.url, 'stmt');
		const bob = await pool.registered(a.url, 'stmt');
		await befriend(alice, bob);
		const group = uniqueName('g');
		await alice.request('groups.create', { name: group });
		await alice.request('groups.invite', { name: group, username: bob.name });
		await bob.request('groups.join', { name: group });
		const statements: string[] = [];
		const query = pg.Client.prototype.query;
		const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: Parameters<typeof query>) {
			const config = args[0] as unknown as string | { text: string };
			statements.push(typeof config === 'string' ? config : config.text);
			return (query as (...rest: unknown[]) => unknown).apply(this, args) as ReturnType<typeof query>;
		});
		try {
			for (let i = 0; i < 5; i++) await alice.send({ user: bob.name }, `counted ${i}`);
			// A resend of a cid is answered from the same one statement.
			await alice.request('send', { to: { user: bob.name }, text: 'again', cid: 'stmt-cid' });
			await alice.request('send', { to: { user: bob.name }, text: 'again', cid: 'stmt-cid' });
			// A group message: the group, the writer's role and its audience in one read, then the append.
			for (let i = 0; i < 3; i++) await bob.send({ group }, `to the group ${i}`);
		} finally {
			spy.mockRestore();
		}
		expect(statements).toHaveLength(10 * 2);
		expect(statements.filter((text) => /^\s*(BEGIN|COMMIT)/i.test(text))).toEqual([]);
	});
});
