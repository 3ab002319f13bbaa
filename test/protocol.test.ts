/**
 * The wire contract of PROTOCOL.md as an outside client sees it: raw JSON text
 * frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SEARCH_CHARS, OPS, type Op } from '../source/protocol/index.js';
import type { ServerOptions } from '../server/server.js';
import { RawClient, type Frame } from './helpers/raw-client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// ---------------------------------------------------------------------------
// helpers

interface WireMessage {
	id: string;
	seq: number;
	from: string;
	to: { user: string } | { group: string };
	text: string;
	ts: string;
	cid: string;
}

interface WireFriend {
	username: string;
	alias: string | null;
	online: boolean;
}

interface WireRequest {
	from: string;
	to: string;
	ts: string;
}

interface WireGroup {
	name: string;
	description: string;
	creator?: string;
	role?: string;
}

interface WireMember {
	username: string;
	role: string;
	online: boolean;
}

const PASSWORD = 'correct horse battery staple';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

let nameCounter = 0;
/** A name (user or group) that no other test in this process uses; at most 32 characters. */
function uniqueName(prefix = 'p'): string {
	nameCounter += 1;
	return `${prefix}${process.pid % 10000}_${nameCounter}`;
}

let cidCounter = 0;
function uniqueCid(): string {
	cidCounter += 1;
	return `cid-${process.pid}-${cidCounter}`.padEnd(8, '0');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(20);
	}
}

/** Every RawClient a test opens; closed after each test. */
const openClients: RawClient[] = [];

afterEach(async () => {
	const clients = openClients.splice(0);
	for (const client of clients) client.close();
	await Promise.all(clients.map((client) => client.waitClosed()));
});

/** One server per describe block. */
function useServer(options: ServerOptions = {}): { readonly url: string } {
	let server: TestServer | undefined;
	beforeAll(async () => {
		server = await startTestServer(options);
	});
	afterAll(async () => {
		await server?.stop();
	});
	return {
		get url() {
			if (!server) throw new Error('the server is not running');
			return server.url;
		},
	};
}

interface User {
	client: RawClient;
	name: string;
	token: string;
}

function makeHelpers(server: { readonly url: string }) {
	async function connect(): Promise<RawClient> {
		const client = await RawClient.connect(server.url);
		openClients.push(client);
		return client;
	}

	/** A new connection logged in as a freshly registered user. */
	async function user(prefix?: string): Promise<User> {
		const client = await connect();
		const name = uniqueName(prefix);
		const reply = await client.ok('register', { username: name, password: PASSWORD });
		return { client, name, token: reply.token as string };
	}

	/** Another session of an existing user, logged in by token. */
	async function session(of: User): Promise<RawClient> {
		const client = await connect();
		await client.ok('login', { token: of.token });
		return client;
	}

	async function befriend(a: User, b: User): Promise<void> {
		await a.client.ok('friends.request', { username: b.name });
		await b.client.ok('friends.accept', { username: a.name });
	}

	return { connect, user, session, befriend };
}

function expectError(reply: Frame, code: string, re?: string): void {
	expect(reply.type, `expected ${code}, got ${JSON.stringify(reply)}`).toBe('error');
	expect(reply.code).toBe(code);
	expect(typeof reply.message).toBe('string');
	expect((reply.message as string).length).toBeGreaterThan(0);
	if (re !== undefined) expect(reply.re).toBe(re);
}

/** Sends a raw frame and resolves with the first frame that arrives after it. */
async function sendAndNext(client: RawClient, data: string | Buffer, options: { binary?: boolean } = {}): Promise<Frame> {
	const seen = client.frames.length;
	const next = client.waitFor((frame) => client.frames.indexOf(frame) >= seen);
	client.sendRaw(data, options);
	return next;
}

/** Sends a raw request object with a chosen id and resolves with the reply to that id. */
async function rawRequest(client: RawClient, frame: Record<string, unknown> & { id: string }): Promise<Frame> {
	const reply = client.waitFor((candidate) => candidate.re === frame.id);
	client.sendRaw(JSON.stringify(frame));
	return reply;
}

function messagesOf(client: RawClient): WireMessage[] {
	return client.events('message').map((event) => event.message as WireMessage);
}

// ---------------------------------------------------------------------------

describe('welcome', () => {
	const server = useServer({ motd: 'protocol suite says hi' });
	const { connect } = makeHelpers(server);

	it('is the first frame: server chat-tui, protocol 1, a semver version and the motd', async () => {
		const client = await connect();
		expect(client.frames[0]).toBe(client.welcome);
		expect(client.welcome).toMatchObject({
			type: 'welcome',
			server: 'chat-tui',
			protocol: 1,
			version: expect.stringMatching(SEMVER),
			motd: 'protocol suite says hi',
		});
		expect('re' in client.welcome).toBe(false);
	});
});

describe('BAD_REQUEST', () => {
	const server = useServer();
	const { connect, user, befriend } = makeHelpers(server);

	it('answers invalid JSON, a binary frame, a JSON array and a number without re', async () => {
		const client = await connect();
		for (const text of ['{"type":"login",', 'not json at all', '[1,2,3]', '[{"type":"friends.list","id":"a1"}]', '42', 'null', '"text"']) {
			const reply = await sendAndNext(client, text);
			expectError(reply, 'BAD_REQUEST');
			expect('re' in reply, text).toBe(false);
		}
		const binary = await sendAndNext(client, Buffer.from(JSON.stringify({ type: 'friends.list', id: 'bin1' })), {
			binary: true,
		});
		expectError(binary, 'BAD_REQUEST');
		expect(binary.re).toBeUndefined();
		// The connection is still open and usable.
		const name = uniqueName();
		const registered = await client.request('register', { username: name, password: PASSWORD });
		expect(registered.type).toBe('ok');
		expect(client.closed).toBeUndefined();
	});

	it('answers an unknown type with re equal to the id, and a missing or unusable id without re', async () => {
		const client = await connect();
		expectError(await rawRequest(client, { type: 'no.such.op', id: 'unknown-1' }), 'BAD_REQUEST', 'unknown-1');
		expectError(await rawRequest(client, { id: 'no-type-1' }), 'BAD_REQUEST', 'no-type-1');
		expectError(await rawRequest(client, { type: 42, id: 'num-type-1' }), 'BAD_REQUEST', 'num-type-1');

		for (const frame of [
			{ type: 'friends.list' },
			{ type: 'register', username: uniqueName(), password: PASSWORD },
			{ type: 'friends.list', id: 17 },
			{ type: 'friends.list', id: '' },
			{ type: 'friends.list', id: null },
		]) {
			const reply = await sendAndNext(client, JSON.stringify(frame));
			expectError(reply, 'BAD_REQUEST');
			expect('re' in reply, JSON.stringify(frame)).toBe(false);
		}
		// A register without an id must not have logged the connection in.
		expectError(await client.request('friends.list'), 'UNAUTHENTICATED');
		expect(client.closed).toBeUndefined();
	});

	it('answers missing or wrongly typed fields with re equal to the id', async () => {
		const client = await connect();
		const cases: Array<Record<string, unknown>> = [
			{ type: 'register', username: uniqueName() },
			{ type: 'register', password: PASSWORD },
			{ type: 'register', username: 42, password: PASSWORD },
			{ type: 'register', username: uniqueName(), password: 42 },
			{ type: 'register', username: uniqueName(), password: '' },
			{ type: 'login', username: uniqueName() },
			{ type: 'login' },
			{ type: 'login', token: 12345 },
		];
		for (const [index, fields] of cases.entries()) {
			const id = `fields-${index}`;
			expectError(await rawRequest(client, { ...fields, id }), 'BAD_REQUEST', id);
		}

		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const loggedIn: Array<Record<string, unknown>> = [
			{ type: 'users.find' },
			{ type: 'users.find', query: 5 },
			{ type: 'friends.request' },
			{ type: 'friends.request', username: ['x'] },
			{ type: 'friends.alias', username: bob.name },
			{ type: 'groups.create' },
			{ type: 'groups.create', name: uniqueName('g'), description: 7 },
			{ type: 'send', to: bob.name, text: 'hi', cid: uniqueCid() },
			{ type: 'send', to: { user: bob.name, group: 'both' }, text: 'hi', cid: uniqueCid() },
			{ type: 'send', to: { user: bob.name }, cid: uniqueCid() },
			{ type: 'send', to: { user: bob.name }, text: 'hi' },
			{ type: 'send', to: { user: bob.name }, text: 5, cid: uniqueCid() },
			{ type: 'history' },
			{ type: 'history', with: { user: bob.name }, limit: 'ten' },
			{ type: 'history', with: { user: bob.name }, limit: 0 },
			{ type: 'history', with: { user: bob.name }, limit: 1.5 },
			{ type: 'history', with: { user: bob.name }, before: -1 },
		];
		for (const [index, fields] of loggedIn.entries()) {
			const id = `li-${index}`;
			const reply = await rawRequest(alice.client, { ...fields, id });
			expect(reply.code, JSON.stringify(fields)).toBe('BAD_REQUEST');
			expectError(reply, 'BAD_REQUEST', id);
		}
		// Nothing above was sent.
		expect(messagesOf(bob.client)).toEqual([]);
		await alice.client.ok('friends.list');
		expect(alice.client.closed).toBeUndefined();
	});

	it('rejects invalid usernames: spaces, 33 characters, empty, other characters', async () => {
		const client = await connect();
		const base = uniqueName();
		const thirtyThree = `${base}${'x'.repeat(33 - base.length)}`;
		expect(thirtyThree).toHaveLength(33);
		for (const username of ['has space', ' leading', thirtyThree, '', 'ümlaut', 'a/b', 'semi;colon']) {
			const reply = await client.request('register', { username, password: PASSWORD });
			expectError(reply, 'BAD_REQUEST');
		}
		// 32 characters of the allowed set is fine, and the connection is still usable.
		const thirtyTwo = `${base}.-_${'y'.repeat(29 - base.length)}`;
		expect(thirtyTwo).toHaveLength(32);
		const ok = await client.request('register', { username: thirtyTwo, password: PASSWORD });
		expect(ok).toMatchObject({ type: 'ok', user: { username: thirtyTwo } });
		// Group names follow the same rule.
		expectError(await client.request('groups.create', { name: 'two words' }), 'BAD_REQUEST');
		expectError(await client.request('groups.create', { name: 'g'.repeat(33) }), 'BAD_REQUEST');
	});

	it('rejects a cid shorter than 8 or longer than 64, and empty or whitespace-only text', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const to = { user: bob.name };
		for (const cid of ['', '1234567', 'c'.repeat(65)]) {
			expectError(await alice.client.request('send', { to, text: 'hello', cid }), 'BAD_REQUEST');
		}
		for (const text of ['', ' ', '   \n\t  ']) {
			expectError(await alice.client.request('send', { to, text, cid: uniqueCid() }), 'BAD_REQUEST');
		}
		// Nothing was stored or delivered, and the connection still works.
		const history = await alice.client.ok('history', { with: to });
		expect(history.messages).toEqual([]);
		const sent = await alice.client.ok('send', { to, text: 'now it works', cid: '12345678' });
		expect((sent.message as WireMessage).seq).toBe(1);
		await bob.client.event('message');
		expect(messagesOf(bob.client).map((message) => message.text)).toEqual(['now it works']);
		expect(alice.client.closed).toBeUndefined();
	});
});

describe('authentication', () => {
	const server = useServer();
	const { connect, user } = makeHelpers(server);

	/** Valid fields for every op, so that only the missing login can be wrong. */
	const VALID_FIELDS: Record<Op, Record<string, unknown>> = {
		register: { username: 'someone', password: PASSWORD },
		login: { username: 'someone', password: PASSWORD },
		logout: {},
		'users.find': { query: 'some' },
		'friends.request': { username: 'someone' },
		'friends.accept': { username: 'someone' },
		'friends.decline': { username: 'someone' },
		'friends.remove': { username: 'someone' },
		'friends.alias': { username: 'someone', alias: 'S' },
		'friends.list': {},
		'groups.create': { name: 'somegroup', description: 'd' },
		'groups.join': { name: 'somegroup' },
		'groups.leave': { name: 'somegroup' },
		'groups.delete': { name: 'somegroup' },
		'groups.members': { name: 'somegroup' },
		'groups.list': {},
		send: { to: { user: 'someone' }, text: 'hi', cid: 'cid-00000001' },
		history: { with: { user: 'someone' } },
		search: { query: 'hello' },
		read: { with: { user: 'someone' }, seq: 1 },
		unread: {},
		typing: { to: { user: 'someone' } },
		'files.upload': { to: { user: 'someone' }, name: 'a.txt', size: 1, mime: 'text/plain', sha256: 'a'.repeat(64) },
		'account.password': { current: PASSWORD, password: `${PASSWORD}!` },
		'account.delete': { password: PASSWORD },
		'sessions.list': {},
		'sessions.revoke': { all: true },
		'ignore.add': { username: 'someone' },
		'ignore.remove': { username: 'someone' },
		'ignore.list': {},
	};

	it('answers every op but register and login with UNAUTHENTICATED before login', async () => {
		const client = await connect();
		const guarded = OPS.filter((op) => op !== 'register' && op !== 'login');
		expect(guarded.length).toBe(OPS.length - 2);
		expect(guarded.length).toBeGreaterThanOrEqual(16);
		for (const op of guarded) {
			const reply = await client.request(op, VALID_FIELDS[op]);
			expect(reply.code, op).toBe('UNAUTHENTICATED');
			expectError(reply, 'UNAUTHENTICATED');
		}
		// Nothing was created on the way: a logged-in user cannot find the group.
		const alice = await user();
		expectError(await alice.client.request('groups.join', { name: 'somegroup' }), 'NOT_FOUND');
	});

	it('answers a guarded op with UNAUTHENTICATED before login even when its fields are wrong', async () => {
		const client = await connect();
		expectError(await client.request('send', {}), 'UNAUTHENTICATED');
		expectError(await client.request('history', { with: 'nobody' }), 'UNAUTHENTICATED');
		// register and login are open, so their fields are checked.
		expectError(await client.request('login', {}), 'BAD_REQUEST');
	});

	it('gives the same UNAUTHENTICATED reply for a wrong password and for an unknown user', async () => {
		const alice = await user();
		const client = await connect();
		const wrong = await client.request('login', { username: alice.name, password: 'not the password' });
		const unknown = await client.request('login', { username: uniqueName('nobody'), password: PASSWORD });
		expectError(wrong, 'UNAUTHENTICATED');
		expectError(unknown, 'UNAUTHENTICATED');
		expect(wrong.message).toBe(unknown.message);
		expect(wrong.token).toBeUndefined();
		// Still logged out.
		expectError(await client.request('friends.list'), 'UNAUTHENTICATED');
	});

	it('answers a bad token with UNAUTHENTICATED', async () => {
		const client = await connect();
		for (const token of ['not-a-real-token', 'A'.repeat(43)]) {
			expectError(await client.request('login', { token }), 'UNAUTHENTICATED');
		}
		expectError(await client.request('friends.list'), 'UNAUTHENTICATED');
	});

	it('register returns the user and a token and logs the connection in', async () => {
		const client = await connect();
		const name = uniqueName('Reg');
		const reply = await client.request('register', { username: name, password: PASSWORD });
		expect(reply).toMatchObject({ type: 'ok', user: { username: name } });
		expect(typeof reply.token).toBe('string');
		expect((reply.token as string).length).toBeGreaterThan(0);
		const list = await client.request('friends.list');
		expect(list).toMatchObject({ type: 'ok', friends: [], requests: [] });
	});

	it('refuses a taken username with CONFLICT, also in different case', async () => {
		const alice = await user('Case');
		for (const username of [alice.name, alice.name.toUpperCase(), alice.name.toLowerCase()]) {
			const client = await connect();
			expectError(await client.request('register', { username, password: 'another password' }), 'CONFLICT');
			expectError(await client.request('friends.list'), 'UNAUTHENTICATED');
		}
		// The original password still works.
		const client = await connect();
		await client.ok('login', { username: alice.name, password: PASSWORD });
	});

	it('logs in by password and by token with user, token, friends, groups and requests', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await alice.client.ok('friends.request', { username: bob.name });
		await bob.client.ok('friends.accept', { username: alice.name });
		await carol.client.ok('friends.request', { username: alice.name });
		const group = uniqueName('g');
		await alice.client.ok('groups.create', { name: group, description: 'the login group' });

		const byPassword = await connect();
		// The name is compared case-insensitively; the reply carries the registered spelling.
		const login = await byPassword.ok('login', { username: alice.name.toUpperCase(), password: PASSWORD });
		expect(login.user).toMatchObject({ username: alice.name });
		expect(typeof login.token).toBe('string');
		expect(login.token).not.toBe(alice.token);
		expect(login.friends).toEqual([{ username: bob.name, alias: null, online: true }]);
		expect(login.groups).toEqual([
			expect.objectContaining({ name: group, description: 'the login group', role: 'creator' }),
		]);
		const requests = login.requests as WireRequest[];
		expect(requests).toEqual([{ from: carol.name, to: alice.name, ts: expect.stringMatching(ISO_UTC) }]);

		const byToken = await connect();
		const tokenLogin = await byToken.ok('login', { token: alice.token });
		expect(tokenLogin.user).toMatchObject({ username: alice.name });
		expect(typeof tokenLogin.token).toBe('string');
		expect(tokenLogin.friends).toEqual(login.friends);
		expect(tokenLogin.groups).toEqual(login.groups);
		expect(tokenLogin.requests).toEqual(login.requests);
		// The password login's token works too.
		const third = await connect();
		await third.ok('login', { token: login.token });
		await third.ok('friends.list');
	});

	it('logout revokes the token and logs the connection out', async () => {
		const alice = await user();
		const second = await connect();
		await second.ok('login', { token: alice.token });
		const reply = await alice.client.request('logout');
		expect(reply.type).toBe('ok');
		expectError(await alice.client.request('friends.list'), 'UNAUTHENTICATED');
		const later = await connect();
		expectError(await later.request('login', { token: alice.token }), 'UNAUTHENTICATED');
		// The password still works, on the same connection as well.
		await alice.client.ok('login', { username: alice.name, password: PASSWORD });
		await alice.client.ok('friends.list');
	});
});

describe('users.find', () => {
	const server = useServer();
	const { connect, user } = makeHelpers(server);

	async function registerNamed(name: string): Promise<User> {
		const client = await connect();
		const reply = await client.ok('register', { username: name, password: PASSWORD });
		return { client, name, token: reply.token as string };
	}

	it('matches names containing the query, case-insensitively, prefix matches first', async () => {
		const key = `fq${process.pid % 10000}x${++nameCounter}`;
		const upper = key.toUpperCase();
		const inner1 = await registerNamed(`a_${key}`);
		const inner2 = await registerNamed(`Z${upper}z`);
		const prefix1 = await registerNamed(`${upper}_b`);
		const prefix2 = await registerNamed(`${key}_y`);
		const unrelated = await registerNamed(`${key.slice(0, -1)}_nope`);
		const asker = await user();

		for (const query of [key, upper, `  ${key}  `]) {
			const reply = await asker.client.ok('users.find', { query });
			const users = reply.users as Array<{ username: string; online: boolean }>;
			const names = users.map((found) => found.username);
			expect(names, query).toHaveLength(4);
			expect(names).not.toContain(unrelated.name);
			expect(new Set(names.slice(0, 2))).toEqual(new Set([prefix1.name, prefix2.name]));
			expect(new Set(names.slice(2))).toEqual(new Set([inner1.name, inner2.name]));
		}
	});

	it('answers at most 20 users', async () => {
		const key = `tw${process.pid % 10000}x${++nameCounter}`;
		const names = Array.from({ length: 25 }, (_, index) => `${index % 2 ? key : `q${key}`}_${index}`);
		await Promise.all(names.map((name) => registerNamed(name)));
		const asker = await user();
		const reply = await asker.client.ok('users.find', { query: key });
		const found = (reply.users as Array<{ username: string }>).map((entry) => entry.username);
		expect(found).toHaveLength(20);
		expect(new Set(found).size).toBe(20);
		for (const name of found) expect(names).toContain(name);
		// The 12 prefix matches all make it, before the containment matches.
		const prefixNames = names.filter((name) => name.startsWith(key));
		expect(prefixNames).toHaveLength(12);
		expect(new Set(found.slice(0, 12))).toEqual(new Set(prefixNames));
	});

	it('reports who is online', async () => {
		const key = `on${process.pid % 10000}x${++nameCounter}`;
		const online = await registerNamed(`${key}_on`);
		const offline = await registerNamed(`${key}_off`);
		const loggedOut = await registerNamed(`${key}_out`);
		offline.client.close();
		await offline.client.waitClosed();
		await loggedOut.client.ok('logout');
		const asker = await user();
		const find = async () =>
			Object.fromEntries(
				((await asker.client.ok('users.find', { query: key })).users as Array<{ username: string; online: boolean }>).map(
					(entry) => [entry.username, entry.online],
				),
			);
		await until(async () => (await find())[offline.name] === false, 'the closed session to count as offline');
		expect(await find()).toEqual({ [online.name]: true, [offline.name]: false, [loggedOut.name]: false });
	});
});

describe('friends', () => {
	const server = useServer();
	const { connect, user, befriend } = makeHelpers(server);

	async function list(of: User): Promise<{ friends: WireFriend[]; requests: WireRequest[] }> {
		const reply = await of.client.ok('friends.list');
		return { friends: reply.friends as WireFriend[], requests: reply.requests as WireRequest[] };
	}

	it('a request reaches the other side as a friend.request event', async () => {
		const alice = await user();
		const bob = await user();
		const reply = await alice.client.request('friends.request', { username: bob.name });
		expect(reply.type).toBe('ok');
		const event = await bob.client.event('friend.request');
		expect(event).toMatchObject({ type: 'friend.request', from: alice.name });
		expect('re' in event).toBe(false);
		// Both see it in `requests`.
		const expected = [{ from: alice.name, to: bob.name, ts: expect.stringMatching(ISO_UTC) }];
		expect((await list(alice)).requests).toEqual(expected);
		expect((await list(bob)).requests).toEqual(expected);
		expect((await list(bob)).friends).toEqual([]);
		// The asker gets no friend.request event of its own.
		await sleep(100);
		expect(alice.client.events('friend.request')).toEqual([]);
	});

	it('refuses a duplicate request (CONFLICT), an unknown user (NOT_FOUND) and oneself (BAD_REQUEST)', async () => {
		const alice = await user();
		const bob = await user();
		await alice.client.ok('friends.request', { username: bob.name });
		expectError(await alice.client.request('friends.request', { username: bob.name }), 'CONFLICT');
		expectError(await alice.client.request('friends.request', { username: bob.name.toUpperCase() }), 'CONFLICT');
		expectError(await alice.client.request('friends.request', { username: uniqueName('ghost') }), 'NOT_FOUND');
		expectError(await alice.client.request('friends.request', { username: alice.name }), 'BAD_REQUEST');
		await sleep(100);
		expect(bob.client.events('friend.request')).toHaveLength(1);
	});

	it('refuses a request between friends with CONFLICT', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		expectError(await alice.client.request('friends.request', { username: bob.name }), 'CONFLICT');
		expectError(await bob.client.request('friends.request', { username: alice.name }), 'CONFLICT');
	});

	it('accept gives both sides the friend; the requester gets a friend.update event', async () => {
		const alice = await user();
		const bob = await user();
		await alice.client.ok('friends.request', { username: bob.name });
		const accepted = await bob.client.ok('friends.accept', { username: alice.name });
		expect(accepted.friend).toEqual({ username: alice.name, alias: null, online: true });
		const update = await alice.client.event('friend.update');
		expect(update.friend).toEqual({ username: bob.name, alias: null, online: true });
		expect((await list(alice)).friends).toEqual([{ username: bob.name, alias: null, online: true }]);
		expect((await list(bob)).friends).toEqual([{ username: alice.name, alias: null, online: true }]);
		expect((await list(alice)).requests).toEqual([]);
		expect((await list(bob)).requests).toEqual([]);
	});

	it('accept without a request is NOT_FOUND (also the wrong way round)', async () => {
		const alice = await user();
		const bob = await user();
		expectError(await bob.client.request('friends.accept', { username: alice.name }), 'NOT_FOUND');
		await alice.client.ok('friends.request', { username: bob.name });
		// Alice asked Bob: Alice cannot accept her own request.
		expectError(await alice.client.request('friends.accept', { username: bob.name }), 'NOT_FOUND');
		expect((await list(alice)).friends).toEqual([]);
	});

	it('decline removes the request', async () => {
		const alice = await user();
		const bob = await user();
		await alice.client.ok('friends.request', { username: bob.name });
		expect((await list(bob)).requests).toEqual([{ from: alice.name, to: bob.name, ts: expect.any(String) }]);
		const reply = await bob.client.request('friends.decline', { username: alice.name });
		expect(reply.type).toBe('ok');
		expect((await list(bob)).requests).toEqual([]);
		expect((await list(alice)).requests).toEqual([]);
		expect((await list(bob)).friends).toEqual([]);
		expectError(await bob.client.request('friends.accept', { username: alice.name }), 'NOT_FOUND');
		expectError(await bob.client.request('friends.decline', { username: alice.name }), 'NOT_FOUND');
		// Declined, Alice may ask again.
		await alice.client.ok('friends.request', { username: bob.name });
	});

	it('mutual requests become a friendship', async () => {
		const alice = await user();
		const bob = await user();
		await alice.client.ok('friends.request', { username: bob.name });
		const reply = await bob.client.ok('friends.request', { username: alice.name });
		expect(reply.friend).toEqual({ username: alice.name, alias: null, online: true });
		const update = await alice.client.event('friend.update');
		expect(update.friend).toEqual({ username: bob.name, alias: null, online: true });
		expect((await list(alice)).friends.map((friend) => friend.username)).toEqual([bob.name]);
		expect((await list(bob)).friends.map((friend) => friend.username)).toEqual([alice.name]);
		expect((await list(alice)).requests).toEqual([]);
		expect((await list(bob)).requests).toEqual([]);
	});

	it('sets and clears an alias; an alias of a non-friend is NOT_FOUND', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await befriend(alice, bob);
		const set = await alice.client.ok('friends.alias', { username: bob.name, alias: 'Bobby' });
		expect(set.friend).toEqual({ username: bob.name, alias: 'Bobby', online: true });
		expect((await list(alice)).friends).toEqual([{ username: bob.name, alias: 'Bobby', online: true }]);
		// The alias is Alice's own: Bob's view of Alice is unchanged.
		expect((await list(bob)).friends).toEqual([{ username: alice.name, alias: null, online: true }]);

		const cleared = await alice.client.ok('friends.alias', { username: bob.name, alias: '' });
		expect(cleared.friend).toEqual({ username: bob.name, alias: null, online: true });
		expect((await list(alice)).friends).toEqual([{ username: bob.name, alias: null, online: true }]);

		expectError(await alice.client.request('friends.alias', { username: carol.name, alias: 'C' }), 'NOT_FOUND');
		expectError(await alice.client.request('friends.alias', { username: uniqueName('ghost'), alias: 'G' }), 'NOT_FOUND');
	});

	it('lists friends with their online state', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await befriend(alice, bob);
		await befriend(alice, carol);
		const online = async () =>
			Object.fromEntries((await list(alice)).friends.map((friend) => [friend.username, friend.online]));
		expect(await online()).toEqual({ [bob.name]: true, [carol.name]: true });
		carol.client.close();
		await carol.client.waitClosed();
		await until(async () => (await online())[carol.name] === false, 'carol offline');
		expect(await online()).toEqual({ [bob.name]: true, [carol.name]: false });
		const again = await connect();
		await again.ok('login', { token: carol.token });
		expect(await online()).toEqual({ [bob.name]: true, [carol.name]: true });
	});

	it('remove tells the other side with friend.update {username, removed: true}', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await befriend(alice, bob);
		const reply = await alice.client.request('friends.remove', { username: bob.name });
		expect(reply.type).toBe('ok');
		const update = await bob.client.event('friend.update', (frame) => 'removed' in (frame.friend as object));
		expect(update.friend).toEqual({ username: alice.name, removed: true });
		expect((await list(alice)).friends).toEqual([]);
		expect((await list(bob)).friends).toEqual([]);
		expectError(await alice.client.request('friends.remove', { username: bob.name }), 'NOT_FOUND');
		expectError(await alice.client.request('friends.remove', { username: carol.name }), 'NOT_FOUND');
		// No longer friends: direct messages are refused.
		expectError(
			await bob.client.request('send', { to: { user: alice.name }, text: 'still there?', cid: uniqueCid() }),
			'FORBIDDEN',
		);
	});
});

describe('groups', () => {
	const server = useServer();
	const { user } = makeHelpers(server);

	async function members(of: User, name: string): Promise<WireMember[]> {
		const reply = await of.client.ok('groups.members', { name });
		return [...(reply.members as WireMember[])].sort((a, b) => a.username.localeCompare(b.username));
	}

	const byName = (a: { username: string }, b: { username: string }) => a.username.localeCompare(b.username);

	it('create makes the creator its first member with role creator', async () => {
		const alice = await user();
		const name = uniqueName('Grp');
		const reply = await alice.client.ok('groups.create', { name, description: 'all about tests' });
		expect(reply.group).toMatchObject({ name, description: 'all about tests', role: 'creator' });
		expect(await members(alice, name)).toEqual([{ username: alice.name, role: 'creator', online: true }]);
		const noDescription = await alice.client.ok('groups.create', { name: uniqueName('g') });
		expect((noDescription.group as WireGroup).description).toBe('');
		expect((noDescription.group as WireGroup).role).toBe('creator');
	});

	it('refuses a taken group name, also in different case, with CONFLICT', async () => {
		const alice = await user();
		const bob = await user();
		const name = uniqueName('Dup');
		await alice.client.ok('groups.create', { name });
		expectError(await alice.client.request('groups.create', { name }), 'CONFLICT');
		expectError(await bob.client.request('groups.create', { name: name.toUpperCase() }), 'CONFLICT');
		expectError(await bob.client.request('groups.create', { name: name.toLowerCase() }), 'CONFLICT');
		expect(await members(alice, name)).toEqual([{ username: alice.name, role: 'creator', online: true }]);
	});

	it('join gives role normal and tells the members; joining twice is CONFLICT, an unknown group NOT_FOUND', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const name = uniqueName('Join');
		await alice.client.ok('groups.create', { name, description: 'd' });
		const joined = await bob.client.ok('groups.join', { name: name.toLowerCase() });
		expect(joined.group).toMatchObject({ name, description: 'd', role: 'normal' });
		const aliceEvent = await alice.client.event('group.update', (frame) => frame.username === bob.name);
		expect(aliceEvent).toMatchObject({ event: 'joined', username: bob.name, group: { name } });

		await carol.client.ok('groups.join', { name });
		for (const member of [alice, bob]) {
			const event = await member.client.event('group.update', (frame) => frame.username === carol.name);
			expect(event).toMatchObject({ event: 'joined', username: carol.name, group: { name } });
		}

		expectError(await bob.client.request('groups.join', { name }), 'CONFLICT');
		expectError(await alice.client.request('groups.join', { name }), 'CONFLICT');
		expectError(await bob.client.request('groups.join', { name: uniqueName('nogroup') }), 'NOT_FOUND');
	});

	it('members lists roles and online state; a non-member gets FORBIDDEN', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const outsider = await user();
		const name = uniqueName('Mem');
		await alice.client.ok('groups.create', { name });
		await bob.client.ok('groups.join', { name });
		await carol.client.ok('groups.join', { name });
		expect(await members(bob, name)).toEqual(
			[
				{ username: alice.name, role: 'creator', online: true },
				{ username: bob.name, role: 'normal', online: true },
				{ username: carol.name, role: 'normal', online: true },
			].sort(byName),
		);
		carol.client.close();
		await carol.client.waitClosed();
		await until(
			async () => (await members(alice, name)).find((member) => member.username === carol.name)?.online === false,
			'carol offline',
		);
		expect(await members(alice, name)).toEqual(
			[
				{ username: alice.name, role: 'creator', online: true },
				{ username: bob.name, role: 'normal', online: true },
				{ username: carol.name, role: 'normal', online: false },
			].sort(byName),
		);
		expectError(await outsider.client.request('groups.members', { name }), 'FORBIDDEN');
		expectError(await outsider.client.request('groups.members', { name: uniqueName('nogroup') }), 'NOT_FOUND');
	});

	it('list shows the groups with the own role', async () => {
		const alice = await user();
		const bob = await user();
		const mine = uniqueName('Mine');
		const theirs = uniqueName('Theirs');
		const other = uniqueName('Other');
		await alice.client.ok('groups.create', { name: mine, description: 'mine' });
		await bob.client.ok('groups.create', { name: theirs, description: 'theirs' });
		await bob.client.ok('groups.create', { name: other });
		await alice.client.ok('groups.join', { name: theirs });
		const reply = await alice.client.ok('groups.list');
		const groups = [...(reply.groups as WireGroup[])].sort((a, b) => a.name.localeCompare(b.name));
		const expected = [
			{ name: mine, description: 'mine', role: 'creator' },
			{ name: theirs, description: 'theirs', role: 'normal' },
		].sort((a, b) => a.name.localeCompare(b.name));
		expect(groups).toEqual(expected.map((group) => expect.objectContaining(group)));
		expect(groups.map((group) => group.name)).not.toContain(other);
		const fresh = await user();
		expect((await fresh.client.ok('groups.list')).groups).toEqual([]);
	});

	it('leave tells the others; a non-member and the creator cannot leave', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const outsider = await user();
		const name = uniqueName('Leave');
		await alice.client.ok('groups.create', { name });
		await bob.client.ok('groups.join', { name });
		await carol.client.ok('groups.join', { name });
		const reply = await bob.client.request('groups.leave', { name });
		expect(reply.type).toBe('ok');
		for (const member of [alice, carol]) {
			const event = await member.client.event(
				'group.update',
				(frame) => frame.event === 'left' && frame.username === bob.name,
			);
			expect(event).toMatchObject({ event: 'left', username: bob.name, group: { name } });
		}
		expect((await members(alice, name)).map((member) => member.username)).toEqual([alice.name, carol.name].sort());
		expect((await bob.client.ok('groups.list')).groups).toEqual([]);
		expectError(await bob.client.request('groups.members', { name }), 'FORBIDDEN');

		// Not a member (any more, or ever): the server answers FORBIDDEN for an existing group.
		expectError(await bob.client.request('groups.leave', { name }), 'FORBIDDEN');
		expectError(await outsider.client.request('groups.leave', { name }), 'FORBIDDEN');
		expectError(await outsider.client.request('groups.leave', { name: uniqueName('nogroup') }), 'NOT_FOUND');
		// The creator cannot leave.
		expectError(await alice.client.request('groups.leave', { name }), 'FORBIDDEN');
		expect((await members(alice, name)).map((member) => member.role).sort()).toEqual(['creator', 'normal']);
	});

	it('only the creator deletes; members are told and the group is gone', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const name = uniqueName('Del');
		await alice.client.ok('groups.create', { name });
		await bob.client.ok('groups.join', { name });
		await carol.client.ok('groups.join', { name });
		expectError(await bob.client.request('groups.delete', { name }), 'FORBIDDEN');
		expect(await members(alice, name)).toHaveLength(3);

		const reply = await alice.client.request('groups.delete', { name });
		expect(reply.type).toBe('ok');
		for (const member of [bob, carol]) {
			const event = await member.client.event('group.update', (frame) => frame.event === 'deleted');
			expect(event).toMatchObject({ event: 'deleted', username: alice.name, group: { name } });
		}
		expectError(await bob.client.request('groups.join', { name }), 'NOT_FOUND');
		expectError(await alice.client.request('groups.members', { name }), 'NOT_FOUND');
		expectError(await alice.client.request('groups.delete', { name }), 'NOT_FOUND');
		expect((await bob.client.ok('groups.list')).groups).toEqual([]);
		expect((await alice.client.ok('groups.list')).groups).toEqual([]);
		// The name is free again.
		await carol.client.ok('groups.create', { name });
	});
});

describe('send and history', () => {
	const server = useServer();
	const { user, session, befriend } = makeHelpers(server);

	function send(from: User | RawClient, to: { user: string } | { group: string }, text: string, cid = uniqueCid()) {
		const client = from instanceof RawClient ? from : from.client;
		return client.request('send', { to, text, cid });
	}

	it('delivers a direct message to the recipient and the sender’s other sessions, not the sending one', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const aliceLaptop = await session(alice);
		const cid = uniqueCid();
		const before = Date.now();
		const reply = await send(alice, { user: bob.name }, '   hello, Bob!  \n', cid);
		expect(reply.type).toBe('ok');
		const message = reply.message as WireMessage;
		expect(message).toEqual({
			id: expect.any(String),
			seq: 1,
			from: alice.name,
			to: { user: bob.name },
			text: 'hello, Bob!',
			ts: expect.stringMatching(ISO_UTC),
			cid,
		});
		expect(message.id.length).toBeGreaterThan(0);
		expect(new Date(message.ts).toISOString()).toBe(message.ts);
		expect(Math.abs(Date.parse(message.ts) - before)).toBeLessThan(60_000);

		const atBob = await bob.client.event('message');
		expect(atBob.message).toEqual(message);
		const atLaptop = await aliceLaptop.event('message');
		expect(atLaptop.message).toEqual(message);
		await sleep(200);
		expect(alice.client.events('message')).toEqual([]);
		expect(bob.client.events('message')).toHaveLength(1);
		expect(aliceLaptop.events('message')).toHaveLength(1);
	});

	it('refuses a direct message to a non-friend (FORBIDDEN) and to an unknown user (NOT_FOUND)', async () => {
		const alice = await user();
		const bob = await user();
		expectError(await send(alice, { user: bob.name }, 'hi stranger'), 'FORBIDDEN');
		await alice.client.ok('friends.request', { username: bob.name });
		expectError(await send(alice, { user: bob.name }, 'hi, pending'), 'FORBIDDEN');
		expectError(await send(alice, { user: uniqueName('ghost') }, 'hi ghost'), 'NOT_FOUND');
		expectError(await send(alice, { user: alice.name }, 'hi me'), 'FORBIDDEN');
		await sleep(100);
		expect(bob.client.events('message')).toEqual([]);
	});

	it('delivers a group message to every member; a non-member gets FORBIDDEN', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const outsider = await user();
		const group = uniqueName('Talk');
		await alice.client.ok('groups.create', { name: group });
		await bob.client.ok('groups.join', { name: group });
		await carol.client.ok('groups.join', { name: group });

		expectError(await send(outsider, { group }, 'let me in'), 'FORBIDDEN');
		expectError(await send(outsider, { group: uniqueName('nogroup') }, 'anyone?'), 'NOT_FOUND');

		const reply = await send(bob, { group: group.toLowerCase() }, 'hello group');
		expect(reply.type).toBe('ok');
		const message = reply.message as WireMessage;
		expect(message).toMatchObject({ seq: 1, from: bob.name, to: { group }, text: 'hello group' });
		for (const member of [alice, carol]) {
			const event = await member.client.event('message');
			expect(event.message).toEqual(message);
		}
		await sleep(200);
		expect(bob.client.events('message')).toEqual([]);
		expect(outsider.client.events('message')).toEqual([]);
		expect(alice.client.events('message')).toHaveLength(1);
		expect(carol.client.events('message')).toHaveLength(1);
	});

	it('numbers messages per conversation', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const group = uniqueName('Seq');
		await alice.client.ok('groups.create', { name: group });
		await bob.client.ok('groups.join', { name: group });

		const seqs: Array<[string, number]> = [];
		const record = async (reply: Promise<Frame>, label: string) => {
			const frame = await reply;
			expect(frame.type).toBe('ok');
			seqs.push([label, (frame.message as WireMessage).seq]);
		};
		await record(send(alice, { user: bob.name }, 'dm 1'), 'dm');
		await record(send(alice, { group }, 'group 1'), 'group');
		await record(send(bob, { user: alice.name }, 'dm 2'), 'dm');
		await record(send(bob, { group }, 'group 2'), 'group');
		await record(send(alice, { user: bob.name }, 'dm 3'), 'dm');
		expect(seqs).toEqual([
			['dm', 1],
			['group', 1],
			['dm', 2],
			['group', 2],
			['dm', 3],
		]);
		// Both ends of the direct conversation see the same numbering.
		const fromBob = (await bob.client.ok('history', { with: { user: alice.name } })).messages as WireMessage[];
		expect(fromBob.map((message) => [message.seq, message.text])).toEqual([
			[1, 'dm 1'],
			[2, 'dm 2'],
			[3, 'dm 3'],
		]);
	});

	it('accepts exactly 4096 characters and answers longer text with TOO_LARGE', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const exact = 'x'.repeat(4096);
		const ok = await send(alice, { user: bob.name }, exact);
		expect(ok.type).toBe('ok');
		expect((ok.message as WireMessage).text).toBe(exact);
		// Surrounding whitespace does not count.
		const padded = await send(alice, { user: bob.name }, `  ${exact}  `);
		expect(padded.type).toBe('ok');
		expect((padded.message as WireMessage).text).toBe(exact);

		const cid = uniqueCid();
		const tooLong = await alice.client.request('send', { to: { user: bob.name }, text: `${exact}y`, cid });
		expectError(tooLong, 'TOO_LARGE', undefined);
		expect(typeof tooLong.re).toBe('string');
		const history = (await alice.client.ok('history', { with: { user: bob.name } })).messages as WireMessage[];
		expect(history).toHaveLength(2);
		expect(alice.client.closed).toBeUndefined();
	});

	it('is idempotent on the cid: the same message, delivered once', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const cid = uniqueCid();
		const first = await send(alice, { user: bob.name }, 'only once', cid);
		const second = await send(alice, { user: bob.name }, 'only once', cid);
		expect(first.type).toBe('ok');
		expect(second.type).toBe('ok');
		expect(second.message).toEqual(first.message);
		await bob.client.event('message');
		await sleep(200);
		expect(messagesOf(bob.client).map((message) => message.id)).toEqual([(first.message as WireMessage).id]);
		const history = (await bob.client.ok('history', { with: { user: alice.name } })).messages as WireMessage[];
		expect(history.map((message) => message.id)).toEqual([(first.message as WireMessage).id]);
		// A new cid is a new message.
		const third = await send(alice, { user: bob.name }, 'only once');
		expect((third.message as WireMessage).seq).toBe(2);
	});

	it('history: newest `limit` oldest first, pages with before, default 50, at most 200', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const total = 210;
		const replies: Frame[] = [];
		// Pipelined: up to 40 requests in flight at once (the documented burst).
		for (let start = 0; start < total; start += 40) {
			const batch = [];
			for (let index = start; index < Math.min(start + 40, total); index++) {
				batch.push(send(alice, { user: bob.name }, `message ${index + 1}`));
			}
			replies.push(...(await Promise.all(batch)));
		}
		expect(replies.map((reply) => reply.type)).toEqual(Array(total).fill('ok'));
		expect(replies.map((reply) => (reply.message as WireMessage).seq)).toEqual(
			Array.from({ length: total }, (_, index) => index + 1),
		);

		const history = async (fields: Record<string, unknown>, who: User = alice) =>
			((await who.client.ok('history', { with: { user: who === alice ? bob.name : alice.name }, ...fields }))
				.messages as WireMessage[]).map((message) => message.seq);
		const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

		expect(await history({})).toEqual(range(161, 210));
		expect(await history({}, bob)).toEqual(range(161, 210));
		expect(await history({ limit: 10 })).toEqual(range(201, 210));
		expect(await history({ limit: 10, before: 201 })).toEqual(range(191, 200));
		expect(await history({ before: 161 })).toEqual(range(111, 160));
		expect(await history({ before: 5, limit: 10 })).toEqual(range(1, 4));
		expect(await history({ before: 1 })).toEqual([]);
		expect(await history({ limit: 500 })).toEqual(range(11, 210));
		expect(await history({ limit: 200, before: 11 })).toEqual(range(1, 10));

		const page = (await alice.client.ok('history', { with: { user: bob.name }, limit: 3 })).messages as WireMessage[];
		expect(page.map((message) => message.text)).toEqual(['message 208', 'message 209', 'message 210']);
		expect(page.every((message) => message.from === alice.name && 'user' in message.to)).toBe(true);
	});

	it('a quick reconnect gets what the cut connection missed while its queued sends were still being stored', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await befriend(alice, bob);
		await befriend(alice, carol);
		// Others keep the server busy, so that each send waits a little for company in its commit.
		const busy = Promise.all(
			Array.from({ length: 150 }, (_, index) =>
				index % 2 ? send(alice, { user: carol.name }, `busy ${index}`) : send(carol, { user: alice.name }, `busy ${index}`),
			),
		);
		// Bob's connection dies with 90 of his sends queued: the server detaches it only once they
		// are stored, and the message below reaches only that dead connection. His new connection
		// logs in before the old one is detached.
		for (let index = 0; index < 90; index++) {
			bob.client.sendRaw(JSON.stringify({ type: 'send', id: `b${index}`, to: { user: alice.name }, text: `queued ${index}`, cid: uniqueCid() }));
		}
		bob.client.socket.terminate();
		await sleep(10);
		const missed = await send(alice, { user: bob.name }, 'sent while the old connection was dying');
		expect(missed.type).toBe('ok');
		const again = await session(bob);
		const arrived = await again.event('message', (event) => (event.message as WireMessage).id === (missed.message as WireMessage).id);
		expect((arrived.message as WireMessage).text).toBe('sent while the old connection was dying');
		await busy;
	});

	it('history of a group you are not in is FORBIDDEN', async () => {
		const alice = await user();
		const outsider = await user();
		const group = uniqueName('Hist');
		await alice.client.ok('groups.create', { name: group });
		await send(alice, { group }, 'members only');
		const own = (await alice.client.ok('history', { with: { group } })).messages as WireMessage[];
		expect(own.map((message) => message.text)).toEqual(['members only']);
		expectError(await outsider.client.request('history', { with: { group } }), 'FORBIDDEN');
		expectError(await outsider.client.request('history', { with: { group: uniqueName('nogroup') } }), 'NOT_FOUND');
	});
});

describe('read state and typing', () => {
	const server = useServer();
	const { connect, user, session, befriend } = makeHelpers(server);

	async function sendTexts(from: User, to: { user: string } | { group: string }, count: number): Promise<void> {
		for (let index = 0; index < count; index++) {
			await from.client.ok('send', { to, text: `note ${index + 1}`, cid: uniqueCid() });
		}
	}

	const unreadOf = async (who: User | RawClient) =>
		((await (who instanceof RawClient ? who : who.client).ok('unread')).conversations as Array<Record<string, unknown>>);

	it('counts what others sent after the read cursor, on every session of the user, and moves the cursor only forward', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		expect(await unreadOf(bob)).toEqual([]);
		await sendTexts(alice, { user: bob.name }, 3);
		await sendTexts(bob, { user: alice.name }, 1); // one's own messages are never unread
		expect(await unreadOf(bob)).toEqual([{ with: { user: alice.name }, read: 0, last: 4, unread: 3 }]);
		expect(await unreadOf(alice)).toEqual([{ with: { user: bob.name }, read: 0, last: 4, unread: 1 }]);

		// A second device of Bob's logs in: the login carries the same counts.
		const phone = await session(bob);
		const login = await (await connect()).ok('login', { token: bob.token });
		expect(login.unread).toEqual([{ with: { user: alice.name }, read: 0, last: 4, unread: 3 }]);

		// Reading on the laptop clears it on the phone, which is told.
		await bob.client.ok('read', { with: { user: alice.name.toUpperCase() }, seq: 2 });
		const told = await phone.event('read');
		expect(told).toEqual({ type: 'read', with: { user: alice.name }, seq: 2 });
		expect(bob.client.events('read')).toEqual([]);
		expect(await unreadOf(phone)).toEqual([{ with: { user: alice.name }, read: 2, last: 4, unread: 1 }]);

		// Never back, never past the newest message.
		await bob.client.ok('read', { with: { user: alice.name }, seq: 1 });
		expect((await unreadOf(bob))[0]).toMatchObject({ read: 2, unread: 1 });
		await bob.client.ok('read', { with: { user: alice.name }, seq: 99 });
		expect((await unreadOf(bob))[0]).toMatchObject({ read: 4, last: 4, unread: 0 });
		await sendTexts(alice, { user: bob.name }, 2);
		expect((await unreadOf(phone))[0]).toMatchObject({ read: 4, last: 6, unread: 2 });
	});

	it('keeps read state per group member, and refuses groups one is not in and unknown names', async () => {
		const carol = await user();
		const dave = await user();
		const outsider = await user();
		const group = uniqueName('Reads');
		await carol.client.ok('groups.create', { name: group });
		await dave.client.ok('groups.join', { name: group });
		await sendTexts(carol, { group }, 2);
		expect(await unreadOf(dave)).toEqual([{ with: { group }, read: 0, last: 2, unread: 2 }]);
		expect(await unreadOf(carol)).toEqual([{ with: { group }, read: 0, last: 2, unread: 0 }]);
		await dave.client.ok('read', { with: { group }, seq: 2 });
		expect(await unreadOf(dave)).toEqual([{ with: { group }, read: 2, last: 2, unread: 0 }]);
		expectError(await outsider.client.request('read', { with: { group }, seq: 1 }), 'FORBIDDEN');
		expectError(await outsider.client.request('read', { with: { user: uniqueName('nobody') }, seq: 1 }), 'NOT_FOUND');
		expectError(await outsider.client.request('read', { with: { group }, seq: -1 }), 'BAD_REQUEST');
		expect(await unreadOf(outsider)).toEqual([]);
	});

	it('tells the other side who is typing, to friends and co-members only, and stores nothing', async () => {
		const alice = await user();
		const bob = await user();
		const stranger = await user();
		await befriend(alice, bob);
		const alicePhone = await session(alice);
		await alice.client.ok('typing', { to: { user: bob.name } });
		expect(await bob.client.event('typing')).toEqual({ type: 'typing', from: alice.name, to: { user: bob.name } });
		expectError(await stranger.client.request('typing', { to: { user: alice.name } }), 'FORBIDDEN');

		const group = uniqueName('Typing');
		await alice.client.ok('groups.create', { name: group });
		await bob.client.ok('groups.join', { name: group });
		await bob.client.ok('typing', { to: { group } });
		expect(await alice.client.event('typing', (event) => 'group' in (event.to as object))).toEqual({
			type: 'typing',
			from: bob.name,
			to: { group },
		});
		expectError(await stranger.client.request('typing', { to: { group } }), 'FORBIDDEN');
		await sleep(100);
		expect(bob.client.events('typing').filter((event) => event.from === bob.name)).toEqual([]);
		expect(alicePhone.events('typing').filter((event) => event.from === alice.name)).toEqual([]);
		expect(stranger.client.events('typing')).toEqual([]);
		const history = (await bob.client.ok('history', { with: { user: alice.name } })).messages as WireMessage[];
		expect(history).toEqual([]);
	});
});

describe('search', () => {
	const server = useServer();
	const { user, befriend } = makeHelpers(server);

	async function send(from: User, to: { user: string } | { group: string }, text: string): Promise<WireMessage> {
		return (await from.client.ok('send', { to, text, cid: uniqueCid() })).message as WireMessage;
	}

	const texts = (reply: Frame) => (reply.messages as WireMessage[]).map((message) => message.text);

	it('finds messages holding every word, as prefixes, in any case and accent, newest first, whole message objects', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const first = await send(alice, { user: bob.name }, 'Déploiement du serveur ce soir');
		await send(bob, { user: alice.name }, 'the deployment went fine');
		await send(bob, { user: alice.name }, 'nothing to see');
		const third = await send(alice, { user: bob.name }, 'DEPLOY again?');
		const reply = await alice.client.ok('search', { query: 'deplo' });
		expect(texts(reply)).toEqual(['DEPLOY again?', 'the deployment went fine', 'Déploiement du serveur ce soir']);
		expect((reply.messages as WireMessage[])[0]).toEqual(third);
		expect(texts(await bob.client.ok('search', { query: 'deploiement SERV' }))).toEqual([first.text]);
		expect(texts(await bob.client.ok('search', { query: '  see   nothing ', with: { user: alice.name } }))).toEqual(['nothing to see']);
		// Query syntax of either engine is just punctuation here.
		expect(texts(await alice.client.ok('search', { query: '"deploy" -fine*' }))).toEqual(['the deployment went fine']);
		expect(texts(await alice.client.ok('search', { query: '"*:-' }))).toEqual([]);
	});

	it('pages with before (a message id) and limit, at most 50 a page', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const word = uniqueName('w');
		for (let i = 1; i <= 55; i++) await send(alice, { user: bob.name }, `${word} number ${i}`);
		const page = async (fields: Record<string, unknown>) => (await alice.client.ok('search', { query: word, ...fields })).messages as WireMessage[];
		const first = await page({});
		expect(first.map((message) => message.text)).toEqual(Array.from({ length: 20 }, (_, i) => `${word} number ${55 - i}`));
		const second = await page({ before: first.at(-1)!.id, limit: 3 });
		expect(second.map((message) => message.text)).toEqual([33, 34, 35].reverse().map((i) => `${word} number ${i}`));
		expect(await page({ limit: 500 })).toHaveLength(50);
		expect(await page({ before: (await page({ limit: 55 })).at(-1)!.id })).toHaveLength(5);
	});

	it('keeps to conversations the user may read: NOT_FOUND for an unknown one, FORBIDDEN for a group they are not in', async () => {
		const alice = await user();
		const bob = await user();
		const eve = await user();
		await befriend(alice, bob);
		await befriend(bob, eve);
		const group = uniqueName('Srch');
		await bob.client.ok('groups.create', { name: group });
		await eve.client.ok('groups.join', { name: group });
		const word = uniqueName('secret');
		await send(bob, { user: eve.name }, `${word} for eve`);
		await send(bob, { group }, `${word} in the group`);
		await send(alice, { user: bob.name }, `${word} for bob`);
		expect(texts(await alice.client.ok('search', { query: word }))).toEqual([`${word} for bob`]);
		expect(texts(await eve.client.ok('search', { query: word }))).toEqual([`${word} in the group`, `${word} for eve`]);
		expect(texts(await eve.client.ok('search', { query: word, with: { group } }))).toEqual([`${word} in the group`]);
		expectError(await alice.client.request('search', { query: word, with: { group } }), 'FORBIDDEN');
		expectError(await alice.client.request('search', { query: word, with: { group: uniqueName('nogroup') } }), 'NOT_FOUND');
		expectError(await alice.client.request('search', { query: word, with: { user: uniqueName('nobody') } }), 'NOT_FOUND');
		// A user's conversation with someone else is not a way in.
		expect(texts(await alice.client.ok('search', { query: word, with: { user: eve.name } }))).toEqual([]);
		// Left the group: its messages are out of reach, as its history is.
		await eve.client.ok('groups.leave', { name: group });
		expect(texts(await eve.client.ok('search', { query: word }))).toEqual([`${word} for eve`]);
		expectError(await eve.client.request('search', { query: word, with: { group } }), 'FORBIDDEN');
	});

	it('answers BAD_REQUEST for an empty or blank query, one over the length limit, and a before that is no message id', async () => {
		const alice = await user();
		for (const query of ['', '   ', '\n ']) {
			const reply = await alice.client.request('search', { query });
			expectError(reply, 'BAD_REQUEST');
			expect(reply.message).toMatch(/query: the search is empty/);
		}
		// A tab is no blank: search words are clean text, where only message text may hold one.
		const tab = await alice.client.request('search', { query: '\n\t' });
		expectError(tab, 'BAD_REQUEST');
		expect(tab.message).toBe('query holds U+0009 (HT) at character 2');
		expectError(await alice.client.request('search', {}), 'BAD_REQUEST');
		expectError(await alice.client.request('search', { query: 42 }), 'BAD_REQUEST');
		// The limit counts what is left after trimming.
		expect((await alice.client.ok('search', { query: ` ${'a'.repeat(MAX_SEARCH_CHARS)} ` })).messages).toEqual([]);
		const long = await alice.client.request('search', { query: 'a'.repeat(MAX_SEARCH_CHARS + 1) });
		expectError(long, 'BAD_REQUEST');
		expect(long.message).toMatch(new RegExp(`at most ${MAX_SEARCH_CHARS} characters`));
		for (const before of ['abc', '0', '-1', '1.5', '99999999999999999999', '']) {
			expectError(await alice.client.request('search', { query: 'hello', before }), 'BAD_REQUEST');
		}
		expectError(await alice.client.request('search', { query: 'hello', limit: 0 }), 'BAD_REQUEST');
		expectError(await alice.client.request('search', { query: 'hello', with: { user: alice.name, group: 'x' } }), 'BAD_REQUEST');
	});
});

describe('presence', () => {
	const server = useServer();
	const { connect, user, befriend } = makeHelpers(server);

	const presenceOf = (client: RawClient, username: string) =>
		client.events('presence').filter((event) => event.username === username).map((event) => event.online);

	it('two friends logging in at the same moment each end up seeing the other online', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		alice.client.close();
		bob.client.close();
		await Promise.all([alice.client.waitClosed(), bob.client.waitClosed()]);
		for (let round = 0; round < 15; round++) {
			const [a, b] = await Promise.all([connect(), connect()]);
			// Password logins (as a person types them), alternating with token logins.
			const as = (who: User) => (round % 2 ? { token: who.token } : { username: who.name, password: PASSWORD });
			const [aliceLogin, bobLogin] = await Promise.all([a.ok('login', as(alice)), b.ok('login', as(bob))]);
			await sleep(30);
			const sees = (login: Frame, client: RawClient, other: string) => {
				const events = presenceOf(client, other);
				if (events.length > 0) return events.at(-1);
				return (login.friends as WireFriend[]).find((friend) => friend.username === other)?.online;
			};
			expect(sees(aliceLogin, a, bob.name), `round ${round}: alice sees bob`).toBe(true);
			expect(sees(bobLogin, b, alice.name), `round ${round}: bob sees alice`).toBe(true);
			a.close();
			b.close();
			await Promise.all([a.waitClosed(), b.waitClosed()]);
			await sleep(20);
		}
	});

	it('tells a friend when the user logs in and when the last session closes', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		await sleep(100);
		expect(presenceOf(alice.client, bob.name)).toEqual([]);

		bob.client.close();
		const offline = await alice.client.event('presence', (frame) => frame.username === bob.name);
		expect(offline).toMatchObject({ type: 'presence', username: bob.name, online: false });

		const again = await connect();
		await again.ok('login', { username: bob.name, password: PASSWORD });
		await until(() => presenceOf(alice.client, bob.name).length >= 2, 'presence online');
		expect(presenceOf(alice.client, bob.name)).toEqual([false, true]);

		// Logging out also ends the last session.
		await again.ok('logout');
		await until(() => presenceOf(alice.client, bob.name).length >= 3, 'presence offline after logout');
		expect(presenceOf(alice.client, bob.name)).toEqual([false, true, false]);
	});

	it('tells members of a shared group', async () => {
		const alice = await user();
		const bob = await user();
		const group = uniqueName('Pres');
		await alice.client.ok('groups.create', { name: group });
		await bob.client.ok('groups.join', { name: group });
		bob.client.close();
		const event = await alice.client.event('presence', (frame) => frame.username === bob.name);
		expect(event).toMatchObject({ username: bob.name, online: false });
		const again = await connect();
		await again.ok('login', { token: bob.token });
		await until(() => presenceOf(alice.client, bob.name).length >= 2, 'presence online');
		expect(presenceOf(alice.client, bob.name)).toEqual([false, true]);
	});

	it('two sessions: one online event on the first, one offline event when the second closes', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		bob.client.close();
		await until(() => presenceOf(alice.client, bob.name).length >= 1, 'bob offline');
		await sleep(200);
		const baseline = presenceOf(alice.client, bob.name).length;
		expect(baseline).toBe(1);
		const count = () => presenceOf(alice.client, bob.name).slice(baseline);

		const phone = await connect();
		await phone.ok('login', { token: bob.token });
		await until(() => count().length >= 1, 'online');
		const laptop = await connect();
		await laptop.ok('login', { token: bob.token });
		await sleep(200);
		expect(count()).toEqual([true]);

		phone.close();
		await phone.waitClosed();
		await sleep(200);
		expect(count()).toEqual([true]);

		laptop.close();
		await until(() => count().length >= 2, 'offline');
		await sleep(200);
		expect(count()).toEqual([true, false]);
	});
});

describe('limits', () => {
	const server = useServer();
	const { connect } = makeHelpers(server);

	/** A valid request frame of exactly `bytes` bytes, padded with an ignored extra field. */
	function frameOfSize(bytes: number, id: string): string {
		const empty = JSON.stringify({ type: 'friends.list', id, pad: '' });
		const frame = JSON.stringify({ type: 'friends.list', id, pad: 'a'.repeat(bytes - empty.length) });
		expect(Buffer.byteLength(frame)).toBe(bytes);
		return frame;
	}

	it('answers a frame of exactly 64 KiB', async () => {
		const client = await connect();
		const reply = client.waitFor((frame) => frame.re === 'big-ok');
		client.sendRaw(frameOfSize(64 * 1024, 'big-ok'));
		expectError(await reply, 'UNAUTHENTICATED', 'big-ok');
		expect(client.closed).toBeUndefined();
	});

	it('closes the connection with 1009 for a frame over 64 KiB', async () => {
		const client = await connect();
		client.sendRaw(frameOfSize(64 * 1024 + 1, 'big-too'));
		const closed = await Promise.race([
			client.waitClosed(),
			sleep(5000).then(() => ({ code: -1, reason: 'still open after 5 s' })),
		]);
		expect(closed.code).toBe(1009);
		expect(client.frames.some((frame) => frame.re === 'big-too')).toBe(false);
	});
});
