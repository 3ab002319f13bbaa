import type { Key } from 'ink';

// The tables of what each key does, by mode, live in key-bindings.ts; this module reads presses.
export * from './key-bindings.js';

/** A key press in one normalised form: `ctrl+n`, `alt+1`, `shift+tab`, `pageup`, `f1`, `a`. */
export interface KeyPress {
	name: string;
	/** The text the key types (empty for keys that type nothing). */
	text: string;
}

const NAMED_KEYS: Array<[keyof Key, string]> = [
	['upArrow', 'up'],
	['downArrow', 'down'],
	['leftArrow', 'left'],
	['rightArrow', 'right'],
	['pageUp', 'pageup'],
	['pageDown', 'pagedown'],
	['home', 'home'],
	['end', 'end'],
	['return', 'enter'],
	['tab', 'tab'],
	['backspace', 'backspace'],
	['delete', 'backspace'],
];

/** Keys that take Ctrl and Alt as part of their name (`ctrl+left`); on the others a modifier is dropped. */
const MODIFIED_KEYS = new Set(['left', 'right']);

/**
 * What the Delete key sends (ESC [ 3 ~, with modifiers ESC [ 3 ; m ~, rxvt's
 * ESC [ 3 $ and ESC [ 3 ^). Ink names it `delete`, and names DEL (0x7f, what
 * most terminals send for Backspace) `delete` too: only the raw sequence
 * tells them apart.
 */
const DELETE_SEQUENCE = /^\u001B\[3(;\d+)?[~$^]$/;

/** Backspace or Delete, by the raw sequence Ink read both from; Alt-Backspace is ESC then DEL (or BS). */
function erasingKey(key: Key, raw: string | undefined): string {
	if (raw !== undefined && DELETE_SEQUENCE.test(raw)) return 'delete';
	return key.meta ? 'alt+backspace' : 'backspace';
}

/**
 * Turns Ink's (input, key) pair into a KeyPress. `raw` is the sequence the
 * terminal sent for it, where the pair alone cannot tell keys apart.
 */
export function toKeyPress(input: string, key: Key, raw?: string): KeyPress {
	for (const [flag, name] of NAMED_KEYS) {
		if (!key[flag]) continue;
		if (key.shift && name === 'tab') return { name: 'shift+tab', text: '' };
		if (key.meta && name === 'enter') return { name: 'alt+enter', text: '' };
		if (name === 'backspace') return { name: erasingKey(key, raw), text: '' };
		if (MODIFIED_KEYS.has(name) && (key.ctrl || key.meta)) return { name: `${key.ctrl ? 'ctrl' : 'alt'}+${name}`, text: '' };
		return { name, text: '' };
	}
	if (key.escape) return { name: 'escape', text: '' };
	// Function keys and other unnamed sequences type nothing.
	if (input === '') return { name: 'unknown', text: '' };
	if (key.ctrl) return { name: `ctrl+${input.toLowerCase()}`, text: '' };
	if (key.meta) return { name: `alt+${input.toLowerCase()}`, text: '' };
	return { name: input.length === 1 ? input : 'text', text: input };
}

const CONTROL_KEYS: Record<string, string> = { '\t': 'tab', '\r': 'enter', '\n': 'enter', '\u007F': 'backspace', '\b': 'backspace' };

/**
 * Ink hands over a burst of plain input (fast typing, a paste, tmux
 * send-keys) as one string, control characters included. This splits it
 * back into the key presses it was: runs of text, and Tab, Enter,
 * Backspace and Ctrl-letter keys.
 */
export function splitBurst(input: string): KeyPress[] | undefined {
	if (input.length < 2 || input.includes('\u001B') || !/[\u0000-\u001F\u007F]/.test(input)) return undefined;
	const presses: KeyPress[] = [];
	let text = '';
	for (const char of input) {
		const code = char.codePointAt(0)!;
		const named = CONTROL_KEYS[char] ?? (code >= 1 && code <= 26 ? `ctrl+${String.fromCodePoint(code + 96)}` : undefined);
		if (!named) {
			text += char;
			continue;
		}
		if (text) presses.push({ name: 'text', text });
		text = '';
		presses.push({ name: named, text: '' });
	}
	if (text) presses.push({ name: 'text', text });
	return presses;
}

/** What a terminal in bracketed-paste mode sends around pasted text. */
export const PASTE_START = '\u001B[200~';
export const PASTE_END = '\u001B[201~';

/** Raw sequences terminals send for F1 (xterm, VT100, linux console); Ink does not name it. */
const F1_SEQUENCES = new Set(['\u001BOP', '\u001B[11~', '\u001B[[A', '\u001B[1P']);

export function isF1(raw: string): boolean {
	return F1_SEQUENCES.has(raw);
}
