/**
 * Search on the wire: word prefixes, paging, and the conversations a user may
 * read.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SEARCH_CHARS } from '../source/protocol/index.js';
import type { Frame } from './helpers/raw-client.js';
import { expectError, uniqueCid, uniqueName, useServer, wireHelpers, type WireMessage, type WireUser } from './helpers/wire.js';

describe('search', () => {
	const server = useServer();
	const { user, befriend } = wireHelpers(server);

	async function send(from: WireUser, to: { user: string } | { group: string }, text: string): Promise<WireMessage> {
		return (await from.client.ok('send', { to, text, cid: uniqueCid() })).message as WireMessage;
	}

	const texts = (reply: Frame) => (reply.messages as WireMessage[]).map((message) => message.text);

	it('finds messages holding every word, as prefixes, in any case and accent, newest first, whole message objects', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const first = await send(alice, { user: bob.name }, 'Déploiement du serveur ce soir');
		await send(bob, { user: alice.name }, 'the deployment went fine');
		await send(bob, { user: alice.name }, 'nothing to see');
		const third = await send(alice, { user: bob.name }, 'DEPLOY again?');
		const reply = await alice.client.ok('search', { query: 'deplo' });
		expect(texts(reply)).toEqual(['DEPLOY again?', 'the deployment went fine', 'Déploiement du serveur ce soir']);
		expect((reply.messages as WireMessage[])[0]).toEqual(third);
		expect(texts(await bob.client.ok('search', { query: 'deploiement SERV' }))).toEqual([first.text]);
		expect(texts(await bob.client.ok('search', { query: '  see   nothing ', with: { user: alice.name } }))).toEqual(['nothing to see']);
		// Query syntax of either engine is just punctuation here.
		expect(texts(await alice.client.ok('search', { query: '"deploy" -fine*' }))).toEqual(['the deployment went fine']);
		expect(texts(await alice.client.ok('search', { query: '"*:-' }))).toEqual([]);
	});

	it('pages with before (a message id) and limit, at most 50 a page', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		const word = uniqueName('w');
		for (let i = 1; i <= 55; i++) await send(alice, { user: bob.name }, `${word} number ${i}`);
		const page = async (fields: Record<string, unknown>) => (await alice.client.ok('search', { query: word, ...fields })).messages as WireMessage[];
		const first = await page({});
		expect(first.map((message) => message.text)).toEqual(Array.from({ length: 20 }, (_, i) => `${word} number ${55 - i}`));
		const second = await page({ before: first.at(-1)!.id, limit: 3 });
		expect(second.map((message) => message.text)).toEqual([33, 34, 35].reverse().map((i) => `${word} number ${i}`));
		expect(await page({ limit: 500 })).toHaveLength(50);
		expect(await page({ before: (await page({ limit: 55 })).at(-1)!.id })).toHaveLength(5);
	});

	it('keeps to conversations the user may read: NOT_FOUND for an unknown one, FORBIDDEN for a group they are not in', async () => {
		const alice = await user();
		const bob = await user();
		const eve = await user();
		await befriend(alice, bob);
		await befriend(bob, eve);
		const group = uniqueName('Srch');
		await bob.client.ok('groups.create', { visibility: 'public', name: group });
		await eve.client.ok('groups.join', { name: group });
		const word = uniqueName('secret');
		await send(bob, { user: eve.name }, `${word} for eve`);
		await send(bob, { group }, `${word} in the group`);
		await send(alice, { user: bob.name }, `${word} for bob`);
		expect(texts(await alice.client.ok('search', { query: word }))).toEqual([`${word} for bob`]);
		expect(texts(await eve.client.ok('search', { query: word }))).toEqual([`${word} in the group`, `${word} for eve`]);
		expect(texts(await eve.client.ok('search', { query: word, with: { group } }))).toEqual([`${word} in the group`]);
		expectError(await alice.client.request('search', { query: word, with: { group } }), 'FORBIDDEN');
		expectError(await alice.client.request('search', { query: word, with: { group: uniqueName('nogroup') } }), 'NOT_FOUND');
		expectError(await alice.client.request('search', { query: word, with: { user: uniqueName('nobody') } }), 'NOT_FOUND');
		// A user's conversation with someone else is not a way in.
		expect(texts(await alice.client.ok('search', { query: word, with: { user: eve.name } }))).toEqual([]);
		// Left the group: its messages are out of reach, as its history is.
		await eve.client.ok('groups.leave', { name: group });
		expect(texts(await eve.client.ok('search', { query: word }))).toEqual([`${word} for eve`]);
		expectError(await eve.client.request('search', { query: word, with: { group } }), 'FORBIDDEN');
	});

	it('answers BAD_REQUEST for an empty or blank query, one over the length limit, and a before that is no message id', async () => {
		const alice = await user();
		for (const query of ['', '   ', '\n ']) {
			const reply = await alice.client.request('search', { query });
			expectError(reply, 'BAD_REQUEST');
			expect(reply.message).toMatch(/query: the search is empty/);
		}
		// A tab is no blank: search words are clean text, where only message text may hold one.
		const tab = await alice.client.request('search', { query: '\n\t' });
		expectError(tab, 'BAD_REQUEST');
		expect(tab.message).toBe('query holds U+0009 (HT) at character 2');
		expectError(await alice.client.request('search', {}), 'BAD_REQUEST');
		expectError(await alice.client.request('search', { query: 42 }), 'BAD_REQUEST');
		// The limit counts what is left after trimming.
		expect((await alice.client.ok('search', { query: ` ${'a'.repeat(MAX_SEARCH_CHARS)} ` })).messages).toEqual([]);
		const long = await alice.client.request('search', { query: 'a'.repeat(MAX_SEARCH_CHARS + 1) });
		expectError(long, 'BAD_REQUEST');
		expect(long.message).toMatch(new RegExp(`at most ${MAX_SEARCH_CHARS} characters`));
		for (const before of ['abc', '0', '-1', '1.5', '99999999999999999999', '']) {
			expectError(await alice.client.request('search', { query: 'hello', before }), 'BAD_REQUEST');
		}
		expectError(await alice.client.request('search', { query: 'hello', limit: 0 }), 'BAD_REQUEST');
		expectError(await alice.client.request('search', { query: 'hello', with: { user: alice.name, group: 'x' } }), 'BAD_REQUEST');
	});
});
