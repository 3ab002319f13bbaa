/**
 * Groups on the wire: create, join, members, list, leave and delete, with the
 * events the members get.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import { expectError, uniqueName, until, useServer, type WireGroup, wireHelpers, type WireMember, type WireUser } from './helpers/wire.js';

describe('groups', () => {
	const server = useServer();
	const { user } = wireHelpers(server);

	async function members(of: WireUser, name: string): Promise<WireMember[]> {
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
		await alice.client.ok('groups.create', { visibility: 'public', name, description: 'd' });
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
		await alice.client.ok('groups.create', { visibility: 'public', name });
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
		await alice.client.ok('groups.create', { visibility: 'public', name: mine, description: 'mine' });
		await bob.client.ok('groups.create', { visibility: 'public', name: theirs, description: 'theirs' });
		await bob.client.ok('groups.create', { visibility: 'public', name: other });
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
		await alice.client.ok('groups.create', { visibility: 'public', name });
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
		// The creator of a group with others in it cannot leave (they transfer it or delete it first).
		expectError(await alice.client.request('groups.leave', { name }), 'CONFLICT');
		expect((await members(alice, name)).map((member) => member.role).sort()).toEqual(['creator', 'normal']);
	});

	it('only the creator deletes; members are told and the group is gone', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const name = uniqueName('Del');
		await alice.client.ok('groups.create', { visibility: 'public', name });
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
		await carol.client.ok('groups.create', { visibility: 'public', name });
	});
});
