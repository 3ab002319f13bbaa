/** source/ui/format/search-hits.ts: search words, highlighting, snippets and jumping to a hit in the log. */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../source/protocol/index.js';
import { lastRows, type Segment } from '../../source/ui/format/log-rows.js';
import { foldWord, hitConversation, hitSnippet, hitTime, markedRow, matchRanges, scrollToShow, searchTerms, snippet, SNIPPET_LEAD } from '../../source/ui/format/search-hits.js';
import type { LogEntry } from '../../source/ui/state/chat-state.js';
import { message } from '../helpers/chat-fixtures.js';

describe('search: words and highlighting', () => {
	const marked = (segments: Segment[]) => segments.map((segment) => (segment.bold ? `[${segment.text}]` : segment.text)).join('');

	it('folds words as the server compares them: no case, no accents', () => {
		expect(foldWord('Déploiement')).toBe('deploiement');
		expect(foldWord('ÑANDÚ')).toBe('nandu');
		expect(searchTerms('  "Café"* -crème:  ')).toEqual(['cafe', 'creme']);
		expect(searchTerms('E\u0301cole')).toEqual(['ecole']);
		expect(searchTerms('"*:- !?')).toEqual([]);
	});

	it('shows an action hit as `* sender does`, in italics, with its words marked', () => {
		const hit = message('bob', { user: 'alice' }, 1, '/me waves at the crowd');
		const segments = hitSnippet(hit, ['crowd'], 60);
		expect(marked(segments)).toBe('* bob waves at the [crowd]');
		expect(segments.every((segment) => segment.italic)).toBe(true);
		expect(marked(hitSnippet(message('bob', { user: 'alice' }, 2, 'no action here'), ['action'], 60))).toBe('no [action] here');
	});

	it('marks whole words that start with a search word, in order', () => {
		const text = 'Deploying the café; redeploy later, DEPLOYMENT done';
		expect(matchRanges(text, searchTerms('deplo'))).toEqual([
			[0, 9],
			[36, 46],
		]);
		expect(marked(snippet(text, searchTerms('deplo CAFE'), 200))).toBe('[Deploying] the [café]; redeploy later, [DEPLOYMENT] done');
		expect(marked(snippet(text, [], 200))).toBe(text);
		expect(marked(snippet('nothing here', searchTerms('zebra'), 200))).toBe('nothing here');
	});

	it('puts a late match on the line: the text before it cut to "…" and some context', () => {
		const text = `${'blah '.repeat(40)}the needle is here\nand on the next line`;
		const segments = snippet(text, searchTerms('needle'), 60);
		expect(segments[0]).toEqual({ text: '…', role: 'system' });
		const line = segments.map((segment) => segment.text).join('');
		expect(line.indexOf('needle')).toBe(1 + SNIPPET_LEAD);
		expect(line).toContain('needle is here and on the next line');
		// An early match is not cut at all.
		expect(snippet('a needle early', searchTerms('needle'), 60)[0]).toEqual({ text: 'a ' });
	});

	it('names a hit by its conversation from the user’s side, and dates it only when it is not today', () => {
		const now = new Date(2026, 11, 1, 15, 0);
		const at = (month: number, day: number, year = 2026) => new Date(year, month, day, 9, 5).toISOString();
		expect(hitTime(at(11, 1), now)).toBe('09:05');
		expect(hitTime(at(10, 30), now)).toBe('30 Nov 09:05');
		expect(hitTime(at(11, 31, 2025), now)).toBe('31 Dec 2025 09:05');
		expect(hitConversation(message('bob', { user: 'alice' }, 1), 'alice')).toEqual({ key: 'user:bob', label: '@ bob' });
		expect(hitConversation(message('Alice', { user: 'Bob' }, 1), 'alice')).toEqual({ key: 'user:bob', label: '@ Bob' });
		expect(hitConversation(message('bob', { group: 'Dev' }, 1), 'alice')).toEqual({ key: 'group:dev', label: '# Dev' });
	});
});

describe('search: jumping to a hit in the log', () => {
	const said = (seq: number, text = `line ${seq}`): LogEntry => ({ kind: 'message', message: message('bob', { user: 'alice' }, seq, text) });

	it('finds the scroll that shows the hit a given number of rows below the top', () => {
		const entries = Array.from({ length: 30 }, (_, index) => said(index + 1));
		const hit = entries[9] as { message: Message };
		// 30 one-row messages under a day separator: the hit has itself and 20 rows below it.
		const scroll = scrollToShow(entries, hit.message.id, 'alice', 60, 10, 3)!;
		expect(scroll).toBe(21 - (10 - 3));
		const { rows } = lastRows(entries, 'alice', 60, 10 + scroll);
		const window = rows.slice(rows.length - 10 - scroll, rows.length - scroll);
		expect(window[3]!.key).toBe(`m${hit.message.id}:0`);
		// Near the bottom it cannot be that far down: no scroll.
		expect(scrollToShow(entries, (entries[29] as { message: Message }).message.id, 'alice', 60, 10, 3)).toBe(0);
		expect(scrollToShow(entries, 'not-there', 'alice', 60, 10, 3)).toBeUndefined();
	});

	it('inverts every row of the marked message and no other', () => {
		const entries = [said(1, 'word '.repeat(30).trim()), said(2)];
		const id = (entries[0] as { message: Message }).message.id;
		const { rows } = lastRows(entries, 'alice', 40, 20);
		const inverted = rows.filter((row) => markedRow(row, id).every((segment) => segment.inverse));
		expect(inverted.length).toBeGreaterThan(1);
		expect(inverted.every((row) => row.key.startsWith(`m${id}:`))).toBe(true);
		expect(rows.filter((row) => row.key.startsWith(`m${id}:`))).toHaveLength(inverted.length);
		expect(rows.map((row) => markedRow(row, undefined))).toEqual(rows.map((row) => row.segments));
	});
});
