/**
 * Ignore lists over the wire (raw JSON frames, RawClient): nothing of an
 * ignored user reaches the one who ignores them, and nothing tells the
 * ignored user.
 */
import { describe, expect, it } from 'vitest';
import { RawClient, type Frame } from './helpers/raw-client.js';
import { expectError, uniqueCid, uniqueName, useServer, wireHelpers, type WireUser } from './helpers/wire.js';

interface WireMessage {
	id: string;
	seq: number;
	from: string;
	text: string;
}

type User = WireUser;

const { connect, user, session, befriend } = wireHelpers(useServer());

/** Closes the user's connection and waits until the server has let it go. */
async function goOffline(client: RawClient): Promise<void> {
	client.close();
	await client.waitClosed();
}

async function send(from: User | RawClient, to: { user: string } | { group: string }, text: string): Promise<WireMessage> {
	const client = from instanceof RawClient ? from : from.client;
	return (await client.ok('send', { to, text, cid: uniqueCid() })).message as WireMessage;
}

function messageTexts(client: RawClient): string[] {
	return client.events('message').map((event) => (event.message as WireMessage).text);
}

function texts(reply: Frame): string[] {
	return (reply.messages as WireMessage[]).map((message) => message.text);
}

/** A group with these members, the first its creator. */
async function group(creator: User, ...others: User[]): Promise<string> {
	const name = uniqueName('g');
	await creator.client.ok('groups.create', { visibility: 'public', name });
	for (const other of others) await other.client.ok('groups.join', { name });
	return name;
}

function unreadWith(reply: Frame, peer: { user: string } | { group: string }): number | undefined {
	const states = (reply.conversations ?? reply.unread) as Array<{ with: unknown; unread: number }>;
	return states.find((state) => JSON.stringify(state.with) === JSON.stringify(peer))?.unread;
}

describe('ignore.add, ignore.remove, ignore.list', () => {
	it('keeps the list on the server, sorted by name, for every session of the user', async () => {
		const alice = await user('a');
		const zed = await user('z');
		const bob = await user('b');
		await alice.client.ok('ignore.add', { username: zed.name });
		// Names are matched case-insensitively and listed as registered.
		await alice.client.ok('ignore.add', { username: bob.name.toUpperCase() });
		const phone = await session(alice);
		expect((await phone.client.ok('ignore.list')).users).toEqual([{ username: bob.name }, { username: zed.name }]);
		await phone.client.ok('ignore.remove', { username: zed.name });
		expect((await alice.client.ok('ignore.list')).users).toEqual([{ username: bob.name }]);
		expect((await zed.client.ok('ignore.list')).users).toEqual([]);
	});

	it('refuses an unknown user, oneself, a second ignore and removing one not ignored', async () => {
		const alice = await user();
		const bob = await user();
		expectError(await alice.client.request('ignore.add', { username: uniqueName('nobody') }), 'NOT_FOUND');
		expectError(await alice.client.request('ignore.add', { username: alice.name }), 'BAD_REQUEST');
		expectError(await alice.client.request('ignore.remove', { username: bob.name }), 'NOT_FOUND');
		expectError(await alice.client.request('ignore.remove', { username: uniqueName('nobody') }), 'NOT_FOUND');
		await alice.client.ok('ignore.add', { username: bob.name });
		expectError(await alice.client.request('ignore.add', { username: bob.name }), 'CONFLICT');
		expectError(await alice.client.request('ignore.add', { username: 'bad name!' }), 'BAD_REQUEST');
	});

	it('tells nobody else: the ignored user gets no frame of it', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const before = bob.client.frames.length;
		await alice.client.ok('ignore.add', { username: bob.name });
		await alice.client.ok('ignore.remove', { username: bob.name });
		await bob.client.ok('friends.list');
		expect(bob.client.frames.slice(before).filter((frame) => !('re' in frame))).toEqual([]);
	});
});

describe('direct messages from an ignored friend', () => {
	it('are stored and echoed to the sender as usual, but not delivered, found, counted or replayed', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await befriend(alice, bob);
		await befriend(alice, carol);
		const bobPhone = await session(bob);
		await alice.client.ok('ignore.add', { username: bob.name });
		const bobSeen = bob.client.frames.length;

		const word = uniqueName('w');
		const ignored = await send(bob, { user: alice.name }, `${word} live from bob`);
		// The sender's own view is the ordinary one: the message, and the echo on another device.
		expect(ignored).toMatchObject({ from: bob.name, text: `${word} live from bob` });
		await bobPhone.client.event('message', (event) => (event.message as WireMessage).id === ignored.id);
		// A message sent after it from someone else arrives: had bob's been delivered, it would be here first.
		await send(carol, { user: alice.name }, 'from carol');
		await alice.client.event('message', (event) => (event.message as WireMessage).text === 'from carol');
		expect(messageTexts(alice.client)).toEqual(['from carol']);

		expect(texts(await alice.client.ok('history', { with: { user: bob.name } }))).toEqual([]);
		expect(texts(await alice.client.ok('search', { query: word }))).toEqual([]);
		expect(texts(await alice.client.ok('search', { query: word, with: { user: bob.name } }))).toEqual([]);
		expect(unreadWith(await alice.client.ok('unread'), { user: bob.name }) ?? 0).toBe(0);
		// Bob's side is untouched.
		expect(texts(await bob.client.ok('history', { with: { user: alice.name } }))).toEqual([`${word} live from bob`]);
		expect(texts(await bob.client.ok('search', { query: word }))).toEqual([`${word} live from bob`]);

		// Offline: nothing is queued for alice; carol's message, sent after, is.
		await goOffline(alice.client);
		await send(bob, { user: alice.name }, `${word} while away`);
		await send(carol, { user: alice.name }, 'carol while away');
		const back = await session(alice);
		await back.client.event('message', (event) => (event.message as WireMessage).text === 'carol while away');
		expect(messageTexts(back.client)).toEqual(['carol while away']);
		expect(unreadWith(back.login, { user: bob.name }) ?? 0).toBe(0);
		expect(unreadWith(back.login, { user: carol.name })).toBe(2);

		// No hint anywhere on bob's side: no error, no event but his own messages' echoes and presence.
		const hints = [...bob.client.frames.slice(bobSeen), ...bobPhone.client.frames].filter(
			(frame) => frame.type === 'error' || /ignor/i.test(JSON.stringify(frame)) || !['ok', 'welcome', 'message', 'presence'].includes(frame.type),
		);
		expect(hints).toEqual([]);
	});

	it('arrive again once the ignore is lifted; the hidden ones reappear in history but are not replayed', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		await alice.client.ok('ignore.add', { username: bob.name });
		await send(bob, { user: alice.name }, 'hidden');
		await alice.client.ok('ignore.remove', { username: bob.name });
		await send(bob, { user: alice.name }, 'seen');
		await alice.client.event('message', (event) => (event.message as WireMessage).text === 'seen');
		expect(messageTexts(alice.client)).toEqual(['seen']);
		expect(texts(await alice.client.ok('history', { with: { user: bob.name } }))).toEqual(['hidden', 'seen']);
		expect(texts(await alice.client.ok('search', { query: 'hidden' }))).toEqual(['hidden']);
	});
	// Messages queued before the ignore was added: see the store tests (a login replays them before any request could add it).
});

describe('group messages from an ignored member', () => {
	it('reach every other member but not the one who ignores the sender', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		const name = await group(carol, alice, bob);
		await alice.client.ok('ignore.add', { username: bob.name });
		const members = (await alice.client.ok('groups.members', { name })).members as Array<{ username: string; online: boolean }>;
		expect(members.find((member) => member.username === bob.name)?.online).toBe(false);
		expect(members.find((member) => member.username === carol.name)?.online).toBe(true);
		const found = (await alice.client.ok('users.find', { query: bob.name })).users as Array<{ username: string; online?: boolean }>;
		expect(found.find((other) => other.username === bob.name)?.online).not.toBe(true);
		const word = uniqueName('w');
		await send(bob, { group: name }, `${word} from bob`);
		await carol.client.event('message', (event) => (event.message as WireMessage).text === `${word} from bob`);
		await send(carol, { group: name }, `${word} from carol`);
		await alice.client.event('message', (event) => (event.message as WireMessage).text === `${word} from carol`);
		expect(messageTexts(alice.client)).toEqual([`${word} from carol`]);

		expect(texts(await alice.client.ok('history', { with: { group: name } }))).toEqual([`${word} from carol`]);
		expect(texts(await carol.client.ok('history', { with: { group: name } }))).toEqual([`${word} from bob`, `${word} from carol`]);
		expect(texts(await alice.client.ok('search', { query: word }))).toEqual([`${word} from carol`]);
		expect(texts(await alice.client.ok('search', { query: word, with: { group: name } }))).toEqual([`${word} from carol`]);
		expect(texts(await carol.client.ok('search', { query: word }))).toHaveLength(2);
		expect(unreadWith(await alice.client.ok('unread'), { group: name })).toBe(1);
		expect(unreadWith(await bob.client.ok('unread'), { group: name })).toBe(1);

		// Offline: carol's message is replayed to alice, bob's is not.
		await goOffline(alice.client);
		await send(bob, { group: name }, `${word} bob away`);
		await send(carol, { group: name }, `${word} carol away`);
		const back = await session(alice);
		await back.client.event('message', (event) => (event.message as WireMessage).text === `${word} carol away`);
		expect(messageTexts(back.client)).toEqual([`${word} carol away`]);
		expect(unreadWith(back.login, { group: name })).toBe(2);
	});
});

describe('typing, presence and friend requests of an ignored user', () => {
	it('typing does not reach the one who ignores them, in a direct conversation or a group', async () => {
		const alice = await user();
		const bob = await user();
		const carol = await user();
		await befriend(alice, bob);
		const name = await group(carol, alice, bob);
		await alice.client.ok('ignore.add', { username: bob.name });
		await bob.client.ok('typing', { to: { user: alice.name } });
		await bob.client.ok('typing', { to: { group: name } });
		await carol.client.event('typing', (event) => event.from === bob.name);
		await carol.client.ok('typing', { to: { group: name } });
		await alice.client.event('typing', (event) => event.from === carol.name);
		expect(alice.client.events('typing').map((event) => event.from)).toEqual([carol.name]);
	});

	it('presence does not reach the one who ignores them; login and friends.list show them offline', async () => {
		const alice = await user();
		const bob = await user();
		const dave = await user();
		await befriend(alice, bob);
		await befriend(dave, bob);
		await alice.client.ok('ignore.add', { username: bob.name });
		// Bob was online: alice's sessions are told he went offline, so they show what login would.
		await alice.client.event('presence', (event) => event.username === bob.name && event.online === false);
		const before = alice.client.frames.length;

		await goOffline(bob.client);
		await dave.client.event('presence', (event) => event.username === bob.name && event.online === false);
		const bobBack = await session(bob);
		await dave.client.event('presence', (event) => event.username === bob.name && event.online === true);
		await alice.client.ok('ignore.list'); // a round trip: anything published to alice before it has arrived
		const presence = alice.client.frames.slice(before).filter((frame) => frame.type === 'presence');
		expect(presence).toEqual([]);

		const friends = (await alice.client.ok('friends.list')).friends as Array<{ username: string; online: boolean }>;
		expect(friends.find((friend) => friend.username === bob.name)?.online).toBe(false);
		const phone = await session(alice);
		const loginFriends = phone.login.friends as Array<{ username: string; online: boolean }>;
		expect(loginFriends.find((friend) => friend.username === bob.name)?.online).toBe(false);
		// Bob still sees alice as usual.
		const bobsFriends = bobBack.login.friends as Array<{ username: string; online: boolean }>;
		expect(bobsFriends.find((friend) => friend.username === alice.name)?.online).toBe(true);

		// Lifted: alice's sessions hear he is online, and later changes reach her again.
		await alice.client.ok('ignore.remove', { username: bob.name });
		await phone.client.event('presence', (event) => event.username === bob.name && event.online === true);
		await goOffline(bobBack.client);
		await alice.client.event('presence', (event) => event.username === bob.name && event.online === false);
	});

	it('a friend request from an ignored user is not shown; the asker gets the ordinary replies', async () => {
		const alice = await user();
		const mallory = await user();
		await alice.client.ok('ignore.add', { username: mallory.name });
		expect((await mallory.client.request('friends.request', { username: alice.name })).type).toBe('ok');
		expectError(await mallory.client.request('friends.request', { username: alice.name }), 'CONFLICT');
		const list = await alice.client.ok('friends.list');
		expect(list.requests).toEqual([]);
		expect(alice.client.events('friend.request')).toEqual([]);
		const phone = await session(alice);
		expect(phone.login.requests).toEqual([]);
		// The asker sees their request pending, as for anyone.
		expect((await mallory.client.ok('friends.list')).requests).toEqual([
			expect.objectContaining({ from: mallory.name, to: alice.name }),
		]);
		// Lifted: the stored request shows again.
		await alice.client.ok('ignore.remove', { username: mallory.name });
		expect((await alice.client.ok('friends.list')).requests).toEqual([
			expect.objectContaining({ from: mallory.name, to: alice.name }),
		]);
	});
});
