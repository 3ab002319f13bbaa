/** Unit tests for the TUI parts being reworked (keys as data, line editing, the search overlay); the rest have one file per module in test/ui/. */
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { parseInput } from '../source/ui/commands/parse.js';
import { COMMANDS, SEARCH_ALL_FLAG } from '../source/ui/commands/registry.js';
import { actionFor, displayKey, splitBurst, toKeyPress, type KeyPress } from '../source/ui/keys.js';
import { chatReducer, type ChatState, type SearchOverlay } from '../source/ui/state/chat-state.js';
import { editLine, insertText, lineOf, type LineState } from '../source/ui/state/line-editor.js';
import { searchPrompt, searchScope } from '../source/ui/state/search.js';
import { aliceState, message, run } from './helpers/chat-fixtures.js';

describe('editLine', () => {
	const at = (text: string, cursor: number): LineState => ({ text, cursor });
	const key = (name: string, text = ''): KeyPress => ({ name, text });

	it('keeps the lines of a bracketed paste, and flattens those of typed bursts', () => {
		expect(editLine(at('ab', 1), key('paste', 'x\r\ny\rz\tw'))).toEqual(at('ax\ny\nz    wb', 11));
		expect(editLine(at('', 0), key('text', 'x\ny'))).toEqual(at('x y', 3));
		expect(insertText(at('ab', 2), '\n', true)).toEqual(at('ab\n', 3));
		expect(insertText(at('ab', 2), '\u0007\n', true)).toEqual(at('ab \n', 4));
	});

	it('moves the cursor within the text', () => {
		expect(editLine(at('abc', 1), key('left'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 0), key('left'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 2), key('right'))).toEqual(at('abc', 3));
		expect(editLine(at('abc', 3), key('right'))).toEqual(at('abc', 3));
		expect(editLine(at('abc', 2), key('ctrl+a'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 0), key('ctrl+e'))).toEqual(at('abc', 3));
	});

	it('inserts typed and pasted text at the cursor, control characters as spaces', () => {
		expect(editLine(at('ac', 1), key('b', 'b'))).toEqual(at('abc', 2));
		expect(editLine(lineOf('say '), key('text', 'hi\nthere\t!'))).toEqual(at('say hi there !', 14));
	});

	it('deletes with Backspace, Delete, Ctrl-U and Ctrl-W', () => {
		expect(editLine(at('abc', 2), key('backspace'))).toEqual(at('ac', 1));
		expect(editLine(at('abc', 0), key('backspace'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 1), key('delete'))).toEqual(at('ac', 1));
		expect(editLine(at('abc', 3), key('delete'))).toEqual(at('abc', 3));
		expect(editLine(at('hello world', 6), key('ctrl+u'))).toEqual(at('world', 0));
		expect(editLine(lineOf('say hello there  '), key('ctrl+w'))).toEqual(at('say hello ', 10));
		expect(editLine(at('say hello there', 9), key('ctrl+w'))).toEqual(at('say  there', 4));
	});

	it('returns undefined for keys that do not edit', () => {
		expect(editLine(lineOf('abc'), key('up'))).toBeUndefined();
		expect(editLine(lineOf('abc'), key('ctrl+n'))).toBeUndefined();
		expect(editLine(lineOf('abc'), key('enter'))).toBeUndefined();
	});
});

// ---------------------------------------------------------------- keys.ts

function inkKey(flags: Partial<Key> = {}): Key {
	return {
		upArrow: false,
		downArrow: false,
		leftArrow: false,
		rightArrow: false,
		pageDown: false,
		pageUp: false,
		home: false,
		end: false,
		return: false,
		escape: false,
		ctrl: false,
		shift: false,
		tab: false,
		backspace: false,
		delete: false,
		meta: false,
		super: false,
		hyper: false,
		capsLock: false,
		numLock: false,
		...flags,
	};
}

describe('toKeyPress', () => {
	it('names special keys', () => {
		expect(toKeyPress('', inkKey({ upArrow: true }))).toEqual({ name: 'up', text: '' });
		expect(toKeyPress('', inkKey({ pageDown: true }))).toEqual({ name: 'pagedown', text: '' });
		expect(toKeyPress('\r', inkKey({ return: true }))).toEqual({ name: 'enter', text: '' });
		expect(toKeyPress('\t', inkKey({ tab: true }))).toEqual({ name: 'tab', text: '' });
		expect(toKeyPress('', inkKey({ tab: true, shift: true }))).toEqual({ name: 'shift+tab', text: '' });
		expect(toKeyPress('', inkKey({ escape: true }))).toEqual({ name: 'escape', text: '' });
		expect(toKeyPress('\r', inkKey({ return: true, meta: true }))).toEqual({ name: 'alt+enter', text: '' });
		expect(actionFor({ name: 'alt+enter', text: '' })).toEqual({ action: 'newline' });
	});

	it('treats Delete (what most terminals send for Backspace) as Backspace', () => {
		expect(toKeyPress('', inkKey({ delete: true }))).toEqual({ name: 'backspace', text: '' });
		expect(toKeyPress('', inkKey({ backspace: true }))).toEqual({ name: 'backspace', text: '' });
	});

	it('names Ctrl and Alt keys in lower case, typing nothing', () => {
		expect(toKeyPress('N', inkKey({ ctrl: true }))).toEqual({ name: 'ctrl+n', text: '' });
		expect(toKeyPress('1', inkKey({ meta: true }))).toEqual({ name: 'alt+1', text: '' });
	});

	it('types characters and pasted text, and nothing for unnamed sequences', () => {
		expect(toKeyPress('a', inkKey())).toEqual({ name: 'a', text: 'a' });
		expect(toKeyPress('A', inkKey({ shift: true }))).toEqual({ name: 'A', text: 'A' });
		expect(toKeyPress('hello', inkKey())).toEqual({ name: 'text', text: 'hello' });
		expect(toKeyPress('', inkKey())).toEqual({ name: 'unknown', text: '' });
	});
});

describe('actionFor', () => {
	const press = (name: string): KeyPress => ({ name, text: '' });

	it('maps Alt-1…9 to a jump with a zero-based index', () => {
		expect(actionFor(press('alt+1'))).toEqual({ action: 'jump', index: 0 });
		expect(actionFor(press('alt+9'))).toEqual({ action: 'jump', index: 8 });
		expect(actionFor(press('alt+0'))).toBeUndefined();
	});

	it('maps bound keys to their actions, and nothing for others', () => {
		expect(actionFor(press('ctrl+n'))).toEqual({ action: 'next-conversation' });
		expect(actionFor(press('ctrl+p'))).toEqual({ action: 'previous-conversation' });
		expect(actionFor(press('ctrl+c'))).toEqual({ action: 'quit' });
		expect(actionFor(press('enter'))).toEqual({ action: 'submit' });
		expect(actionFor(press('tab'))).toEqual({ action: 'complete' });
		expect(actionFor(press('f1'))).toEqual({ action: 'help' });
		expect(actionFor(press('pageup'))).toEqual({ action: 'scroll-up' });
		expect(actionFor(press('x'))).toBeUndefined();
		expect(actionFor(press('ctrl+a'))).toBeUndefined();
	});
});

describe('splitBurst', () => {
	it('splits a burst into text runs, Tab and Enter', () => {
		expect(splitBurst('bob\tpass\r')).toEqual([
			{ name: 'text', text: 'bob' },
			{ name: 'tab', text: '' },
			{ name: 'text', text: 'pass' },
			{ name: 'enter', text: '' },
		]);
	});

	it('names Ctrl letters, Backspace and newlines', () => {
		expect(splitBurst('\u0012ab\u007f\n')).toEqual([
			{ name: 'ctrl+r', text: '' },
			{ name: 'text', text: 'ab' },
			{ name: 'backspace', text: '' },
			{ name: 'enter', text: '' },
		]);
		expect(splitBurst('\u0001\u001a')).toEqual([
			{ name: 'ctrl+a', text: '' },
			{ name: 'ctrl+z', text: '' },
		]);
	});

	it('leaves single keys, plain text and escape sequences to Ink', () => {
		expect(splitBurst('\r')).toBeUndefined();
		expect(splitBurst('hello')).toBeUndefined();
		expect(splitBurst('\u001b[A\r')).toBeUndefined();
	});
});

describe('displayKey', () => {
	it('writes key names the way help shows them', () => {
		expect(displayKey('ctrl+n')).toBe('Ctrl-N');
		expect(displayKey('alt+1…9')).toBe('Alt-1…9');
		expect(displayKey('shift+tab')).toBe('Shift-Tab');
		expect(displayKey('pageup')).toBe('PgUp');
		expect(displayKey('escape')).toBe('Esc');
		expect(displayKey('f1')).toBe('F1');
		expect(displayKey('ctrl+a / ctrl+e')).toBe('Ctrl-A / Ctrl-E');
	});
});

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
