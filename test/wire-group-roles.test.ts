/**
 * Private groups, invites, roles, kick and ban on the wire (issue 15): each
 * op allowed and refused per role, and a stranger kept out of a private
 * group by every route. Raw JSON frames over plain sockets (RawClient).
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server.js';
import { RawClient } from './helpers/raw-client.js';
import { expectError, PASSWORD, sleep, uniqueCid, uniqueName, useServer, wireHelpers, type WireUser } from './helpers/wire.js';

type Frame = Record<string, unknown>;

describe('group roles', () => {
	const server = useServer();
	const { user, session } = wireHelpers(server);

	/** A group of `creator` with these members (joined public, then made private unless asked otherwise). */
	async function groupOf(creator: WireUser, members: WireUser[], visibility: 'private' | 'public' = 'private'): Promise<string> {
		const name = uniqueName('G');
		await creator.client.ok('groups.create', { name, visibility: 'public' });
		for (const member of members) await member.client.ok('groups.join', { name });
		if (visibility === 'private') await creator.client.ok('groups.update', { name, visibility: 'private' });
		return name;
	}

	const roleOf = async (asker: WireUser, name: string, username: string) =>
		((await asker.client.ok('groups.members', { name })).members as Array<{ username: string; role: string }>).find(
			(member) => member.username === username,
		)?.role;

	const send = (from: WireUser, group: string, text: string) =>
		from.client.request('send', { to: { group }, text, cid: uniqueCid() });

	/** Every route into a group's content, each as the user asks it. */
	async function expectShutOut(who: WireUser, name: string): Promise<void> {
		const client = who.client;
		expectError(await client.request('history', { with: { group: name } }), 'FORBIDDEN');
		expectError(await client.request('search', { query: 'secret', with: { group: name } }), 'FORBIDDEN');
		expectError(await client.request('groups.members', { name }), 'FORBIDDEN');
		expectError(await client.request('read', { with: { group: name }, seq: 1 }), 'FORBIDDEN');
		expectError(await client.request('typing', { to: { group: name } }), 'FORBIDDEN');
		expectError(await send(who, name, 'let me in'), 'FORBIDDEN');
		const sha256 = 'a'.repeat(64);
		expectError(await client.request('files.upload', { to: { group: name }, name: 'x.txt', size: 1, mime: 'text/plain', sha256 }), 'FORBIDDEN');
		// A search of everything finds nothing of the group.
		const all = await client.ok('search', { query: 'secret' });
		expect((all.messages as Array<{ to: Frame }>).filter((message) => message.to.group === name)).toEqual([]);
	}

	it('a new group is private; a stranger cannot join it or read it by any route, nor find it by browsing', async () => {
		const alice = await user();
		const stranger = await user();
		const name = uniqueName('Payroll');
		const created = await alice.client.ok('groups.create', { name, description: 'salaries' });
		expect(created.group).toMatchObject({ name, visibility: 'private', members: 1, role: 'creator' });
		await send(alice, name, 'the secret numbers');
		const refused = await stranger.client.request('groups.join', { name });
		expectError(refused, 'FORBIDDEN');
		expect(String(refused.message)).not.toContain('salaries');
		await expectShutOut(stranger, name);
		// Asked in another case, a refusal names the group as asked: nothing of how it is stored.
		const asked = name.toLowerCase();
		for (const answer of [
			await stranger.client.request('groups.join', { name: asked }),
			await stranger.client.request('history', { with: { group: asked } }),
			await send(stranger, asked, 'let me in'),
		]) {
			expectError(answer, 'FORBIDDEN');
			expect(String(answer.message)).toContain(asked);
			expect(String(answer.message)).not.toContain(name);
		}
		const browsed = await stranger.client.ok('groups.browse', { query: name });
		expect(browsed.groups).toEqual([]);
		// A group that does not exist is NOT_FOUND, as before (a taken name is no secret: create says CONFLICT).
		expectError(await stranger.client.request('groups.join', { name: uniqueName('nogroup') }), 'NOT_FOUND');
	});

	it('invite → join of a private group; the invitee is told live and at login; decline ends an invite', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const name = await groupOf(alice, [carol]);
		await alice.client.ok('groups.invite', { name, username: bob.name });
		expect(await bob.client.event('group.invite')).toMatchObject({ group: name, from: alice.name });
		const seen = await carol.client.event('group.update', (frame) => frame.event === 'invited');
		expect(seen).toMatchObject({ event: 'invited', username: bob.name, by: alice.name, group: { name } });
		const again = await session(bob);
		expect(again.login.invites).toEqual([{ group: name, from: alice.name, ts: expect.any(String) }]);

		const joined = await bob.client.ok('groups.join', { name });
		expect(joined.group).toMatchObject({ name, role: 'normal', visibility: 'private', members: 3 });
		expect((await session(bob)).login.invites).toEqual([]);
		// Joining accepted the invite: after leaving, bob cannot come back without a new one.
		await bob.client.ok('groups.leave', { name });
		expectError(await bob.client.request('groups.join', { name }), 'FORBIDDEN');

		await alice.client.ok('groups.invite', { name, username: bob.name });
		await bob.client.ok('groups.decline', { name });
		expectError(await bob.client.request('groups.decline', { name }), 'NOT_FOUND');
		expectError(await bob.client.request('groups.join', { name }), 'FORBIDDEN');
		expectError(await alice.client.request('groups.invite', { name, username: carol.name }), 'CONFLICT');
		expectError(await alice.client.request('groups.invite', { name, username: uniqueName('ghost') }), 'NOT_FOUND');
	});

	it('who may invite: creator and admins; a normal member only in a public group; a stranger never', async () => {
		const alice = await user();
		const admin = await user();
		const normal = await user();
		const x = await user();
		const stranger = await user();
		const name = await groupOf(alice, [admin, normal]);
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		expectError(await normal.client.request('groups.invite', { name, username: x.name }), 'FORBIDDEN');
		expectError(await stranger.client.request('groups.invite', { name, username: x.name }), 'FORBIDDEN');
		await admin.client.ok('groups.invite', { name, username: x.name });
		expect(await x.client.event('group.invite')).toMatchObject({ group: name, from: admin.name });

		const open = await groupOf(alice, [normal], 'public');
		await normal.client.ok('groups.invite', { name: open, username: x.name });
		expect(await x.client.event('group.invite', (frame) => frame.group === open)).toMatchObject({ from: normal.name });
	});

	it('an invite ends when the inviter loses the right to invite, or the group is deleted', async () => {
		const alice = await user();
		const admin = await user();
		const bob = await user();
		const carol = await user();
		const name = await groupOf(alice, [admin]);
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		await admin.client.ok('groups.invite', { name, username: bob.name });
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'normal' });
		expect((await session(bob)).login.invites).toEqual([]);
		expectError(await bob.client.request('groups.join', { name }), 'FORBIDDEN');

		const other = await groupOf(alice, []);
		await alice.client.ok('groups.invite', { name: other, username: carol.name });
		await alice.client.ok('groups.delete', { name: other });
		expect((await session(carol)).login.invites).toEqual([]);
	});

	it('kick: admins kick normal members only, the creator anyone; normal members and strangers never', async () => {
		const alice = await user();
		const admin = await user();
		const admin2 = await user();
		const bob = await user();
		const carol = await user();
		const stranger = await user();
		const name = await groupOf(alice, [admin, admin2, bob, carol]);
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		await alice.client.ok('groups.role', { name, username: admin2.name, role: 'admin' });
		expectError(await bob.client.request('groups.kick', { name, username: carol.name }), 'FORBIDDEN');
		expectError(await stranger.client.request('groups.kick', { name, username: carol.name }), 'FORBIDDEN');
		expectError(await admin.client.request('groups.kick', { name, username: admin2.name }), 'FORBIDDEN');
		expectError(await admin.client.request('groups.kick', { name, username: alice.name }), 'FORBIDDEN');
		expectError(await admin.client.request('groups.kick', { name, username: stranger.name }), 'NOT_FOUND');
		await admin.client.ok('groups.kick', { name, username: bob.name });
		const told = await carol.client.event('group.update', (frame) => frame.event === 'kicked');
		expect(told).toMatchObject({ username: bob.name, by: admin.name, group: { name, members: 4 } });
		expect(await bob.client.event('group.update', (frame) => frame.event === 'kicked')).toMatchObject({ username: bob.name });
		await alice.client.ok('groups.kick', { name, username: admin2.name });
		expect(await roleOf(alice, name, admin2.name)).toBeUndefined();
		await expectShutOut(bob, name);
	});

	it('a kicked member stops getting messages, typing and presence at once on every session, and cannot rejoin a private group', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const name = await groupOf(alice, [bob, carol]);
		const second = await session(bob);
		await send(alice, name, 'before');
		await second.client.event('message');
		await alice.client.ok('typing', { to: { group: name } });
		await second.client.event('typing');
		await alice.client.ok('groups.kick', { name, username: bob.name });
		await second.client.event('group.update', (frame) => frame.event === 'kicked');
		await send(alice, name, 'after');
		await alice.client.ok('typing', { to: { group: name } });
		// carol's last session ends: alice, still in the group with her, is told; bob no longer is.
		carol.client.close();
		await alice.client.event('presence', (frame) => frame.username === carol.name && frame.online === false);
		await sleep(200);
		for (const client of [bob.client, second.client]) {
			expect(client.events('message').map((event) => (event.message as Frame).text)).toEqual(['before']);
			expect(client.events('presence').filter((frame) => frame.username === carol.name)).toEqual([]);
		}
		expect(second.client.events('typing')).toHaveLength(1);
		expectError(await bob.client.request('groups.join', { name }), 'FORBIDDEN');
	});

	it('ban: removes at once, outlives leave and rejoin of a public group, invites fail; unban and bans for moderators only', async () => {
		const alice = await user();
		const admin = await user();
		const bob = await user();
		const carol = await user();
		const name = await groupOf(alice, [admin, bob, carol], 'public');
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		const second = await session(bob);
		expectError(await carol.client.request('groups.ban', { name, username: bob.name }), 'FORBIDDEN');
		expectError(await admin.client.request('groups.ban', { name, username: alice.name }), 'FORBIDDEN');
		await admin.client.ok('groups.ban', { name, username: bob.name });
		expectError(await admin.client.request('groups.ban', { name, username: bob.name }), 'CONFLICT');
		const told = await carol.client.event('group.update', (frame) => frame.event === 'banned');
		expect(told).toMatchObject({ username: bob.name, by: admin.name });
		await second.client.event('group.update', (frame) => frame.event === 'banned');
		await send(alice, name, 'after the ban');
		await sleep(200);
		expect(second.client.events('message')).toEqual([]);
		await expectShutOut(bob, name);
		expectError(await bob.client.request('groups.join', { name }), 'FORBIDDEN');
		expectError(await alice.client.request('groups.invite', { name, username: bob.name }), 'FORBIDDEN');
		expectError(await carol.client.request('groups.bans', { name }), 'FORBIDDEN');
		expect((await admin.client.ok('groups.bans', { name })).users).toEqual([{ username: bob.name }]);
		// A ban on one who is not a member (carol leaves, is banned, cannot rejoin).
		await carol.client.ok('groups.leave', { name });
		await alice.client.ok('groups.ban', { name, username: carol.name });
		expectError(await carol.client.request('groups.join', { name }), 'FORBIDDEN');
		expectError(await carol.client.request('groups.unban', { name, username: bob.name }), 'FORBIDDEN');
		await admin.client.ok('groups.unban', { name, username: bob.name });
		expectError(await admin.client.request('groups.unban', { name, username: bob.name }), 'NOT_FOUND');
		await bob.client.ok('groups.join', { name });
	});

	it('role and transfer: the creator only; transfer makes the old creator an admin', async () => {
		const alice = await user();
		const admin = await user();
		const bob = await user();
		const name = await groupOf(alice, [admin, bob]);
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		const told = await bob.client.event('group.update', (frame) => frame.event === 'role');
		expect(told).toMatchObject({ username: admin.name, by: alice.name, role: 'admin' });
		expectError(await admin.client.request('groups.role', { name, username: bob.name, role: 'admin' }), 'FORBIDDEN');
		expectError(await bob.client.request('groups.transfer', { name, username: bob.name }), 'FORBIDDEN');
		expectError(await admin.client.request('groups.transfer', { name, username: admin.name }), 'FORBIDDEN');
		expectError(await alice.client.request('groups.role', { name, username: uniqueName('ghost'), role: 'admin' }), 'NOT_FOUND');
		expectError(await alice.client.request('groups.role', { name, username: alice.name, role: 'normal' }), 'BAD_REQUEST');
		expectError(await alice.client.request('groups.role', { name, username: bob.name, role: 'creator' }), 'BAD_REQUEST');

		await alice.client.ok('groups.transfer', { name, username: bob.name });
		expect(await roleOf(bob, name, bob.name)).toBe('creator');
		expect(await roleOf(bob, name, alice.name)).toBe('admin');
		const list = (await bob.client.ok('groups.list')).groups as Frame[];
		expect(list.find((group) => group.name === name)).toMatchObject({ creator: bob.name, role: 'creator' });
		// The old creator, now an admin, may leave; may no longer delete.
		expectError(await alice.client.request('groups.delete', { name }), 'FORBIDDEN');
		await alice.client.ok('groups.leave', { name });
	});

	it('update: creator and admins change the topic and visibility; members are told with by', async () => {
		const alice = await user();
		const admin = await user();
		const bob = await user();
		const name = await groupOf(alice, [admin, bob]);
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		expectError(await bob.client.request('groups.update', { name, description: 'mine now' }), 'FORBIDDEN');
		expectError(await admin.client.request('groups.update', { name }), 'BAD_REQUEST');
		const reply = await admin.client.ok('groups.update', { name, description: 'deploys', visibility: 'public' });
		expect(reply.group).toMatchObject({ name, description: 'deploys', visibility: 'public' });
		const told = await bob.client.event('group.update', (frame) => frame.event === 'updated' && (frame.group as Frame).visibility === 'public');
		expect(told).toMatchObject({ username: admin.name, by: admin.name, group: { description: 'deploys' } });
		expectError(await admin.client.request('groups.update', { name, description: 'bad\u001b[31m' }), 'BAD_REQUEST');
	});

	it('leave: the creator cannot while others are in it; the last member leaving deletes the group', async () => {
		const alice = await user();
		const bob = await user();
		const name = await groupOf(alice, [bob]);
		expectError(await alice.client.request('groups.leave', { name }), 'CONFLICT');
		await bob.client.ok('groups.leave', { name });
		await alice.client.ok('groups.leave', { name });
		expectError(await alice.client.request('groups.members', { name }), 'NOT_FOUND');
		// The name is free again.
		await bob.client.ok('groups.create', { name });
	});

	it('delete: the creator only', async () => {
		const alice = await user();
		const admin = await user();
		const name = await groupOf(alice, [admin]);
		await alice.client.ok('groups.role', { name, username: admin.name, role: 'admin' });
		expectError(await admin.client.request('groups.delete', { name }), 'FORBIDDEN');
		await alice.client.ok('groups.delete', { name });
	});

	it('browse lists public groups only, by name or description, most members first', async () => {
		const alice = await user();
		const others = await Promise.all([user(), user(), user()]);
		const tag = uniqueName('tag').toLowerCase();
		const small = uniqueName('Small');
		const big = uniqueName('Big');
		const hidden = uniqueName('Hidden');
		await alice.client.ok('groups.create', { name: small, description: `about ${tag}`, visibility: 'public' });
		await alice.client.ok('groups.create', { name: big, description: `more ${tag}`, visibility: 'public' });
		await alice.client.ok('groups.create', { name: hidden, description: `secret ${tag}` });
		for (const other of others) await other.client.ok('groups.join', { name: big });
		const reply = await others[0]!.client.ok('groups.browse', { query: tag.toUpperCase() });
		expect(reply.groups).toEqual([
			{ name: big, description: `more ${tag}`, members: 4 },
			{ name: small, description: `about ${tag}`, members: 1 },
		]);
		const byName = await others[0]!.client.ok('groups.browse', { query: small });
		expect(byName.groups).toEqual([{ name: small, description: `about ${tag}`, members: 1 }]);
		const everything = await others[0]!.client.ok('groups.browse', {});
		expect((everything.groups as Frame[]).length).toBeLessThanOrEqual(50);
		expect((everything.groups as Frame[]).some((group) => group.name === hidden)).toBe(false);
	});
});

describe('group invites across a restart', () => {
	it('a pending invite survives a server restart and comes in login', async () => {
		const own = await startTestServer();
		const clients: RawClient[] = [];
		const connect = async () => {
			const client = await RawClient.connect(own.url);
			clients.push(client);
			return client;
		};
		try {
			const alice = await connect();
			const bob = await connect();
			const [aliceName, bobName, name] = [uniqueName('a'), uniqueName('b'), uniqueName('G')];
			await alice.ok('register', { username: aliceName, password: PASSWORD });
			await bob.ok('register', { username: bobName, password: PASSWORD });
			await alice.ok('groups.create', { name });
			await alice.ok('groups.invite', { name, username: bobName });
			for (const client of clients.splice(0)) client.close();
			await own.restart();
			const again = await connect();
			const login = await again.ok('login', { username: bobName, password: PASSWORD });
			expect(login.invites).toEqual([{ group: name, from: aliceName, ts: expect.any(String) }]);
			await again.ok('groups.join', { name });
		} finally {
			for (const client of clients) client.close();
			await own.stop();
		}
	});
});
