import type { KeyPress } from '../keys.js';

/** The input line: its text and where the cursor is (an index into the text). */
export interface LineState {
	text: string;
	cursor: number;
}

export const EMPTY_LINE: LineState = { text: '', cursor: 0 };

export function lineOf(text: string): LineState {
	return { text, cursor: text.length };
}

/** Applies one editing key; returns undefined for keys that do not edit. */
export function editLine(line: LineState, press: KeyPress): LineState | undefined {
	const { text, cursor } = line;
	switch (press.name) {
		case 'left':
			return { text, cursor: Math.max(0, cursor - 1) };
		case 'right':
			return { text, cursor: Math.min(text.length, cursor + 1) };
		case 'ctrl+a':
			return { text, cursor: 0 };
		case 'ctrl+e':
			return { text, cursor: text.length };
		case 'backspace':
			if (cursor === 0) return line;
			return { text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
		case 'delete':
			return { text: text.slice(0, cursor) + text.slice(cursor + 1), cursor };
		case 'ctrl+u':
			return { text: text.slice(cursor), cursor: 0 };
		case 'ctrl+w': {
			const start = text.slice(0, cursor).replace(/\S+\s*$/, '').length;
			return { text: text.slice(0, start) + text.slice(cursor), cursor: start };
		}
		default: {
			// Typed or pasted text; control characters (and pasted newlines) become spaces.
			if (!press.text) return undefined;
			const typed = press.text.replace(/[\u0000-\u001F\u007F]/g, ' ');
			return { text: text.slice(0, cursor) + typed + text.slice(cursor), cursor: cursor + typed.length };
		}
	}
}
