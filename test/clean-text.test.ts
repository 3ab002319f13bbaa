/**
 * The clean-text rule (PROTOCOL.md, "Clean text"): every string a user
 * supplies is refused with BAD_REQUEST naming the field and the character
 * when it holds a control character, and nothing is stored. Checked as an
 * outside client sees it: raw frames against the real server.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cleanTextProblem, describeCodePoint, findUnclean, requestFields } from '../source/protocol/index.js';
import { CLEAN_STRINGS, REFUSED_STRINGS } from './helpers/hostile-strings.js';
import type { Frame } from './helpers/raw-client.js';
import { expectError, uniqueCid, uniqueName, useServer, wireHelpers } from './helpers/wire.js';

describe('the clean-text rule', () => {
	it('names control characters as the contract writes them', () => {
		expect(describeCodePoint(0x1b)).toBe('U+001B (ESC)');
		expect(describeCodePoint(0x7f)).toBe('U+007F (DEL)');
		expect(describeCodePoint(0x9b)).toBe('U+009B (CSI)');
		expect(describeCodePoint(0xdc00)).toBe('U+DC00 (lone surrogate)');
		expect(cleanTextProblem('text', 'abcdef\x1b[0m')).toBe('text holds U+001B (ESC) at character 7');
	});

	it('counts positions in characters, so an emoji before the control counts once', () => {
		expect(findUnclean('👩🏽‍💻\x07')).toEqual({ codePoint: 7, position: 5 });
	});

	it('allows line feeds everywhere and tabs only where the field says so', () => {
		expect(findUnclean('a\nb')).toBeUndefined();
		expect(findUnclean('a\tb')).toEqual({ codePoint: 9, position: 2 });
		expect(findUnclean('a\tb', { allowTab: true })).toBeUndefined();
		expect(findUnclean('a\r\nb', { allowTab: true })).toEqual({ codePoint: 13, position: 2 });
	});

	it('accepts every script, combining marks, emoji sequences and right-to-left text', () => {
		for (const text of CLEAN_STRINGS) expect(findUnclean(text, { allowTab: true }), text).toBeUndefined();
	});

	it('is part of the schema of every user-supplied string field', () => {
		const refuse = (op: keyof typeof requestFields, fields: Record<string, unknown>) =>
			requestFields[op].safeParse(fields).success;
		const bad = 'x\x1by';
		expect(refuse('send', { to: { user: 'bob' }, text: bad, cid: 'cid-00000001' })).toBe(false);
		expect(refuse('friends.alias', { username: 'bob', alias: bad })).toBe(false);
		expect(refuse('groups.create', { name: 'g', description: bad })).toBe(false);
		expect(refuse('search', { query: bad })).toBe(false);
		expect(refuse('users.find', { query: bad })).toBe(false);
		expect(refuse('login', { token: 't', device: bad })).toBe(false);
		expect(refuse('login', { username: 'bob', password: 'p', device: bad })).toBe(false);
		const upload = { to: { user: 'bob' }, name: 'a.txt', size: 1, mime: 'text/plain', sha256: '0'.repeat(64) };
		expect(refuse('files.upload', { ...upload, name: bad })).toBe(false);
		expect(refuse('files.upload', { ...upload, mime: bad })).toBe(false);
		expect(refuse('files.upload', upload)).toBe(true);
	});
});

describe('the server refuses hostile strings in every field and stores nothing', () => {
	const use = useServer();
	const { connect, user, befriend } = wireHelpers(use);
	function expectRefused(reply: Frame, field: string, refusedAs: string): void {
		expectError(reply, 'BAD_REQUEST', { message: `${field} holds ${refusedAs}` });
	}

	it.each(REFUSED_STRINGS.map((entry) => [entry.name, entry] as const))('%s', async (_name, { text, refusedAs }) => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const group = uniqueName('g');
		await alice.client.ok('groups.create', { name: group });

		// message text, to a friend and to a group: nothing is stored or delivered
		expectRefused(await alice.client.request('send', { to: { user: bob.name }, text, cid: uniqueCid() }), 'text', refusedAs!);
		expectRefused(await alice.client.request('send', { to: { group }, text, cid: uniqueCid() }), 'text', refusedAs!);
		expect((await bob.client.ok('history', { with: { user: alice.name } })).messages).toEqual([]);
		expect((await alice.client.ok('history', { with: { group } })).messages).toEqual([]);
		expect(bob.client.events('message')).toEqual([]);

		// alias: unchanged
		expectRefused(await alice.client.request('friends.alias', { username: bob.name, alias: text }), 'alias', refusedAs!);
		const { friends } = await alice.client.ok('friends.list');
		expect(friends).toEqual([expect.objectContaining({ username: bob.name, alias: null })]);

		// group description: no group made
		const refusedGroup = uniqueName('r');
		expectRefused(
			await alice.client.request('groups.create', { name: refusedGroup, description: text }),
			'description',
			refusedAs!,
		);
		expect(await bob.client.request('groups.join', { name: refusedGroup })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });

		// file name and MIME type: no upload announced
		const bytes = Buffer.from('hello');
		const upload = {
			to: { user: bob.name },
			name: 'notes.txt',
			size: bytes.length,
			mime: 'text/plain',
			sha256: createHash('sha256').update(bytes).digest('hex'),
		};
		expectRefused(await alice.client.request('files.upload', { ...upload, name: text }), 'name', refusedAs!);
		expectRefused(await alice.client.request('files.upload', { ...upload, mime: text }), 'mime', refusedAs!);

		// search words and user search
		expectRefused(await alice.client.request('search', { query: text }), 'query', refusedAs!);
		expectRefused(await alice.client.request('users.find', { query: text }), 'query', refusedAs!);

		// a device label: the login is refused, no session is made
		const other = await connect();
		expectRefused(await other.request('login', { token: alice.token, device: text }), 'device', refusedAs!);
		expect(await other.request('friends.list')).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
	});

	it('accepts and returns clean text of every script unchanged', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		for (const text of CLEAN_STRINGS) {
			const { message } = await alice.client.ok('send', { to: { user: bob.name }, text, cid: uniqueCid() });
			expect((message as { text: string }).text).toBe(text);
		}
		const { messages } = await bob.client.ok('history', { with: { user: alice.name } });
		expect((messages as Array<{ text: string }>).map((message) => message.text)).toEqual(CLEAN_STRINGS);
		const alias = 'שלום 👩🏽‍💻 é';
		const { friend } = await alice.client.ok('friends.alias', { username: bob.name, alias });
		expect(friend).toMatchObject({ alias });
	});

	it('allows a tab in message text but not in an alias', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const { message } = await alice.client.ok('send', { to: { user: bob.name }, text: 'a\tb', cid: uniqueCid() });
		expect((message as { text: string }).text).toBe('a\tb');
		expectRefused(await alice.client.request('friends.alias', { username: bob.name, alias: 'a\tb' }), 'alias', 'U+0009 (HT) at character 2');
	});
});
