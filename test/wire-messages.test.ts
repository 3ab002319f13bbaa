/**
 * Sending and history on the wire: delivery to whom, the per-conversation
 * numbering, the text limit, cid idempotence and paging.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import { RawClient, type Frame } from './helpers/raw-client.js';
import { expectError, ISO_UTC, messagesOf, sleep, uniqueCid, uniqueName, useServer, wireHelpers, type WireMessage, type WireUser } from './helpers/wire.js';

describe('send and history', () => {
	const server = useServer();
	const { user, session, befriend } = wireHelpers(server);

	function send(from: WireUser | RawClient, to: { user: string } | { group: string }, text: string, cid = uniqueCid()) {
		const client = from instanceof RawClient ? from : from.client;
		return client.request('send', { to, text, cid });
	}

	it('delivers a direct message to the recipient and the sender’s other sessions, not the sending one', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const { client: aliceLaptop } = await session(alice);
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
		await alice.client.ok('groups.create', { visibility: 'public', name: group });
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
		await alice.client.ok('groups.create', { visibility: 'public', name: group });
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
		expectError(tooLong, 'TOO_LARGE');
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

		const history = async (fields: Record<string, unknown>, who: WireUser = alice) =>
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
		const { client: again } = await session(bob);
		const arrived = await again.event('message', (event) => (event.message as WireMessage).id === (missed.message as WireMessage).id);
		expect((arrived.message as WireMessage).text).toBe('sent while the old connection was dying');
		await busy;
	});

	it('a message that reaches a connection after its peer said goodbye comes at the next login', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		// Bob's client sends its close frame, then stops reading: the server has the goodbye but the
		// connection is not closed yet, so bob still counts as online and the message is not queued
		// for him, while ws writes nothing to a closing socket.
		const tcp = (bob.client.socket as unknown as { _socket: import('node:net').Socket })._socket;
		bob.client.socket.close(1000);
		tcp.pause();
		await sleep(100);
		const missed = await send(alice, { user: bob.name }, 'sent while you were saying goodbye');
		expect(missed.type).toBe('ok');
		tcp.resume();
		await bob.client.waitClosed();
		expect(bob.client.events('message')).toEqual([]);
		const { client: again } = await session(bob);
		const arrived = await again.event('message', (event) => (event.message as WireMessage).id === (missed.message as WireMessage).id);
		expect((arrived.message as WireMessage).text).toBe('sent while you were saying goodbye');
	});

	it('history of a group you are not in is FORBIDDEN', async () => {
		const alice = await user();
		const outsider = await user();
		const group = uniqueName('Hist');
		await alice.client.ok('groups.create', { visibility: 'public', name: group });
		await send(alice, { group }, 'members only');
		const own = (await alice.client.ok('history', { with: { group } })).messages as WireMessage[];
		expect(own.map((message) => message.text)).toEqual(['members only']);
		expectError(await outsider.client.request('history', { with: { group } }), 'FORBIDDEN');
		expectError(await outsider.client.request('history', { with: { group: uniqueName('nogroup') } }), 'NOT_FOUND');
	});
});
