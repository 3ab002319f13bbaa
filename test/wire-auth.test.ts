/**
 * Register, login and logout on the wire: which ops need a login, and what a
 * login hands back.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import { OPS, type Op } from '../source/protocol/index.js';
import { expectError, ISO_UTC, PASSWORD, uniqueName, useServer, wireHelpers, type WireRequest } from './helpers/wire.js';

describe('authentication', () => {
	const server = useServer();
	const { connect, user } = wireHelpers(server);

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
		'groups.invite': { name: 'somegroup', username: 'someone' },
		'groups.decline': { name: 'somegroup' },
		'groups.kick': { name: 'somegroup', username: 'someone' },
		'groups.ban': { name: 'somegroup', username: 'someone' },
		'groups.unban': { name: 'somegroup', username: 'someone' },
		'groups.bans': { name: 'somegroup' },
		'groups.role': { name: 'somegroup', username: 'someone', role: 'admin' },
		'groups.transfer': { name: 'somegroup', username: 'someone' },
		'groups.update': { name: 'somegroup', description: 'd' },
		'groups.browse': { query: 'some' },
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
