/**
 * The frames themselves, as PROTOCOL.md gives them to an outside client: the
 * welcome, BAD_REQUEST for what is no request, and the frame size limit.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import type { Frame, RawClient } from './helpers/raw-client.js';
import { expectError, messagesOf, PASSWORD, sleep, uniqueCid, uniqueName, useServer, wireHelpers, type WireMessage } from './helpers/wire.js';

/** A release version as the welcome gives it. */
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

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
describe('welcome', () => {
	const server = useServer({ motd: 'protocol suite says hi' });
	const { connect } = wireHelpers(server);

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
	const { connect, user, befriend } = wireHelpers(server);

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
		expectError(await rawRequest(client, { type: 'no.such.op', id: 'unknown-1' }), 'BAD_REQUEST', { re: 'unknown-1' });
		expectError(await rawRequest(client, { id: 'no-type-1' }), 'BAD_REQUEST', { re: 'no-type-1' });
		expectError(await rawRequest(client, { type: 42, id: 'num-type-1' }), 'BAD_REQUEST', { re: 'num-type-1' });

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
			expectError(await rawRequest(client, { ...fields, id }), 'BAD_REQUEST', { re: id });
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
			expectError(reply, 'BAD_REQUEST', { re: id });
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

describe('limits', () => {
	const server = useServer();
	const { connect } = wireHelpers(server);

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
		expectError(await reply, 'UNAUTHENTICATED', { re: 'big-ok' });
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
