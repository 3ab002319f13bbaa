import type { KeyPress } from './keys.js';

/**
 * Every key of the TUI, as data: one table per input mode, each binding an
 * action, its keys and what help says of it. The key handlers look keys up
 * here, and help, the overlays' hints and the log-in screen's hint are
 * printed from here, so a key is defined once and help cannot go stale.
 * (Model: gemini-cli's keyBindings.ts, bindings by mode with the
 * descriptions help shows.)
 */

export interface KeyBinding<Action extends string = string> {
	action: Action;
	/** The keys, as KeyPress names; `alt+1…9` stands for alt+1 to alt+9. */
	keys: string[];
	/** What help says. Bindings in a row with the same summary share one help line ("Left / Right"); none: not listed. */
	summary?: string;
}

export type KeyTable<Action extends string> = ReadonlyArray<KeyBinding<Action>>;

/** The action a table binds to a key press, if any. */
export function boundAction<Action extends string>(table: KeyTable<Action>, press: KeyPress): Action | undefined {
	return table.find((binding) => binding.keys.includes(press.name))?.action;
}

/** The keys a table binds to an action (the first is the one hints name). */
export function keysFor<Action extends string>(table: KeyTable<Action>, action: Action): string[] {
	return table.find((binding) => binding.action === action)?.keys ?? [];
}

/** How hints and sentences name the key of an action: its first key, as help shows it (`Ctrl-N`, `Esc`). */
export function keyName<Action extends string>(table: KeyTable<Action>, action: Action): string {
	return displayKey(keysFor(table, action)[0] ?? '');
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
		backspace: 'Backspace',
		delete: 'Delete',
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

// chat: the input line and the panes around it

export type KeyAction =
	| 'quit'
	| 'help'
	| 'close-overlay'
	| 'switcher'
	| 'next-conversation'
	| 'previous-conversation'
	| 'jump'
	| 'status'
	| 'scroll-up'
	| 'scroll-down'
	| 'scroll-top'
	| 'scroll-bottom'
	| 'history-previous'
	| 'history-next'
	| 'complete'
	| 'newline'
	| 'submit'
	| 'reconnect'
	| 'first-unread'
	// search
	| 'search';

/** The chat screen's own keys; what they do not take edits the input line (LINE_EDITING_KEYS). */
export const KEY_BINDINGS: KeyTable<KeyAction> = [
	{ action: 'submit', keys: ['enter'], summary: 'send the line, or run the /command; on an invite: join the group' },
	{ action: 'newline', keys: ['alt+enter'], summary: 'a new line in the message (pasted lines stay lines too)' },
	{ action: 'next-conversation', keys: ['ctrl+n'], summary: 'next conversation (pending invites come last)' },
	{ action: 'previous-conversation', keys: ['ctrl+p'], summary: 'previous conversation or invite' },
	{ action: 'jump', keys: ['alt+1…9'], summary: 'open conversation 1–9 of the sidebar' },
	{ action: 'status', keys: ['alt+0'], summary: 'the status view: notices and command output' },
	{ action: 'switcher', keys: ['ctrl+k'], summary: 'quick switcher: type to filter, Enter to open' },
	// search
	{ action: 'search', keys: ['ctrl+f'], summary: 'search messages here (also /search)' },
	{ action: 'scroll-up', keys: ['pageup'], summary: 'scroll the log up a page' },
	{ action: 'scroll-down', keys: ['pagedown'], summary: 'scroll the log down a page' },
	{ action: 'scroll-top', keys: ['home'], summary: 'first message (loads the whole history)' },
	{ action: 'scroll-bottom', keys: ['end'], summary: 'newest message' },
	{ action: 'first-unread', keys: ['alt+u'], summary: 'first unread message, under the "new messages" line' },
	{ action: 'history-previous', keys: ['up'], summary: 'previous line you typed' },
	{ action: 'history-next', keys: ['down'], summary: 'next line you typed' },
	{ action: 'complete', keys: ['tab'], summary: 'complete a command, a name, or @name (again for the next)' },
	{ action: 'help', keys: ['f1'], summary: 'this help (also /help)' },
	{ action: 'close-overlay', keys: ['escape'], summary: 'close an overlay; cancel a question or a file transfer' },
	{ action: 'reconnect', keys: ['ctrl+r'], summary: 'while reconnecting: try now instead of waiting' },
	{ action: 'quit', keys: ['ctrl+c'], summary: 'quit (also /quit)' },
];

/** The chat action bound to a key press, if any; `jump` carries the number. */
export function actionFor(press: KeyPress): { action: KeyAction; index?: number } | undefined {
	const jump = /^alt\+([1-9])$/.exec(press.name);
	if (jump) return { action: 'jump', index: Number(jump[1]) - 1 };
	const action = boundAction(KEY_BINDINGS, press);
	return action && { action };
}

// line editing: the input line, and every field and filter that takes text

export type LineEditAction =
	| 'cursor-left'
	| 'cursor-right'
	| 'word-left'
	| 'word-right'
	| 'line-start'
	| 'line-end'
	| 'delete-back'
	| 'delete-forward'
	| 'delete-to-start'
	| 'delete-word'
	| 'delete-word-forward';

/**
 * Keys not bound here that type text insert it. A word is a run of
 * non-blank characters (as Ctrl-W has always taken it), for the moves and
 * the deletes alike. Readline's keys, so fingers trained elsewhere work.
 */
export const LINE_EDITING_KEYS: KeyTable<LineEditAction> = [
	{ action: 'cursor-left', keys: ['left'], summary: 'move the cursor' },
	{ action: 'cursor-right', keys: ['right'], summary: 'move the cursor' },
	{ action: 'word-left', keys: ['alt+b', 'ctrl+left'], summary: 'a word back' },
	{ action: 'word-right', keys: ['alt+f', 'ctrl+right'], summary: 'a word forward' },
	// What xterm sends for Alt-Left/Right; help lists the two above, which every terminal has.
	{ action: 'word-left', keys: ['alt+left'] },
	{ action: 'word-right', keys: ['alt+right'] },
	{ action: 'line-start', keys: ['ctrl+a'], summary: 'start / end of the line' },
	{ action: 'line-end', keys: ['ctrl+e'], summary: 'start / end of the line' },
	{ action: 'delete-back', keys: ['backspace'], summary: 'delete the character before / after the cursor' },
	{ action: 'delete-forward', keys: ['delete'], summary: 'delete the character before / after the cursor' },
	{ action: 'delete-word', keys: ['ctrl+w', 'alt+backspace'], summary: 'delete the word before the cursor' },
	{ action: 'delete-word-forward', keys: ['alt+d'], summary: 'delete the word after the cursor' },
	{ action: 'delete-to-start', keys: ['ctrl+u'], summary: 'delete to the start of the line' },
];

// log selection: choosing a message in the log (replies, reactions, edits come with it)

export type LogSelectionAction = never;

export const LOG_SELECTION_KEYS: KeyTable<LogSelectionAction> = [];

// overlays: each has its own table; these close any of them

export type OverlayAction = 'close';

export const OVERLAY_KEYS: KeyTable<OverlayAction> = [{ action: 'close', keys: ['escape', 'ctrl+c'] }];

export type HelpKeyAction = 'scroll-down' | 'scroll-up' | 'page-down' | 'page-up' | 'close';

export const HELP_KEYS: KeyTable<HelpKeyAction> = [
	{ action: 'scroll-down', keys: ['down'] },
	{ action: 'scroll-up', keys: ['up'] },
	{ action: 'page-down', keys: ['pagedown'] },
	{ action: 'page-up', keys: ['pageup'] },
	{ action: 'close', keys: ['enter', 'f1'] },
];

// groups

export type MembersKeyAction = 'member-previous' | 'member-next' | 'kick' | 'ban' | 'toggle-admin' | 'close';

/**
 * The members overlay (/members): Up/Down choose a member; an admin or the
 * creator acts on the chosen one. Its hint line shows only the keys the
 * viewer may use; help lists them all.
 */
export const MEMBERS_KEYS: KeyTable<MembersKeyAction> = [
	{ action: 'member-previous', keys: ['up'], summary: 'previous member' },
	{ action: 'member-next', keys: ['down'], summary: 'next member' },
	{ action: 'kick', keys: ['k'], summary: 'remove the chosen member (asks first; admins, creator)' },
	{ action: 'ban', keys: ['b'], summary: 'ban the chosen member (asks first; admins, creator)' },
	{ action: 'toggle-admin', keys: ['o'], summary: 'make the chosen member admin, or a member again (creator)' },
	{ action: 'close', keys: ['enter', 'f1'] },
];

export type BrowseKeyAction = 'group-previous' | 'group-next' | 'join';

/** The public groups overlay (/groups). */
export const BROWSE_KEYS: KeyTable<BrowseKeyAction> = [
	{ action: 'group-previous', keys: ['up'], summary: 'previous group' },
	{ action: 'group-next', keys: ['down'], summary: 'next group' },
	{ action: 'join', keys: ['enter'], summary: 'join the chosen group and open it' },
];

export type SwitcherKeyAction = 'open' | 'next' | 'previous';

/** What these do not take edits the filter. */
export const SWITCHER_KEYS: KeyTable<SwitcherKeyAction> = [
	{ action: 'open', keys: ['enter'] },
	{ action: 'next', keys: ['down', 'tab', 'ctrl+n'] },
	{ action: 'previous', keys: ['up', 'shift+tab', 'ctrl+p'] },
];

export type SearchKeyAction = 'submit' | 'next-hit' | 'previous-hit' | 'next-page' | 'previous-page';

/** Enter searches when the words changed and otherwise opens the chosen hit; what these do not take edits the words. */
export const SEARCH_KEYS: KeyTable<SearchKeyAction> = [
	{ action: 'submit', keys: ['enter'] },
	{ action: 'next-hit', keys: ['down'] },
	{ action: 'previous-hit', keys: ['up'] },
	{ action: 'next-page', keys: ['pagedown'] },
	{ action: 'previous-page', keys: ['pageup'] },
];

// accounts

export type SessionsKeyAction = 'session-previous' | 'session-next' | 'revoke-session' | 'revoke-others';

/**
 * The keys of the sessions overlay (/sessions): its own mode, so its letters
 * are not taken from the chat's input line. The overlay's hint line and help
 * are printed from this table. (Esc closes it, as every overlay.)
 */
export const SESSIONS_KEY_BINDINGS: KeyTable<SessionsKeyAction> = [
	{ action: 'session-previous', keys: ['up'], summary: 'previous session' },
	{ action: 'session-next', keys: ['down'], summary: 'next session' },
	{ action: 'revoke-session', keys: ['r'], summary: 'log the chosen session out' },
	{ action: 'revoke-others', keys: ['o'], summary: 'log out every session but this one' },
];

export function sessionsActionFor(press: KeyPress): SessionsKeyAction | undefined {
	return boundAction(SESSIONS_KEY_BINDINGS, press);
}

// log-in: the form before the chat

export type LoginKeyAction = 'submit' | 'next-field' | 'previous-field' | 'switch-mode' | 'host' | 'quit';

/** What these do not take edits the focused field. The hint under the form is printed from LOGIN_HINTS. */
export const LOGIN_KEYS: KeyTable<LoginKeyAction> = [
	{ action: 'quit', keys: ['ctrl+c'] },
	{ action: 'next-field', keys: ['tab', 'down'] },
	{ action: 'previous-field', keys: ['shift+tab', 'up'] },
	{ action: 'switch-mode', keys: ['ctrl+r'] },
	{ action: 'host', keys: ['ctrl+o'] },
	{ action: 'submit', keys: ['enter'] },
];

/** The log-in screen's hint line, in order: each action's first key and what it does in each form. */
export const LOGIN_HINTS: ReadonlyArray<{ action: LoginKeyAction; login: string; register: string }> = [
	{ action: 'submit', login: 'logs in', register: 'registers' },
	{ action: 'next-field', login: 'next field', register: 'next field' },
	{ action: 'switch-mode', login: 'register instead', register: 'log in instead' },
	{ action: 'quit', login: 'quit', register: 'quit' },
];

/** Bindings as help lists them: one line per run of bindings with the same summary, its keys joined. */
export function helpLines(table: KeyTable<string>): Array<{ keys: string[]; summary: string; action: string }> {
	const lines: Array<{ keys: string[]; summary: string; action: string }> = [];
	for (const binding of table) {
		if (binding.summary === undefined) continue;
		const last = lines.at(-1);
		if (last?.summary === binding.summary) last.keys = [...last.keys, ...binding.keys];
		else lines.push({ keys: binding.keys, summary: binding.summary, action: binding.action });
	}
	return lines;
}
