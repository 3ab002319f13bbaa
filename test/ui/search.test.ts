/** The search overlay in the reducer (source/ui/state/search.ts, chat-state.ts): prompt, scope, pages. */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../source/ui/commands/parse.js';
import { actionFor } from '../../source/ui/keys.js';
import { COMMANDS, SEARCH_ALL_FLAG } from '../../source/ui/commands/registry.js';
import { chatReducer, type ChatState, type SearchOverlay } from '../../source/ui/state/chat-state.js';
import { searchPrompt, searchScope } from '../../source/ui/state/search.js';
import { aliceState, message, run } from '../helpers/chat-fixtures.js';

describe('search: the overlay in the reducer', () => {
	const open = (): SearchOverlay => ({ ...searchPrompt(undefined, 'deploy'), searched: 'deploy', status: 'loading' });
	const overlayOf = (state: ChatState) => state.overlay as SearchOverlay;
	const hits = (...seqs: number[]) => seqs.map((seq) => message('bob', { user: 'alice' }, seq));

	it('takes the first page, adds the next ones after it and moves on from the last hit to the first new one', () => {
		const overlay = open();
		let state = run(aliceState(), { type: 'overlay', overlay });
		state = chatReducer(state, { type: 'search-page', run: overlay.run, hits: hits(9, 8), complete: false, append: false });
		expect(overlayOf(state)).toMatchObject({ status: 'done', complete: false, index: 0 });
		expect(overlayOf(state).hits.map((hit) => hit.seq)).toEqual([9, 8]);
		state = run(state, { type: 'overlay', overlay: { ...overlayOf(state), index: 1, status: 'loading' } });
		const page2 = hits(7, 6);
		state = chatReducer(state, { type: 'search-page', run: overlay.run, hits: [...page2, overlayOf(state).hits[1]!], complete: true, append: true });
		expect(overlayOf(state).hits.map((hit) => hit.seq)).toEqual([9, 8, 7, 6]);
		expect(overlayOf(state)).toMatchObject({ index: 2, status: 'done', complete: true });
	});

	it('drops a page or a failure of an earlier search, or one that comes after the overlay closed', () => {
		const earlier = open();
		const later = open();
		const state = run(aliceState(), { type: 'overlay', overlay: later });
		expect(chatReducer(state, { type: 'search-page', run: earlier.run, hits: hits(1), complete: true, append: false })).toBe(state);
		expect(chatReducer(state, { type: 'search-failed', run: earlier.run, error: 'no' })).toBe(state);
		const failed = chatReducer(state, { type: 'search-failed', run: later.run, error: 'the server is busy' });
		expect(overlayOf(failed)).toMatchObject({ status: 'error', error: 'the server is busy' });
		const closed = run(state, { type: 'overlay', overlay: undefined });
		expect(chatReducer(closed, { type: 'search-page', run: later.run, hits: hits(1), complete: true, append: false })).toBe(closed);
	});

	it('searches the open conversation, or every one from the status log or with --all', () => {
		const state = run(aliceState(), { type: 'select', key: 'group:dev' });
		expect(searchScope(state, false)).toEqual({ key: 'group:dev', label: '# dev', peer: { group: 'dev' } });
		expect(searchScope(state, true)).toBeUndefined();
		expect(searchScope(aliceState(), false)).toBeUndefined();
		const command = COMMANDS.find((candidate) => candidate.name === 'search')!;
		expect(command.usage).toBe(`[${SEARCH_ALL_FLAG}] <words>`);
		expect(parseInput('/search --all  café  crème')).toMatchObject({ kind: 'command', name: 'search' });
		expect(actionFor({ name: 'ctrl+f', text: '' })).toEqual({ action: 'search' });
	});
});
