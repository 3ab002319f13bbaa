/**
 * Accounts and login sessions over real sockets, as an outside client sees
 * them (RawClient): the password rule, password changes, sessions.list and
 * sessions.revoke, account deletion, the scrypt cost upgrade at login, and
 * the bound on password hashes at once.
 */
import { describe, expect, it } from 'vitest';
import { hashing, HASH_CONCURRENCY, hashPassword } from '../server/auth/passwords.js';
import { Semaphore } from '../server/auth/semaphore.js';
import type { RawClient, Frame } from './helpers/raw-client.js';
import { TEST_PASSWORD_COST } from './helpers/server.js';
import { expectError, PASSWORD, uniqueName, useServer, wireHelpers, type WireUser } from './helpers/wire.js';

const NEW_PASSWORD = 'a whole new password';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const RULE = /^a password must be at least (\d+) characters and not your username$/;
/** PROTOCOL.md: revoked connections are closed within 1 s. */
const REVOKE_BOUND_MS = 1000;

/** The wire helpers, plus logging in again by password with a device label, and a bare login attempt. */
function makeHelpers(use: { readonly url: string }) {
	const { connect, user, befriend } = wireHelpers(use);

	/** Another login of the user, by password, labelled `device`. */
	async function loginAgain(of: { name: string }, device?: string, password = PASSWORD): Promise<WireUser> {
		const client = await connect();
		const reply = await client.ok('login', { username: of.name, password, ...(device === undefined ? {} : { device }) });
		return { client, name: of.name, token: reply.token as string };
	}

	/** The reply a fresh connection gets to logging in with these fields. */
	async function tryLogin(fields: Record<string, unknown>): Promise<Frame> {
		const client = await connect();
		return client.request('login', fields);
	}

	return { connect, user, loginAgain, tryLogin, befriend };
}

/** The connection was told its login was revoked, then closed with 4001, within the bound. */
async function expectRevoked(client: RawClient, since: number): Promise<void> {
	const closed = await client.waitClosed();
	expect(closed.code).toBe(4001);
	expect(Date.now() - since).toBeLessThan(REVOKE_BOUND_MS);
	const frames = client.frames.map((frame) => frame.type);
	expect(frames.at(-1)).toBe('session.revoked');
	expect(client.events('session.revoked')).toEqual([{ type: 'session.revoked' }]);
}

interface WireSession {
	id: string;
	device: string;
	created: string;
	lastSeen: string;
	current: boolean;
	online: boolean;
}

async function sessionsOf(client: RawClient): Promise<WireSession[]> {
	return (await client.ok('sessions.list')).sessions as WireSession[];
}

describe('the password rule', () => {
	const use = useServer();
	const { connect } = makeHelpers(use);

	it('refuses a short password, or the username in any case, with BAD_REQUEST saying the rule; nothing is created', async () => {
		const client = await connect();
		const name = uniqueName('Rule');
		for (const password of ['seven77', name, name.toUpperCase(), name.toLowerCase()]) {
			const reply = await client.request('register', { username: name, password });
			expectError(reply, 'BAD_REQUEST', { message: RULE });
			expect(String(reply.message)).toContain('at least 8 characters');
		}
		expectError(await client.request('login', { username: name, password: 'seven77' }), 'UNAUTHENTICATED');
		// Eight characters that are not the name: the name was still free.
		await client.ok('register', { username: name, password: 'eight888' });
	});

	it('counts characters as a person does (code points), not UTF-16 units', async () => {
		const client = await connect();
		// Seven emoji are fourteen UTF-16 units, but seven characters.
		expectError(await client.request('register', { username: uniqueName(), password: '🔑'.repeat(7) }), 'BAD_REQUEST', { message: RULE });
		await client.ok('register', { username: uniqueName(), password: '🔑'.repeat(8) });
	});
});

describe('the password rule, with --min-password-length 12', () => {
	const use = useServer({ minPasswordLength: 12 });
	const { connect, user } = makeHelpers(use);

	it('applies the server setting to register and account.password', async () => {
		const client = await connect();
		const reply = await client.request('register', { username: uniqueName(), password: 'eleven-char' });
		expectError(reply, 'BAD_REQUEST', { message: /at least 12 characters/ });
		const alice = await user();
		expectError(await alice.client.request('account.password', { current: PASSWORD, password: 'eleven-char' }), 'BAD_REQUEST', { message: RULE });
		expectError(await alice.client.request('account.password', { current: PASSWORD, password: alice.name.toUpperCase() }), 'BAD_REQUEST', { message: RULE });
		await alice.client.ok('account.password', { current: PASSWORD, password: 'twelve-chars' });
	});
});

describe('account.password', () => {
	const use = useServer();
	const { user, loginAgain, tryLogin } = makeHelpers(use);

	it('refuses a wrong current password with UNAUTHENTICATED and changes nothing', async () => {
		const alice = await user();
		const phone = await loginAgain(alice, 'phone');
		expectError(await alice.client.request('account.password', { current: 'not my password', password: NEW_PASSWORD }), 'UNAUTHENTICATED');
		// Nothing was revoked and the old password still works.
		await phone.client.ok('sessions.list');
		expect(phone.client.closed).toBeUndefined();
		await loginAgain(alice);
	});

	it('revokes every other session: their connections get session.revoked and close 4001; the new password works, the old does not', async () => {
		const alice = await user();
		const phone = await loginAgain(alice, 'phone');
		const laptop = await loginAgain(alice, 'laptop');
		const since = Date.now();
		await alice.client.ok('account.password', { current: PASSWORD, password: NEW_PASSWORD });
		await Promise.all([expectRevoked(phone.client, since), expectRevoked(laptop.client, since)]);
		// The session that asked goes on.
		const left = await sessionsOf(alice.client);
		expect(left.map((session) => session.current)).toEqual([true]);
		expect(alice.client.closed).toBeUndefined();
		expect(alice.client.events('session.revoked')).toEqual([]);
		// Revoked tokens no longer log in; its own still does.
		expectError(await tryLogin({ token: phone.token }), 'UNAUTHENTICATED');
		expectError(await tryLogin({ token: laptop.token }), 'UNAUTHENTICATED');
		expect((await tryLogin({ token: alice.token })).type).toBe('ok');
		expectError(await tryLogin({ username: alice.name, password: PASSWORD }), 'UNAUTHENTICATED');
		expect((await tryLogin({ username: alice.name, password: NEW_PASSWORD })).type).toBe('ok');
	});
});

describe('account.password, throttled like logins', () => {
	const use = useServer({ loginFreeFailures: 2, loginBaseDelayMs: 60_000 });
	const { user } = makeHelpers(use);

	it('answers RATE_LIMITED once wrong current passwords pass the free failures, even for the right one', async () => {
		const alice = await user();
		for (let attempt = 0; attempt < 2; attempt++) {
			expectError(await alice.client.request('account.password', { current: 'wrong password', password: NEW_PASSWORD }), 'UNAUTHENTICATED');
		}
		expectError(await alice.client.request('account.password', { current: PASSWORD, password: NEW_PASSWORD }), 'RATE_LIMITED');
		expectError(await alice.client.request('account.delete', { password: PASSWORD }), 'RATE_LIMITED');
	});
});

describe('sessions.list and sessions.revoke', () => {
	const use = useServer();
	const { user, loginAgain, tryLogin, connect } = makeHelpers(use);

	it('labels the session a registration logs in with the device it gives', async () => {
		const client = await connect();
		await client.ok('register', { username: `dev${process.pid % 10000}_${Date.now() % 100000}`, password: PASSWORD, device: 'chat-tui on desk' });
		expect((await sessionsOf(client)).map((session) => [session.device, session.current])).toEqual([['chat-tui on desk', true]]);
	});

	it('lists every session with its device, times, which one is asking and which are online', async () => {
		const before = new Date().toISOString();
		const alice = await user();
		const laptop = await loginAgain(alice, 'laptop');
		const phone = await loginAgain(alice, 'phone');
		const listed = await sessionsOf(laptop.client);
		expect(listed).toHaveLength(3);
		for (const session of listed) {
			expect(session).toEqual({
				id: expect.any(String),
				device: expect.any(String),
				created: expect.stringMatching(ISO_UTC),
				lastSeen: expect.stringMatching(ISO_UTC),
				current: expect.any(Boolean),
				online: true,
			});
			expect(session.created >= before).toBe(true);
		}
		// Newest first; register gives no device.
		expect(listed.map((session) => [session.device, session.current])).toEqual([
			['phone', false],
			['laptop', true],
			['', false],
		]);
		expect(new Set(listed.map((session) => session.id)).size).toBe(3);

		// A token login is the same session again, not a new one.
		const again = await connect();
		await again.ok('login', { token: phone.token });
		expect((await sessionsOf(again)).map((session) => [session.device, session.current])).toEqual([
			['phone', true],
			['laptop', false],
			['', false],
		]);

		// Closed connections: offline, last seen about when they closed.
		phone.client.close();
		again.close();
		await Promise.all([phone.client.waitClosed(), again.waitClosed()]);
		const deadline = Date.now() + 3000;
		let phoneRow: WireSession | undefined;
		do {
			await new Promise((resolve) => setTimeout(resolve, 20));
			phoneRow = (await sessionsOf(laptop.client)).find((session) => session.device === 'phone');
		} while (phoneRow?.online && Date.now() < deadline);
		expect(phoneRow).toMatchObject({ online: false, current: false });
		expect(phoneRow!.lastSeen >= phoneRow!.created).toBe(true);
		expect(phoneRow!.lastSeen <= new Date().toISOString()).toBe(true);
		// The session still exists: its token logs in again.
		expect((await tryLogin({ token: phone.token })).type).toBe('ok');
	});

	it('believes another instance\'s connection count only while that instance keeps marking the session seen', async () => {
		const alice = await user();
		const phone = await loginAgain(alice, 'phone');
		const id = (await sessionsOf(alice.client)).find((session) => session.device === 'phone')!.id;
		phone.client.close();
		await phone.client.waitClosed();
		const { store } = use.server.server;
		const phoneOnline = async () => (await sessionsOf(alice.client)).find((session) => session.id === id)!.online;
		const deadline = Date.now() + 3000;
		while ((await phoneOnline()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
		expect(await phoneOnline()).toBe(false);
		// As an instance that died four minutes ago would have left it: counted, but not seen since.
		await store.sessionConnected(id, 1, new Date(Date.now() - 4 * 60_000).toISOString());
		expect(await phoneOnline()).toBe(false);
		// A live instance marks it seen: it counts again.
		await store.sessionsSeen([id], new Date().toISOString());
		expect(await phoneOnline()).toBe(true);
	});

	it('revokes one session by id: its connection gets session.revoked and 4001, its token no longer logs in', async () => {
		const alice = await user();
		const phone = await loginAgain(alice, 'phone');
		const id = (await sessionsOf(alice.client)).find((session) => session.device === 'phone')!.id;
		const since = Date.now();
		await alice.client.ok('sessions.revoke', { session: id });
		await expectRevoked(phone.client, since);
		expectError(await tryLogin({ token: phone.token }), 'UNAUTHENTICATED');
		expect((await sessionsOf(alice.client)).map((session) => session.id)).not.toContain(id);
		// Gone now, and never anyone else's to revoke.
		expectError(await alice.client.request('sessions.revoke', { session: id }), 'NOT_FOUND');
		expectError(await alice.client.request('sessions.revoke', { session: 'no-such-session' }), 'NOT_FOUND');
		const bob = await user('b');
		const bobs = (await sessionsOf(bob.client))[0]!.id;
		expectError(await alice.client.request('sessions.revoke', { session: bobs }), 'NOT_FOUND');
		expect(bob.client.closed).toBeUndefined();
	});

	it('revokes all but the asking session with {all: true}', async () => {
		const alice = await user();
		const phone = await loginAgain(alice, 'phone');
		const laptop = await loginAgain(alice, 'laptop');
		const since = Date.now();
		await alice.client.ok('sessions.revoke', { all: true });
		await Promise.all([expectRevoked(phone.client, since), expectRevoked(laptop.client, since)]);
		expect((await sessionsOf(alice.client)).map((session) => session.current)).toEqual([true]);
		expect(alice.client.closed).toBeUndefined();
		expectError(await tryLogin({ token: laptop.token }), 'UNAUTHENTICATED');
	});

	it('revokes the asking session itself: ok first, then session.revoked and 4001', async () => {
		const alice = await user();
		const own = (await sessionsOf(alice.client))[0]!.id;
		const since = Date.now();
		const reply = await alice.client.request('sessions.revoke', { session: own });
		expect(reply.type).toBe('ok');
		await expectRevoked(alice.client, since);
		expect(alice.client.frames.slice(-2).map((frame) => frame.type)).toEqual(['ok', 'session.revoked']);
		expectError(await tryLogin({ token: alice.token }), 'UNAUTHENTICATED');
		expect((await tryLogin({ username: alice.name, password: PASSWORD })).type).toBe('ok');
	});
});

describe('account.delete', () => {
	const use = useServer();
	const { user, loginAgain, tryLogin, connect, befriend } = makeHelpers(use);

	it('refuses a wrong password, and a creator of groups with other members, naming the groups', async () => {
		const alice = await user();
		const bob = await user('b');
		const team = uniqueName('team');
		const ops = uniqueName('ops');
		for (const name of [team, ops]) {
			await alice.client.ok('groups.create', { visibility: 'public', name });
			await bob.client.ok('groups.join', { name });
		}
		await alice.client.ok('groups.create', { visibility: 'public', name: uniqueName('solo') });
		expectError(await alice.client.request('account.delete', { password: 'not my password' }), 'UNAUTHENTICATED');
		const reply = await alice.client.request('account.delete', { password: PASSWORD });
		expectError(reply, 'CONFLICT');
		const [first, second] = [team, ops].sort();
		expect(reply.message).toBe(`you created ${first}, ${second}: delete them or hand them over first`);
		// Nothing happened: still logged in, still a member.
		expect((await alice.client.ok('groups.list')).groups).toHaveLength(3);
	});

	it('deletes the account: friends and groups hear it leave, every session ends, the name stays taken, its messages stay marked', async () => {
		const alice = await user();
		const bob = await user('b');
		const carol = await user('c');
		await befriend(alice, bob);
		const club = uniqueName('club');
		await carol.client.ok('groups.create', { visibility: 'public', name: club });
		await alice.client.ok('groups.join', { name: club });
		const solo = uniqueName('solo');
		await alice.client.ok('groups.create', { visibility: 'public', name: solo });
		await alice.client.ok('send', { to: { user: bob.name }, text: 'remember me', cid: 'cid-delete-1' });
		await alice.client.ok('send', { to: { group: club }, text: 'bye all', cid: 'cid-delete-2' });
		const phone = await loginAgain(alice, 'phone');

		const since = Date.now();
		const reply = await alice.client.request('account.delete', { password: PASSWORD });
		expect(reply.type).toBe('ok');
		await Promise.all([expectRevoked(phone.client, since), alice.client.waitClosed()]);
		expect(alice.client.closed!.code).toBe(4001);

		expect(await bob.client.event('friend.update', (frame) => (frame.friend as { username: string }).username === alice.name)).toEqual({
			type: 'friend.update',
			friend: { username: alice.name, removed: true },
		});
		const left = await carol.client.event('group.update', (frame) => frame.event === 'left');
		expect(left).toMatchObject({ event: 'left', username: alice.name, group: { name: club } });

		expectError(await tryLogin({ username: alice.name, password: PASSWORD }), 'UNAUTHENTICATED', { message: /^wrong username or password$/ });
		expectError(await tryLogin({ token: alice.token }), 'UNAUTHENTICATED');
		const again = await connect();
		expectError(await again.request('register', { username: alice.name.toUpperCase(), password: PASSWORD }), 'CONFLICT');

		// What alice wrote stays, under her name, marked as from a deleted account.
		const direct = (await bob.client.ok('history', { with: { user: alice.name } })).messages as Array<Record<string, unknown>>;
		expect(direct.map((message) => [message.from, message.text, message.senderDeleted])).toEqual([[alice.name, 'remember me', true]]);
		const group = (await carol.client.ok('history', { with: { group: club } })).messages as Array<Record<string, unknown>>;
		expect(group.map((message) => [message.from, message.senderDeleted])).toEqual([[alice.name, true]]);
		// Gone as a member, a friend, a name to find or befriend; the lone group went with it.
		const members = (await carol.client.ok('groups.members', { name: club })).members as Array<{ username: string }>;
		expect(members.map((member) => member.username)).toEqual([carol.name]);
		expect((await bob.client.ok('friends.list')).friends).toEqual([]);
		expect((await bob.client.ok('users.find', { query: alice.name })).users).toEqual([]);
		expectError(await bob.client.request('friends.request', { username: alice.name }), 'NOT_FOUND');
		expectError(await bob.client.request('groups.join', { name: solo }), 'NOT_FOUND');
	});
});

describe('password hashes', () => {
	const use = useServer();
	const { tryLogin } = makeHelpers(use);

	it('are made again at the current cost when a login finds an older one', async () => {
		const { store } = use.server.server;
		const name = uniqueName('old');
		const oldCost = { N: 512, r: 8, p: 1 };
		await store.createUser(name, await hashPassword(PASSWORD, oldCost));
		expect((await store.userByName(name))!.passwordHash).toMatch(/^scrypt\$512\$8\$1\$/);
		expectError(await tryLogin({ username: name, password: 'not the password' }), 'UNAUTHENTICATED');
		// A failed login does not touch it.
		expect((await store.userByName(name))!.passwordHash).toMatch(/^scrypt\$512\$8\$1\$/);
		expect((await tryLogin({ username: name, password: PASSWORD })).type).toBe('ok');
		const { N, r, p } = TEST_PASSWORD_COST;
		const upgraded = (await store.userByName(name))!.passwordHash;
		expect(upgraded.startsWith(`scrypt$${N}$${r}$${p}$`)).toBe(true);
		// The same password still logs in, and the hash is left alone now.
		expect((await tryLogin({ username: name, password: PASSWORD })).type).toBe('ok');
		expect((await store.userByName(name))!.passwordHash).toBe(upgraded);
	});
});

describe('hashes at once', () => {
	it('a semaphore runs at most its limit of tasks at once, the rest in arrival order', async () => {
		const semaphore = new Semaphore(2);
		let running = 0;
		let most = 0;
		const started: number[] = [];
		const releases: Array<() => void> = [];
		const tasks = Array.from({ length: 6 }, (_, index) =>
			semaphore.run(async () => {
				started.push(index);
				most = Math.max(most, ++running);
				await new Promise<void>((resolve) => releases.push(resolve));
				running--;
				return index;
			}),
		);
		await new Promise((resolve) => setImmediate(resolve));
		expect([semaphore.active, semaphore.queued]).toEqual([2, 4]);
		while (started.length < 6 || releases.length > 0) {
			releases.shift()?.();
			await new Promise((resolve) => setImmediate(resolve));
		}
		expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
		expect(started).toEqual([0, 1, 2, 3, 4, 5]);
		expect(most).toBe(2);
		expect([semaphore.active, semaphore.queued]).toEqual([0, 0]);
	});

	it('a failing task frees its slot', async () => {
		const semaphore = new Semaphore(1);
		await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
		expect(await semaphore.run(async () => 'next')).toBe('next');
	});

	it('password hashing goes through one process-wide bound', async () => {
		expect(hashing.limit).toBe(HASH_CONCURRENCY);
		expect(HASH_CONCURRENCY).toBeGreaterThanOrEqual(2);
		expect(HASH_CONCURRENCY).toBeLessThanOrEqual(4);
		const burst = Array.from({ length: 8 }, () => hashPassword(PASSWORD, TEST_PASSWORD_COST));
		expect(hashing.active).toBe(HASH_CONCURRENCY);
		expect(hashing.queued).toBe(8 - HASH_CONCURRENCY);
		expect(new Set(await Promise.all(burst)).size).toBe(8);
		expect([hashing.active, hashing.queued]).toEqual([0, 0]);
	});
});
