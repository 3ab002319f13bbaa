/** Line editing (source/ui/state/line-editor.ts): keys on the input line, by the line-editing key table. */
import { describe, expect, it } from 'vitest';
import type { KeyPress } from '../../source/ui/keys.js';
import { editLine, insertText, lineOf, type LineState } from '../../source/ui/state/line-editor.js';

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

	it('moves by words with Alt-B / Alt-F, Ctrl-Left / Ctrl-Right and Alt-Left / Alt-Right', () => {
		const line = 'say  hello there';
		expect(editLine(at(line, 16), key('alt+b'))).toEqual(at(line, 11));
		expect(editLine(at(line, 11), key('ctrl+left'))).toEqual(at(line, 5));
		expect(editLine(at(line, 5), key('alt+left'))).toEqual(at(line, 0));
		expect(editLine(at(line, 7), key('alt+b'))).toEqual(at(line, 5));
		expect(editLine(at(line, 0), key('alt+b'))).toEqual(at(line, 0));
		expect(editLine(at(line, 0), key('alt+f'))).toEqual(at(line, 3));
		expect(editLine(at(line, 3), key('ctrl+right'))).toEqual(at(line, 10));
		expect(editLine(at(line, 7), key('alt+right'))).toEqual(at(line, 10));
		expect(editLine(at(line, 16), key('alt+f'))).toEqual(at(line, 16));
	});

	it('deletes the character after the cursor with Delete, before it with Backspace', () => {
		expect(editLine(at('abc', 1), key('delete'))).toEqual(at('ac', 1));
		expect(editLine(at('abc', 1), key('backspace'))).toEqual(at('bc', 0));
	});

	it('deletes the word before the cursor with Alt-Backspace as with Ctrl-W, and the word after with Alt-D', () => {
		expect(editLine(at('say hello there', 9), key('alt+backspace'))).toEqual(at('say  there', 4));
		expect(editLine(at('say hello there', 3), key('alt+d'))).toEqual(at('say there', 3));
		expect(editLine(at('say hello there', 6), key('alt+d'))).toEqual(at('say he there', 6));
		expect(editLine(at('say', 3), key('alt+d'))).toEqual(at('say', 3));
	});

	it('returns undefined for keys that do not edit', () => {
		expect(editLine(lineOf('abc'), key('up'))).toBeUndefined();
		expect(editLine(lineOf('abc'), key('ctrl+n'))).toBeUndefined();
		expect(editLine(lineOf('abc'), key('enter'))).toBeUndefined();
	});
});
