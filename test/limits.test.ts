import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../server/settings.js';
import type { ServerOptions } from '../server/server.js';
import { befriend, ClientPool, PASSWORD, record, sleep, uniqueName, until } from './helpers/clients.js';
import { RawClient } from './helpers/raw-client.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { selfSignedCertificate } from './helpers/tls.js';

const servers: TestServer[] = [];
const raws: RawClient[] = [];
const pool = new ClientPool();

/** A server with the real, default limits, except those the test names. */
async function serverWith(settings: ServerOptions = {}): Promise<TestServer> {
	const server = await startTestServer({ ...DEFAULT_SETTINGS, ...settings });
	servers.push(server);
	return server;
}

async function raw(url: string): Promise<RawClient> {
	const client = await RawClient.connect(url);
	raws.push(client);
	return client;
}

async function rawUser(url: string): Promise<{ client: RawClient; name: string }> {
	const client = await raw(url);
	const name = uniqueName('r');
	await client.ok('register', { username: name, password: PASSWORD });
	return { client, name };
}

afterEach(async () => {
	for (const client of raws.splice(0)) client.socket.terminate();
	await pool.closeAll();
});
afterAll(async () => {
	await Promise.all(servers.map((server) => server.stop()));
});

describe('rate limit', () => {
	it('answers past the burst with RATE_LIMITED, and closes a peer that keeps going with 1008', async () => {
		const server = await serverWith();
		const { client } = await rawUser(server.url);
		const replies = await Promise.all(Array.from({ length: 60 }, () => client.request('friends.list')));
		const ok = replies.filter((reply) => reply.type === 'ok').length;
		const limited = replies.filter((reply) => reply.code === 'RATE_LIMITED');
		// 40 in the burst (the register used one), plus what refilled at 20/s meanwhile.
		expect(ok).toBeGreaterThanOrEqual(38);
		expect(ok).toBeLessThan(50);
		expect(limited.length).toBe(60 - ok);
		expect(limited.every((reply) => typeof reply.re === 'string')).toBe(true);
		expect(client.closed).toBeUndefined();

		// Waiting refills the bucket: a well-behaved client carries on.
		await sleep(300);
		expect((await client.request('friends.list')).type).toBe('ok');

		for (let i = 0; i < 200 && !client.closed; i++) client.sendRaw(JSON.stringify({ type: 'friends.list', id: `f${i}` }));
		expect(await client.waitClosed()).toMatchObject({ code: 1008 });
	});

	it('does not let one flooding peer slow down two others', async () => {
		const server = await serverWith();
		const flooder = await rawUser(server.url);
		const alice = await pool.registered(server.url);
		const bob = await pool.registered(server.url);
		await befriend(alice, bob);
		const received = record(bob, 'message');
		for (let i = 0; i < 500 && !flooder.client.closed; i++) flooder.client.sendRaw('{"type":"friends.list","id":"x"}');
		for (let i = 0; i < 10; i++) await alice.send({ user: bob.name }, `still here ${i}`);
		await until(() => received.length === 10, 'ten messages');
		expect(await flooder.client.waitClosed()).toMatchObject({ code: 1008 });
	});
});

describe('login throttling', () => {
	it('delays a name after repeated failures, the same way whether or not it exists', async () => {
		const server = await serverWith({ loginFreeFailures: 3, loginBaseDelayMs: 1500 });
		const { name } = await rawUser(server.url);
		const attacker = await raw(server.url);
		const codesFor = async (username: string) => {
			const codes: string[] = [];
			for (let i = 0; i < 5; i++) {
				codes.push(String((await attacker.request('login', { username, password: 'wrong password' })).code));
			}
			return codes;
		};
		const existing = await codesFor(name);
		const blockedAt = Date.now();
		expect(existing).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);

		// Even the right password waits its turn.
		const owner = await raw(server.url);
		const blocked = await owner.request('login', { username: name, password: PASSWORD });
		expect(blocked.code).toBe('RATE_LIMITED');
		expect(String(blocked.message)).toMatch(/try again in \d+ s/);

		const missing = await codesFor(uniqueName('ghost'));
		expect(missing).toEqual(existing);

		await sleep(Math.max(0, blockedAt + 1600 - Date.now()));
		expect((await owner.request('login', { username: name, password: PASSWORD })).type).toBe('ok');
	});

	it('delays an address that tries many names', async () => {
		const server = await serverWith({ loginFreeFailuresPerAddress: 4, loginBaseDelayMs: 10_000 });
		const attacker = await raw(server.url);
		const codes: string[] = [];
		for (let i = 0; i < 6; i++) {
			codes.push(String((await attacker.request('login', { username: uniqueName('n'), password: 'x' })).code));
		}
		expect(codes.slice(0, 4)).toEqual(Array(4).fill('UNAUTHENTICATED'));
		expect(codes.slice(4)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
	});
});

describe('slow readers and connection caps', () => {
	it('closes a peer that stops reading with 1013 while others chat on', async () => {
		const server = await serverWith({ maxBufferedBytes: 256 * 1024, rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 });
		const alice = await pool.registered(server.url);
		const sleeper = await rawUser(server.url);
		await alice.request('friends.request', { username: sleeper.name });
		await sleeper.client.ok('friends.accept', { username: alice.name });
		const bob = await pool.registered(server.url);
		await befriend(alice, bob);

		// The sleeper's socket stops reading: what the server sends it piles up, first in the
		// kernel's buffers (a few MiB on loopback), then in the server's memory, until the limit.
		(sleeper.client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
		const big = '😀'.repeat(4000); // 16 KB of UTF-8 in a frame
		const sends: Array<Promise<unknown>> = [];
		for (let i = 0; i < 600 && !sleeper.client.closed; i++) sends.push(alice.send({ user: sleeper.name }, big));
		await Promise.all(sends);
		(sleeper.client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
		expect(await sleeper.client.waitClosed()).toMatchObject({ code: 1013 });

		const received = record(bob, 'message');
		await alice.send({ user: bob.name }, 'unaffected');
		await until(() => received.length === 1, 'the message to bob', 3000);
	});

	it('refuses connections past the per-address cap with 1013 and a reason', async () => {
		const server = await serverWith({ maxConnectionsPerAddress: 3 });
		await raw(server.url);
		await raw(server.url);
		const third = await raw(server.url);
		const { default: WebSocket } = await import('ws');
		const refused = new WebSocket(server.url);
		const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
			refused.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
		);
		expect(closed).toEqual({ code: 1013, reason: 'too many connections from your address' });
		// A place frees up when one closes.
		third.close();
		await third.waitClosed();
		await sleep(50);
		const again = await raw(server.url);
		expect(again.welcome.type).toBe('welcome');
	});

	it('refuses connections past the total cap', async () => {
		const server = await serverWith({ maxConnections: 2 });
		await raw(server.url);
		await raw(server.url);
		const { default: WebSocket } = await import('ws');
		const refused = new WebSocket(server.url);
		const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
			refused.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
		);
		expect(closed).toEqual({ code: 1013, reason: 'the server is full; try again later' });
	});
});

describe('heartbeats', () => {
	it('cuts off a peer that stops answering pings, and its friends see it go offline', async () => {
		const server = await serverWith({ heartbeatIntervalMs: 150 });
		const alice = await pool.registered(server.url);
		const ghost = await rawUser(server.url);
		await alice.request('friends.request', { username: ghost.name });
		await ghost.client.ok('friends.accept', { username: alice.name });
		const presence = record(alice, 'presence');
		// A pulled cable: nothing arrives and nothing is answered.
		(ghost.client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
		const started = Date.now();
		await until(() => presence.some((event) => event.username === ghost.name && !event.online), 'offline', 3000);
		expect(Date.now() - started).toBeLessThan(1000);
	});

	it('keeps a peer that answers', async () => {
		const server = await serverWith({ heartbeatIntervalMs: 100 });
		const client = await raw(server.url);
		await sleep(500);
		expect(client.closed).toBeUndefined();
	});
});

describe('authorization', () => {
	it('stores a message as from the logged-in user whatever the frame says', async () => {
		const server = await serverWith();
		const alice = await rawUser(server.url);
		const bob = await rawUser(server.url);
		await alice.client.ok('friends.request', { username: bob.name });
		await bob.client.ok('friends.accept', { username: alice.name });
		const reply = await alice.client.ok('send', {
			to: { user: bob.name },
			text: 'who am I',
			cid: 'spoof-cid-1',
			from: bob.name,
			id_override: 'x',
		});
		expect((reply.message as { from: string }).from).toBe(alice.name);
		const history = await bob.client.ok('history', { with: { user: alice.name } });
		expect((history.messages as Array<{ from: string }>).map((message) => message.from)).toEqual([alice.name]);
	});

	it('shows a user only their own direct conversations', async () => {
		const server = await serverWith();
		const alice = await pool.registered(server.url);
		const bob = await pool.registered(server.url);
		const carol = await pool.registered(server.url);
		await befriend(alice, bob);
		await alice.send({ user: bob.name }, 'between alice and bob');
		const { messages } = await carol.request('history', { with: { user: alice.name } });
		expect(messages).toEqual([]);
	});

	it('lets tokens expire', async () => {
		const server = await serverWith({ tokenTtlDays: 1 / 86_400 }); // one second
		const alice = await pool.registered(server.url);
		const token = alice.token!;
		const again = await raw(server.url);
		await sleep(1100);
		expect((await again.request('login', { token })).code).toBe('UNAUTHENTICATED');
	});
});

describe('wss://', () => {
	it('serves TLS with --tls-cert/--tls-key and chats over it', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-tls-'));
		try {
			const { cert, key } = selfSignedCertificate(dir);
			const server = await serverWith({ tls: { cert, key } });
			expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
			const socketOptions = { ca: cert };
			const alice = await pool.connect(server.url, { socketOptions });
			await alice.register(uniqueName(), PASSWORD);
			const bob = await pool.connect(server.url, { socketOptions });
			const bobName = uniqueName();
			await bob.register(bobName, PASSWORD);
			await alice.request('friends.request', { username: bobName });
			await bob.request('friends.accept', { username: alice.user!.username });
			const received = record(bob, 'message');
			await alice.send({ user: bobName }, 'over TLS');
			await until(() => received.length === 1, 'the message', 3000);
			expect(received[0]!.message.text).toBe('over TLS');

			// A client that does not trust the certificate cannot connect.
			const { ChatClient } = await import('../source/client/index.js');
			const untrusting = new ChatClient({ url: server.url, reconnect: false });
			await expect(untrusting.connect()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
			await untrusting.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
