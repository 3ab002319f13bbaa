/**
 * Finding users and making friends on the wire: users.find and the friends.* ops
 * with the events each side gets.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server/server.js';
import { Cluster, inCi, missingServices } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';
import { expectError, ISO_UTC, PASSWORD, sleep, uniqueCid, uniqueName, until, useServer, type WireFriend, wireHelpers, type WireRequest, type WireUser } from './helpers/wire.js';

describe('users.find', () => {
	const server = useServer();
	const { connect, user, befriend } = wireHelpers(server);

	/** A query key no other test uses, with no `_` in it: nothing in it but letters and digits to match. */
	const uniqueKey = (prefix: string) => uniqueName(prefix).replace('_', 'x');

	async function registerNamed(name: string): Promise<WireUser> {
		const client = await connect();
		const reply = await client.ok('register', { username: name, password: PASSWORD });
		return { client, name, token: reply.token as string };
	}

	it('matches names containing the query, case-insensitively, prefix matches first', async () => {
		const key = uniqueKey('fq');
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
		const key = uniqueKey('tw');
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

	/** What users.find says of each name matching the key: `online`, or "absent" when the field is left out. */
	async function presenceFound(asker: WireUser, key: string): Promise<Record<string, boolean | 'absent'>> {
		const users = (await asker.client.ok('users.find', { query: key })).users as Array<{ username: string; online?: boolean }>;
		return Object.fromEntries(users.map((entry) => [entry.username, 'online' in entry ? entry.online! : 'absent']));
	}

	it("reports a friend's presence, online and offline", async () => {
		const key = uniqueKey('on');
		const online = await registerNamed(`${key}_on`);
		const offline = await registerNamed(`${key}_off`);
		const loggedOut = await registerNamed(`${key}_out`);
		const asker = await user();
		for (const friend of [online, offline, loggedOut]) await befriend(asker, friend);
		offline.client.close();
		await offline.client.waitClosed();
		await loggedOut.client.ok('logout');
		await until(async () => (await presenceFound(asker, key))[offline.name] === false, 'the closed session to count as offline');
		expect(await presenceFound(asker, key)).toEqual({ [online.name]: true, [offline.name]: false, [loggedOut.name]: false });
	});

	it("reports a co-member's presence, not a stranger's (online is absent)", async () => {
		const key = uniqueKey('cm');
		const member = await registerNamed(`${key}_member`);
		const gone = await registerNamed(`${key}_gone`);
		const stranger = await registerNamed(`${key}_stranger`);
		const offlineStranger = await registerNamed(`${key}_quiet`);
		await offlineStranger.client.ok('logout');
		const asker = await user();
		const group = uniqueName('g');
		await member.client.ok('groups.create', { visibility: 'public', name: group });
		await asker.client.ok('groups.join', { name: group });
		await gone.client.ok('groups.join', { name: group });
		await gone.client.ok('logout');
		expect(await presenceFound(asker, key)).toEqual({
			[member.name]: true,
			[gone.name]: false,
			[stranger.name]: 'absent',
			[offlineStranger.name]: 'absent',
		});
		// Leaving the group makes them strangers again; a friendship in one direction is the other's too.
		await asker.client.ok('groups.leave', { name: group });
		expect((await presenceFound(asker, key))[member.name]).toBe('absent');
		await befriend(stranger, asker);
		expect((await presenceFound(asker, key))[stranger.name]).toBe(true);
		expect((await presenceFound(stranger, asker.name))[asker.name]).toBe(true);
	});
});

describe('friends', () => {
	const server = useServer();
	const { connect, user, session, befriend } = wireHelpers(server);

	async function list(of: WireUser): Promise<{ friends: WireFriend[]; requests: WireRequest[] }> {
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

	it('decline tells the asker, on every session, with friend.update {username, declined: true}', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const { client: alicePhone } = await session(alice);
		const { client: bobPhone } = await session(bob);
		await alice.client.ok('friends.request', { username: bob.name });
		await bob.client.ok('friends.decline', { username: alice.name });
		for (const client of [alice.client, alicePhone]) {
			const update = await client.event('friend.update');
			expect(update.friend).toEqual({ username: bob.name, declined: true });
		}
		// Nobody else hears of it: not the decliner's sessions, not a stranger.
		await sleep(100);
		for (const client of [bob.client, bobPhone, carol.client]) expect(client.events('friend.update')).toEqual([]);
		expect((await list(alice)).requests).toEqual([]);
	});

	it('the asker hears of a decline even while ignoring the decliner (a request both share)', async () => {
		const alice = await user();
		const bob = await user();
		await alice.client.ok('friends.request', { username: bob.name });
		await alice.client.ok('ignore.add', { username: bob.name });
		await bob.client.ok('friends.decline', { username: alice.name });
		expect((await alice.client.event('friend.update')).friend).toEqual({ username: bob.name, declined: true });
	});

	it('remove of a request one sent withdraws it: both lists lose it, the other side and the asker\'s other sessions are told', async () => {
		const alice = await user();
		const bob = await user();
		const { client: alicePhone } = await session(alice);
		await alice.client.ok('friends.request', { username: bob.name });
		await bob.client.event('friend.request');
		await alice.client.ok('friends.remove', { username: bob.name });
		expect((await bob.client.event('friend.update')).friend).toEqual({ username: alice.name, removed: true });
		expect((await alicePhone.event('friend.update')).friend).toEqual({ username: bob.name, removed: true });
		expect((await list(alice)).requests).toEqual([]);
		expect((await list(bob)).requests).toEqual([]);
		expectError(await bob.client.request('friends.accept', { username: alice.name }), 'NOT_FOUND');
		// Withdrawn once; a second time there is nothing to withdraw.
		expectError(await alice.client.request('friends.remove', { username: bob.name }), 'NOT_FOUND');
		// The one asked cannot withdraw a request they did not send (they decline it).
		await alice.client.ok('friends.request', { username: bob.name });
		expectError(await bob.client.request('friends.remove', { username: alice.name }), 'NOT_FOUND');
		expect((await list(bob)).requests).toEqual([{ from: alice.name, to: bob.name, ts: expect.stringMatching(ISO_UTC) }]);
	});

	it('a withdrawn request is not told to someone who ignores the asker (they never saw it)', async () => {
		const alice = await user();
		const bob = await user();
		await bob.client.ok('ignore.add', { username: alice.name });
		await alice.client.ok('friends.request', { username: bob.name });
		await alice.client.ok('friends.remove', { username: bob.name });
		await sleep(150);
		expect(bob.client.events('friend.request')).toEqual([]);
		expect(bob.client.events('friend.update')).toEqual([]);
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

/** The requests a user sent that wait on an answer, as `requests` carries them (`from` is the user), by name. */
function sentBy(name: string, requests: WireRequest[]): string[] {
	return requests
		.filter((request) => request.from === name)
		.map((request) => request.to)
		.sort();
}

describe('outgoing friend requests', () => {
	const server = useServer();
	const { user, session } = wireHelpers(server);

	it('are in login\'s and friends.list\'s requests, also after a server restart, until answered or withdrawn', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const dave = await user();
		for (const other of [bob, carol, dave]) await alice.client.ok('friends.request', { username: other.name });
		const both = async () => {
			const { login } = await session(alice);
			const listed = await alice.client.ok('friends.list');
			return { login: sentBy(alice.name, login.requests as WireRequest[]), list: sentBy(alice.name, listed.requests as WireRequest[]) };
		};
		const all = [bob.name, carol.name, dave.name].sort();
		expect(await both()).toEqual({ login: all, list: all });

		await server.server.restart();
		alice.client = (await session(alice)).client;
		expect(await both()).toEqual({ login: all, list: all });

		// Answered either way, or withdrawn: no longer waiting.
		const { client: bobAgain } = await session(bob);
		await bobAgain.ok('friends.accept', { username: alice.name });
		const { client: carolAgain } = await session(carol);
		await carolAgain.ok('friends.decline', { username: alice.name });
		await alice.client.ok('friends.remove', { username: dave.name });
		expect(await both()).toEqual({ login: [], list: [] });
	});
});

const missing = await missingServices(false);

// Without PostgreSQL and Redis this runs only under CI, where it must fail rather than skip (as the cluster tests do).
describe.skipIf(missing.length > 0 && !inCi)('friend requests on two instances sharing PostgreSQL and Redis', () => {
	const cluster = new Cluster({ presenceTtl: 20, presenceCheck: 5 });
	const servers: RunningServer[] = [];
	const clients: RawClient[] = [];
	beforeAll(async () => {
		await cluster.prepare();
		const common = cluster.inProcessOptions();
		servers.push(await startServer({ ...common, instanceId: `friends-a-${cluster.run}` }));
		servers.push(await startServer({ ...common, instanceId: `friends-b-${cluster.run}` }));
	});
	afterEach(() => {
		for (const client of clients.splice(0)) client.close();
	});
	afterAll(async () => {
		await Promise.all(servers.splice(0).map((server) => server.close()));
		await cluster.cleanup();
	});

	async function userOn(server: RunningServer, prefix: string): Promise<WireUser> {
		const client = await RawClient.connect(server.url);
		clients.push(client);
		const name = uniqueName(prefix);
		const reply = await client.ok('register', { username: name, password: PASSWORD });
		return { client, name, token: reply.token as string };
	}

	async function loginOn(server: RunningServer, who: WireUser): Promise<{ client: RawClient; requests: WireRequest[] }> {
		const client = await RawClient.connect(server.url);
		clients.push(client);
		const login = await client.ok('login', { token: who.token });
		return { client, requests: login.requests as WireRequest[] };
	}

	it('a decline on one instance reaches the asker on the other; outgoing requests are listed from either', async () => {
		const [a, b] = servers as [RunningServer, RunningServer];
		const alice = await userOn(a, 'alice');
		const bob = await userOn(b, 'bob');
		const carol = await userOn(b, 'carol');
		await alice.client.ok('friends.request', { username: bob.name });
		await alice.client.ok('friends.request', { username: carol.name });
		const elsewhere = await loginOn(b, alice);
		expect(sentBy(alice.name, elsewhere.requests)).toEqual([bob.name, carol.name].sort());
		expect(sentBy(alice.name, (await elsewhere.client.ok('friends.list')).requests as WireRequest[])).toEqual([bob.name, carol.name].sort());

		await bob.client.ok('friends.decline', { username: alice.name });
		for (const client of [alice.client, elsewhere.client]) {
			expect((await client.event('friend.update')).friend).toEqual({ username: bob.name, declined: true });
		}
		expect(sentBy(alice.name, (await alice.client.ok('friends.list')).requests as WireRequest[])).toEqual([carol.name]);
	});
});
