/**
 * Read state and typing on the wire: unread counts per session and per group
 * member, and typing events that are never stored.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import { RawClient } from './helpers/raw-client.js';
import { expectError, sleep, uniqueCid, uniqueName, useServer, wireHelpers, type WireMessage, type WireUser } from './helpers/wire.js';

describe('read state and typing', () => {
	const server = useServer();
	const { connect, user, session, befriend } = wireHelpers(server);

	async function sendTexts(from: WireUser, to: { user: string } | { group: string }, count: number): Promise<void> {
		for (let index = 0; index < count; index++) {
			await from.client.ok('send', { to, text: `note ${index + 1}`, cid: uniqueCid() });
		}
	}

	const unreadOf = async (who: WireUser | RawClient) =>
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
		const { client: phone } = await session(bob);
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
		await carol.client.ok('groups.create', { visibility: 'public', name: group });
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
		const { client: alicePhone } = await session(alice);
		await alice.client.ok('typing', { to: { user: bob.name } });
		expect(await bob.client.event('typing')).toEqual({ type: 'typing', from: alice.name, to: { user: bob.name } });
		expectError(await stranger.client.request('typing', { to: { user: alice.name } }), 'FORBIDDEN');

		const group = uniqueName('Typing');
		await alice.client.ok('groups.create', { visibility: 'public', name: group });
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
