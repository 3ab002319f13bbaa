import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ChatClient, EventBuffer, ProtocolError, REVOKED_CLOSE_CODE } from '../source/client/index.js';
import { backoffDelay } from '../source/client/backoff.js';
import { PROTOCOL_VERSION, type Message } from '../source/protocol/index.js';
import { befriend, ClientPool, PASSWORD, record, sleep, uniqueName, until } from './helpers/clients.js';
import { FlakyProxy } from './helpers/flaky-proxy.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
const pool = new ClientPool();

beforeAll(async () => {
	server = await startTestServer({ motd: 'hello from the test server' });
});
afterEach(() => pool.closeAll());
afterAll(() => server.stop());

describe('ChatClient requests', () => {
	it('connects, gets the welcome, and returns typed results', async () => {
		const client = await pool.connect(server.url);
		expect(client.welcome).toMatchObject({ server: 'chat-tui', protocol: 1, motd: 'hello from the test server' });
		const name = uniqueName();
		const registered = await client.register(name, PASSWORD);
		expect(registered.user.username).toBe(name);
		expect(registered.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		const { friends, requests } = await client.request('friends.list', {});
		expect(friends).toEqual([]);
		expect(requests).toEqual([]);
	});

	it('throws a ProtocolError with the code for a refused request', async () => {
		const client = await pool.connect(server.url);
		const failure = await client.request('friends.list', {}).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(ProtocolError);
		expect(failure).toMatchObject({ code: 'UNAUTHENTICATED' });
		const taken = await pool.registered(server.url);
		await expect(client.register(taken.name.toUpperCase(), PASSWORD)).rejects.toMatchObject({ code: 'CONFLICT' });
	});

	it('fails a request made while disconnected with UNAVAILABLE', async () => {
		const client = new ChatClient({ url: server.url });
		await expect(client.request('friends.list', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
		await client.close();
	});

	it('reports an unreachable server as UNAVAILABLE', async () => {
		const client = new ChatClient({ url: 'ws://127.0.0.1:1', reconnect: false });
		await expect(client.connect()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
		await client.close();
	});
});

describe('delivery', () => {
	it('delivers 50 messages sent to an offline user after login, in order, once', async () => {
		const alice = await pool.registered(server.url, 'alice');
		const bob = await pool.registered(server.url, 'bob');
		await befriend(alice, bob);
		const token = bob.token!;
		await bob.close();

		const sent: Message[] = [];
		for (let i = 0; i < 50; i++) sent.push(await alice.send({ user: bob.name }, `offline ${i}`));

		const bobAgain = await pool.connect(server.url);
		const received = record(bobAgain, 'message');
		await bobAgain.login({ token });
		await until(() => received.length >= 50, '50 messages');
		await sleep(200);
		expect(received.map((event) => event.message.text)).toEqual(sent.map((message) => message.text));
		expect(received.map((event) => event.message.seq)).toEqual(sent.map((message) => message.seq));

		// Delivered means delivered: the next login replays nothing.
		const third = await pool.connect(server.url);
		const replayed = record(third, 'message');
		await third.login({ username: bob.name, password: PASSWORD });
		await sleep(200);
		expect(replayed).toEqual([]);
	});

	it('keeps, in an EventBuffer made before login, what the login set off for a listener that comes later', async () => {
		const alice = await pool.registered(server.url, 'alice');
		const bob = await pool.registered(server.url, 'bob');
		await befriend(alice, bob);
		const token = bob.token!;
		await bob.close();
		for (let i = 0; i < 5; i++) await alice.send({ user: bob.name }, `while away ${i}`);

		const bobAgain = await pool.connect(server.url);
		const early = new EventBuffer(bobAgain);
		await bobAgain.login({ token });
		await sleep(300); // the replay arrives after the reply, before anyone listens
		const later = record(bobAgain, 'message');
		const taken = early.take();
		expect(taken.map((event) => (event.type === 'message' ? event.message.text : event.type))).toEqual(
			Array.from({ length: 5 }, (_, i) => `while away ${i}`),
		);
		// Taken once; after that the buffer keeps nothing and the listener gets what comes.
		await alice.send({ user: bob.name }, 'now live');
		await until(() => later.length === 1, 'the live message');
		expect(early.take()).toEqual([]);
		expect(later[0]!.message.text).toBe('now live');
	});

	it('stores one message for the same cid sent twice', async () => {
		const alice = await pool.registered(server.url);
		const bob = await pool.registered(server.url);
		await befriend(alice, bob);
		const received = record(bob, 'message');
		const first = await alice.send({ user: bob.name }, 'once', 'fixed-cid-0001');
		const again = await alice.send({ user: bob.name }, 'once', 'fixed-cid-0001');
		expect(again.id).toBe(first.id);
		await sleep(200);
		expect(received).toHaveLength(1);
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((message) => message.id)).toEqual([first.id]);
	});

	it('keeps the sender’s other sessions in step', async () => {
		const alice = await pool.registered(server.url);
		const bob = await pool.registered(server.url);
		await befriend(alice, bob);
		const aliceLaptop = await pool.connect(server.url);
		await aliceLaptop.login({ token: alice.token! });
		const onLaptop = record(aliceLaptop, 'message');
		const onPhone = record(alice, 'message');
		const message = await alice.send({ user: bob.name }, 'from my phone');
		await until(() => onLaptop.length === 1, 'the copy on the other session', 2000);
		expect(onLaptop[0]!.message).toEqual(message);
		expect(onPhone).toEqual([]);
	});
});

describe('presence', () => {
	it('tells a friend once when the first session opens and once when the last closes', async () => {
		const alice = await pool.registered(server.url);
		const bob = await pool.registered(server.url);
		await befriend(alice, bob);
		const token = bob.token!;
		await bob.close();
		const presence = record(alice, 'presence');
		await sleep(100);
		presence.length = 0;

		const phone = await pool.connect(server.url);
		await phone.login({ token });
		const laptop = await pool.connect(server.url);
		await laptop.login({ token });
		await until(() => presence.length >= 1, 'online', 2000);
		await phone.close();
		await sleep(200);
		expect(presence).toEqual([{ username: bob.name, online: true }]);
		await laptop.close();
		await until(() => presence.length >= 2, 'offline', 2000);
		await sleep(200);
		expect(presence).toEqual([
			{ username: bob.name, online: true },
			{ username: bob.name, online: false },
		]);
	});
});

describe('reconnect and outbox', () => {
	it('computes growing, capped, jittered delays', () => {
		const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
		expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, options, () => 0))).toEqual([
			100, 200, 400, 800, 1000, 1000,
		]);
		expect(backoffDelay(2, options, () => 1)).toBe(200);
		expect(backoffDelay(2, options, () => 0.5)).toBe(300);
	});

	it('logs back in by token and resends unacknowledged messages after a restart, none twice', async () => {
		const own = await startTestServer();
		try {
			const alice = await pool.registered(own.url);
			const bob = await pool.registered(own.url);
			await befriend(alice, bob);
			const received = record(bob, 'message');
			const aliceLogins = record(alice, 'login');
			const states = record(alice, 'state');

			const before = await alice.send({ user: bob.name }, 'before the restart');
			const restarting = own.restart();
			// Made while the server is away: they wait in the outbox.
			const during = [0, 1, 2, 3, 4].map((i) => alice.send({ user: bob.name }, `during ${i}`));
			await restarting;
			const sentDuring = await Promise.all(during);
			expect(alice.unacknowledged()).toEqual([]);
			expect(states.some((change) => change.state === 'reconnecting' && typeof change.retryAt === 'number')).toBe(true);
			expect(aliceLogins.length).toBeGreaterThanOrEqual(1);

			await until(() => bob.state === 'open' && bob.user !== undefined && aliceLogins.length > 0, 'bob back');
			const { messages } = await bob.request('history', { with: { user: alice.name } });
			expect(messages.map((message) => message.text)).toEqual([
				'before the restart',
				'during 0',
				'during 1',
				'during 2',
				'during 3',
				'during 4',
			]);
			expect(sentDuring.map((message) => message.seq)).toEqual([2, 3, 4, 5, 6]);
			expect(received[0]!.message.id).toBe(before.id);
			const ids = received.map((event) => event.message.id);
			expect(new Set(ids).size).toBe(ids.length);
		} finally {
			await own.stop();
		}
	});

	it('tells the user when the saved token no longer works after a reconnect', async () => {
		const own = await startTestServer();
		try {
			const alice = await pool.registered(own.url);
			// Another session logs out with the same token, revoking it.
			const other = await pool.connect(own.url);
			await other.login({ token: alice.token! });
			await other.logout();
			const lost = alice.once('auth-lost');
			await own.restart();
			const error = await lost;
			expect(error.code).toBe('UNAUTHENTICATED');
			expect(alice.user).toBeUndefined();
		} finally {
			await own.stop();
		}
	});

	it('tries the token login again when the server says RATE_LIMITED after a reconnect', async () => {
		// One free failure per address, then a short wait: the reconnecting client meets the block.
		const own = await startTestServer({ loginFreeFailuresPerAddress: 1, loginBaseDelayMs: 400 });
		const proxy = await FlakyProxy.start(own.url);
		try {
			const alice = await pool.connect(proxy.url);
			await alice.register(uniqueName(), PASSWORD);
			const attacker = await pool.connect(own.url);
			await expect(attacker.login({ username: 'nobody', password: 'wrong' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
			const logins = record(alice, 'login');
			proxy.cutAll();
			await until(() => logins.length > 0, 'the login after the block');
			expect(alice.user?.username).toBeDefined();
		} finally {
			await proxy.close();
			await own.stop();
		}
	});

	it('treats its own message arriving as an event before the reply as the reply, showing it once', async () => {
		// A scripted peer plays the race a reconnect can cause: the copy sent before the drop was
		// stored and reaches this session as an event just before the resend's reply.
		const { WebSocketServer } = await import('ws');
		const peer = new WebSocketServer({ port: 0, host: '127.0.0.1' });
		await new Promise((resolve) => peer.once('listening', resolve));
		const message = {
			id: '7', seq: 1, from: 'alice', to: { user: 'bob' }, text: 'once', ts: new Date().toISOString(), cid: 'race-cid-01',
		};
		peer.on('connection', (socket) => {
			socket.send(JSON.stringify({ type: 'welcome', server: 'chat-tui', protocol: 1, version: '0.0.0', motd: '' }));
			socket.on('message', (data) => {
				const request = JSON.parse(data.toString()) as { type: string; id: string };
				if (request.type === 'login') {
					socket.send(JSON.stringify({ type: 'ok', re: request.id, user: { username: 'alice' }, token: 't'.repeat(43), friends: [], groups: [], requests: [] }));
				} else if (request.type === 'send') {
					socket.send(JSON.stringify({ type: 'message', message }));
					setTimeout(() => socket.send(JSON.stringify({ type: 'ok', re: request.id, message })), 50);
				}
			});
		});
		try {
			const { port } = peer.address() as { port: number };
			const client = await pool.connect(`ws://127.0.0.1:${port}`);
			await client.login({ username: 'alice', password: PASSWORD });
			const events = record(client, 'message');
			const sent = await client.send({ user: 'bob' }, 'once', 'race-cid-01');
			expect(sent.id).toBe('7');
			await sleep(100);
			expect(events).toEqual([]);
			expect(client.unacknowledged()).toEqual([]);
		} finally {
			await pool.closeAll();
			await new Promise((resolve) => peer.close(resolve));
		}
	});

	it('fails a send the server refuses instead of retrying it', async () => {
		const alice = await pool.registered(server.url);
		const stranger = await pool.registered(server.url);
		await expect(alice.send({ user: stranger.name }, 'hi')).rejects.toMatchObject({ code: 'FORBIDDEN' });
		expect(alice.unacknowledged()).toEqual([]);
	});
});

describe('durability', () => {
	it('keeps users, friends, groups and history across a restart', async () => {
		const own = await startTestServer();
		try {
			const alice = await pool.registered(own.url);
			const bob = await pool.registered(own.url);
			await befriend(alice, bob);
			await alice.request('friends.alias', { username: bob.name, alias: 'Bobby' });
			const group = uniqueName('g');
			await alice.request('groups.create', { visibility: 'public', name: group, description: 'the team' });
			await bob.request('groups.join', { name: group });
			await alice.send({ user: bob.name }, 'direct');
			await bob.send({ group }, 'to the group');
			await alice.close();
			await bob.close();

			await own.restart();

			const again = await pool.connect(own.url);
			const login = await again.login({ username: alice.name, password: PASSWORD });
			expect(login.friends).toEqual([{ username: bob.name, alias: 'Bobby', online: false }]);
			expect(login.groups).toEqual([
				{ name: group, description: 'the team', creator: alice.name, role: 'creator', visibility: 'public', members: 2 },
			]);
			const direct = await again.request('history', { with: { user: bob.name } });
			expect(direct.messages.map((message) => [message.from, message.text])).toEqual([[alice.name, 'direct']]);
			const inGroup = await again.request('history', { with: { group } });
			expect(inGroup.messages.map((message) => [message.from, message.text, message.seq])).toEqual([
				[bob.name, 'to the group', 1],
			]);
			const members = await again.request('groups.members', { name: group });
			expect(members.members.map((member) => [member.username, member.role])).toEqual([
				[alice.name, 'creator'],
				[bob.name, 'normal'],
			]);
		} finally {
			await own.stop();
		}
	});
});

// accounts
describe('revoked sessions', () => {
	/** Two logins of one new user, each with a device label. */
	async function twoDevices() {
		const setup = await pool.registered(server.url, 'dev');
		await setup.close();
		const laptop = await pool.connect(server.url, { device: 'test laptop' });
		await laptop.login({ username: setup.name, password: PASSWORD });
		const phone = await pool.connect(server.url, { device: 'test phone' });
		await phone.login({ username: setup.name, password: PASSWORD });
		return { laptop, phone };
	}

	it('labels each session with its device, and a revoked one neither reconnects nor logs back in, but says so once', async () => {
		const { laptop, phone } = await twoDevices();
		const { sessions } = await laptop.request('sessions.list', {});
		expect(sessions.filter((session) => session.online).map((session) => [session.device, session.current]).sort()).toEqual([
			['test laptop', true],
			['test phone', false],
		]);
		const token = phone.token!;
		const revoked = record(phone, 'revoked');
		const states = record(phone, 'state');
		await laptop.request('sessions.revoke', { session: sessions.find((session) => session.device === 'test phone')!.id });
		await until(() => revoked.length === 1 && phone.state === 'idle', 'the phone revoked');
		// Backoff starts at 50 ms here: a reconnect would have begun well within this.
		await sleep(400);
		expect(revoked).toHaveLength(1);
		expect(revoked[0]).toMatchObject({ code: 'UNAUTHENTICATED', message: 'this session was logged out from another device' });
		expect(states.map((change) => change.state)).not.toContain('reconnecting');
		expect(phone.token).toBeUndefined();
		await expect(phone.request('friends.list', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
		const again = await pool.connect(server.url);
		await expect(again.login({ token })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
		// The laptop is untouched.
		await expect(laptop.request('friends.list', {})).resolves.toBeDefined();
	});

	it('ends the other sessions when the password changes: closed with 4001, no reconnect', async () => {
		const { laptop, phone } = await twoDevices();
		const revoked = record(laptop, 'revoked');
		const states = record(laptop, 'state');
		await phone.request('account.password', { current: PASSWORD, password: `${PASSWORD}!` });
		await until(() => revoked.length === 1 && laptop.state === 'idle', 'the laptop revoked');
		await sleep(400);
		expect(revoked).toHaveLength(1);
		expect(states.map((change) => change.state)).not.toContain('reconnecting');
		expect(states.at(-1)?.reason).toContain(String(REVOKED_CLOSE_CODE));
		await expect(phone.request('friends.list', {})).resolves.toBeDefined();
	});

	it('takes a close with 4001 alone, without the event, as the end of the session too, and fails unsent messages', async () => {
		const fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
		await once(fake, 'listening');
		let connections = 0;
		fake.on('connection', (socket) => {
			connections += 1;
			socket.send(JSON.stringify({ type: 'welcome', server: 'chat-tui', protocol: PROTOCOL_VERSION, version: 'test', motd: '' }));
			setTimeout(() => socket.close(REVOKED_CLOSE_CODE, 'session revoked'), 50);
		});
		try {
			const client = await pool.connect(`ws://127.0.0.1:${(fake.address() as AddressInfo).port}`);
			const revoked = record(client, 'revoked');
			const states = record(client, 'state');
			const unsent = client.send({ user: 'bob' }, 'never goes').catch((error: unknown) => error);
			await until(() => revoked.length === 1 && client.state === 'idle', 'the close');
			await sleep(400);
			expect(connections).toBe(1);
			expect(states.map((change) => change.state)).not.toContain('reconnecting');
			expect(await unsent).toMatchObject({ code: 'UNAUTHENTICATED' });
		} finally {
			fake.close();
		}
	});
});
