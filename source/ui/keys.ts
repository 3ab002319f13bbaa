import type { Key } from 'ink';

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
	// Most terminals send DEL (0x7f) for Backspace and Ink names it `delete`; treat both as Backspace.
	['delete', 'backspace'],
];

/** Turns Ink's (input, key) pair into a KeyPress. */
export function toKeyPress(input: string, key: Key): KeyPress {
	for (const [flag, name] of NAMED_KEYS) {
		if (!key[flag]) continue;
		if (key.shift && name === 'tab') return { name: 'shift+tab', text: '' };
		if (key.meta && name === 'enter') return { name: 'alt+enter', text: '' };
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

export type KeyAction =
	| 'quit'
	| 'help'
	| 'close-overlay'
	| 'switcher'
	| 'next-conversation'
	| 'previous-conversation'
	| 'jump'
	| 'scroll-up'
	| 'scroll-down'
	| 'scroll-top'
	| 'scroll-bottom'
	| 'history-previous'
	| 'history-next'
	| 'complete'
	| 'newline'
	| 'submit'
	// search
	| 'search';

export interface KeyBinding {
	action: KeyAction;
	/** The keys, as KeyPress names; `alt+1…9` stands for alt+1 to alt+9. */
	keys: string[];
	summary: string;
}

/**
 * Every key of the chat screen, in one table: the input handler looks keys
 * up here and the help overlay prints it, so help cannot go stale.
 * (Line-editing keys — arrows, Ctrl-A/E/U/W, Backspace — are listed in help from LINE_EDITING_KEYS.)
 */
export const KEY_BINDINGS: KeyBinding[] = [
	{ action: 'submit', keys: ['enter'], summary: 'send the line, or run the /command' },
	{ action: 'newline', keys: ['alt+enter'], summary: 'a new line in the message (pasted lines stay lines too)' },
	{ action: 'next-conversation', keys: ['ctrl+n'], summary: 'next conversation' },
	{ action: 'previous-conversation', keys: ['ctrl+p'], summary: 'previous conversation' },
	{ action: 'jump', keys: ['alt+1…9'], summary: 'open conversation 1–9 of the sidebar' },
	{ action: 'switcher', keys: ['ctrl+k'], summary: 'quick switcher: type to filter, Enter to open' },
	// search
	{ action: 'search', keys: ['ctrl+f'], summary: 'search messages here (also /search)' },
	{ action: 'scroll-up', keys: ['pageup'], summary: 'scroll the log up a page' },
	{ action: 'scroll-down', keys: ['pagedown'], summary: 'scroll the log down a page' },
	{ action: 'scroll-top', keys: ['home'], summary: 'oldest loaded message (Home again loads older)' },
	{ action: 'scroll-bottom', keys: ['end'], summary: 'newest message' },
	{ action: 'history-previous', keys: ['up'], summary: 'previous line you typed' },
	{ action: 'history-next', keys: ['down'], summary: 'next line you typed' },
	{ action: 'complete', keys: ['tab'], summary: 'complete a command, user or group name (again for the next)' },
	{ action: 'help', keys: ['f1'], summary: 'this help (also /help)' },
	{ action: 'close-overlay', keys: ['escape'], summary: 'close an overlay; cancel a question or a file transfer' },
	{ action: 'quit', keys: ['ctrl+c'], summary: 'quit (also /quit)' },
];

// accounts

export type SessionsKeyAction = 'session-previous' | 'session-next' | 'revoke-session' | 'revoke-others';

/**
 * The keys of the sessions overlay (/sessions): its own mode, so its letters
 * are not taken from the chat's input line. The overlay's hint line and help
 * are printed from this table. (Esc closes it, as every overlay.)
 */
export const SESSIONS_KEY_BINDINGS: Array<{ action: SessionsKeyAction; keys: string[]; summary: string }> = [
	{ action: 'session-previous', keys: ['up'], summary: 'previous session' },
	{ action: 'session-next', keys: ['down'], summary: 'next session' },
	{ action: 'revoke-session', keys: ['r'], summary: 'log the chosen session out' },
	{ action: 'revoke-others', keys: ['o'], summary: 'log out every session but this one' },
];

export function sessionsActionFor(press: KeyPress): SessionsKeyAction | undefined {
	return SESSIONS_KEY_BINDINGS.find((binding) => binding.keys.includes(press.name))?.action;
}

export const LINE_EDITING_KEYS: Array<[string, string]> = [
	['left / right', 'move the cursor'],
	['ctrl+a / ctrl+e', 'start / end of the line'],
	['ctrl+u', 'delete to the start of the line'],
	['ctrl+w', 'delete the word before the cursor'],
];

/** The action bound to a key press, if any; `jump` carries the number. */
export function actionFor(press: KeyPress): { action: KeyAction; index?: number } | undefined {
	const jump = /^alt\+([1-9])$/.exec(press.name);
	if (jump) return { action: 'jump', index: Number(jump[1]) - 1 };
	const binding = KEY_BINDINGS.find((candidate) => candidate.keys.includes(press.name));
	return binding && { action: binding.action };
}

/** How a key name reads in help and hints: `Ctrl-N`, `PgUp`, `F1`. */
export function displayKey(name: string): string {
	const special: Record<string, string> = {
		pageup: 'PgUp',
		pagedown: 'PgDn',
		enter: 'Enter',
		escape: 'Esc',
		tab: 'Tab',
		up: 'Up',
		down: 'Down',
		left: 'Left',
		right: 'Right',
		home: 'Home',
		end: 'End',
		f1: 'F1',
	};
	return name
		.split(' / ')
		.map((part) =>
			part.replace(/^(ctrl|alt|shift)\+(.+)$/, (_m, modifier: string, rest: string) =>
				`${modifier[0]!.toUpperCase()}${modifier.slice(1)}-${special[rest] ?? rest.toUpperCase()}`,
			).replace(/^[a-z0-9]+$/, (word) => special[word] ?? word),
		)
		.join(' / ');
}
