/** source/ui/state/names.ts and its users: an alias is taken wherever a username is, and shown where the person is named. */
import { describe, expect, it } from 'vitest';
import { completeLine } from '../../source/ui/commands/complete.js';
import { lastRows, type Row } from '../../source/ui/format/log-rows.js';
import { aliasesOf, fullName, resolveUser, shortName } from '../../source/ui/state/names.js';
import { aliceState, friend, message, run } from '../helpers/chat-fixtures.js';

const friends = [friend('bob', true, 'Bobby'), friend('carol'), friend('dave', true, 'carol')];

describe('resolveUser', () => {
	it('takes an alias, case-insensitively, as the friend it names', () => {
		expect(resolveUser(friends, 'bobby')).toBe('bob');
		expect(resolveUser(friends, 'BOBBY')).toBe('bob');
	});

	it('takes a username in any case as written on the server', () => {
		expect(resolveUser(friends, 'BOB')).toBe('bob');
	});

	it('prefers a real username to an alias that spells it', () => {
		expect(resolveUser(friends, 'Carol')).toBe('carol');
	});

	it('passes anyone else on as typed', () => {
		expect(resolveUser(friends, 'Erin')).toBe('Erin');
	});
});

describe('shown names', () => {
	const aliases = aliasesOf(friends);

	it('shows the alias in passing, and "alias (username)" where the line is about the person', () => {
		expect(shortName(aliases, 'BOB')).toBe('Bobby');
		expect(shortName(aliases, 'erin')).toBe('erin');
		expect(fullName(aliases, 'bob')).toBe('Bobby (bob)');
		expect(fullName(aliases, 'erin')).toBe('erin');
	});

	it('keeps one alias map per friend list, so the log can cache rows on it', () => {
		expect(aliasesOf(friends)).toBe(aliases);
	});

	it('names the sender by alias in the log', () => {
		const entry = { kind: 'message' as const, message: message('bob', { user: 'alice' }, 1, 'hello') };
		const text = (row: Row) => row.segments.map((segment) => segment.text).join('');
		const rows = lastRows([entry], 'alice', 60, 10, { aliases }).rows.map(text);
		expect(rows.at(-1)).toMatch(/^\d\d:\d\d +Bobby hello/);
	});

	it('says presence as "alias (username)"', () => {
		const state = run(aliceState({ friends }), { type: 'presence', username: 'bob', online: false });
		const status = state.logs.status!.map((entry) => (entry.kind === 'system' ? entry.text : ''));
		expect(status).toContain('Bobby (bob) is offline');
	});
});

describe('completion', () => {
	const state = aliceState({ friends });

	it('offers aliases as well as usernames for a user argument', () => {
		expect(completeLine('/msg bo', state)).toEqual(['/msg bob ', '/msg Bobby ']);
		expect(completeLine('/remove Bo', state)).toEqual(['/remove bob ', '/remove Bobby ']);
	});
});
