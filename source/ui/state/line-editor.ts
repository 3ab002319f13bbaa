import { boundAction, LINE_EDITING_KEYS, type KeyPress } from '../keys.js';

/** The input line: its text and where the cursor is (an index into the text). */
export interface LineState {
	text: string;
	cursor: number;
}

export const EMPTY_LINE: LineState = { text: '', cursor: 0 };

export function lineOf(text: string): LineState {
	return { text, cursor: text.length };
}

/**
 * Puts text in at the cursor. Newlines stay (as `\n`) when `lines` is set;
 * other control characters, and newlines otherwise, become spaces.
 */
export function insertText(line: LineState, text: string, lines = false): LineState {
	const normalised = lines ? text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ') : text;
	const clean = normalised.replace(lines ? /[\u0000-\u0009\u000B-\u001F\u007F]/g : /[\u0000-\u001F\u007F]/g, ' ');
	const { text: current, cursor } = line;
	return { text: current.slice(0, cursor) + clean + current.slice(cursor), cursor: cursor + clean.length };
}

/** Where the word before the cursor starts: back over blanks, then over the word (a run of non-blanks). */
export function wordStart(text: string, cursor: number): number {
	return text.slice(0, cursor).replace(/\S+\s*$|\s+$/, '').length;
}

/** Where the word after the cursor ends: on over blanks, then over the word. */
export function wordEnd(text: string, cursor: number): number {
	const match = /^\s*\S*/.exec(text.slice(cursor))!;
	return cursor + match[0].length;
}

/** Applies one editing key (LINE_EDITING_KEYS, or text typed); returns undefined for keys that do not edit. */
export function editLine(line: LineState, press: KeyPress): LineState | undefined {
	const { text, cursor } = line;
	switch (boundAction(LINE_EDITING_KEYS, press)) {
		case 'cursor-left':
			return { text, cursor: Math.max(0, cursor - 1) };
		case 'cursor-right':
			return { text, cursor: Math.min(text.length, cursor + 1) };
		case 'word-left':
			return { text, cursor: wordStart(text, cursor) };
		case 'word-right':
			return { text, cursor: wordEnd(text, cursor) };
		case 'line-start':
			return { text, cursor: 0 };
		case 'line-end':
			return { text, cursor: text.length };
		case 'delete-back':
			if (cursor === 0) return line;
			return { text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
		case 'delete-forward':
			return { text: text.slice(0, cursor) + text.slice(cursor + 1), cursor };
		case 'delete-to-start':
			return { text: text.slice(cursor), cursor: 0 };
		case 'delete-word': {
			const start = wordStart(text, cursor);
			return { text: text.slice(0, start) + text.slice(cursor), cursor: start };
		}
		case 'delete-word-forward':
			return { text: text.slice(0, cursor) + text.slice(wordEnd(text, cursor)), cursor };
		case undefined:
			// Typed text (a bracketed paste keeps its lines); control characters become spaces.
			if (!press.text) return undefined;
			return insertText(line, press.text, press.name === 'paste');
	}
}
