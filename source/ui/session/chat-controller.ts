import { completeLine } from '../commands/complete.js';
import { parseInput } from '../commands/parse.js';
import { findCommand, UsageError, type CommandContext } from '../commands/registry.js';
import { helpScrollLimit } from '../components/help-overlay.js';
import { LOG_CHROME_ROWS } from '../components/message-log.js';
import { searchPageSize } from '../components/search-overlay.js';
import { describeError } from '../format/error-text.js';
import { lastRows } from '../format/log-rows.js';
import { scrollToShow } from '../format/search-hits.js';
import { actionFor, keyName, KEY_BINDINGS, type KeyAction, type KeyPress } from '../keys.js';
import { conversationList, selectedConversation, unsentCount, type ChatState } from '../state/chat-state.js';
import { peerOf } from '../state/conversations.js';
import { aliasesOf } from '../state/names.js';
import { EMPTY_LINE, editLine, insertText, lineOf, type LineState } from '../state/line-editor.js';
import { searchPrompt, searchScope } from '../state/search.js';
import type { ChatSession } from './chat-session.js';
import { overlayKey } from './overlay-keys.js';
import { QuitGuard } from './quit-guard.js';

export const SIDEBAR_WIDTH = 26;

const chatKey = (action: KeyAction) => keyName(KEY_BINDINGS, action);

/** A message of more lines than this (a big paste, usually) is sent only after a second Enter. */
export const CONFIRM_LINES = 5;

/** Where the chat screen's parts go at a size: the log beside the sidebar, above the input line and status bar. */
export interface ChatLayout {
	width: number;
	/** Rows of the panes (or the overlay in their place). */
	mainHeight: number;
	logWidth: number;
	/** Rows of log lines inside the log's frame. */
	logRows: number;
}

export function chatLayout(width: number, height: number, state: ChatState): ChatLayout {
	// files: the progress bar takes a row above the input line while a transfer runs.
	const mainHeight = height - 2 - (state.transfer ? 1 : 0);
	return { width, mainHeight, logWidth: width - SIDEBAR_WIDTH, logRows: mainHeight - LOG_CHROME_ROWS };
}

/** What the chat screen's keys do beyond the session: the app's own ways out. */
export interface ScreenActions {
	quit(): void;
	logout(): void;
	/** accounts: the session is over here (account deleted); the log-in screen says `sentence`. */
	ended(sentence: string): void;
	/** Connections to the server this window hosts other than its own (0 when it hosts none): quitting stops it for them. */
	hostedOthers(): number;
}

/** The lines typed before, kept in the profile (Up/Down recall them). */
export interface InputHistory {
	readonly inputHistory: string[];
	rememberInput(line: string): void;
}

/**
 * The chat screen's controller: keys → key table → what they do, by mode
 * (a question in the input line, an overlay, the chat itself), and the input
 * line they edit. It holds no drawing; the view gives it the layout and
 * draws what it and the session hold.
 */
export class ChatController {
	#line: LineState = EMPTY_LINE;
	readonly #listeners = new Set<() => void>();
	#recall = { index: -1, draft: '' };
	#completion: { options: string[]; index: number } | undefined;
	/** A long message waiting for the Enter that confirms it. */
	#confirming: string | undefined;
	/** Quitting with messages unsent, or others on the server this window hosts, asks once. */
	readonly #quitGuard = new QuitGuard();
	/** Set by the view at each draw: keys act on what is on screen. */
	layout: ChatLayout;
	actions: ScreenActions;
	/** The state last seen, to tell what a change added below a scrolled-up log. */
	#seen: ChatState;

	constructor(
		private readonly session: ChatSession,
		private readonly history: InputHistory,
		actions: ScreenActions,
		layout: ChatLayout,
	) {
		this.actions = actions;
		this.layout = layout;
		this.#seen = session.getState();
		// The controller lives as long as the session: it never stops listening.
		session.subscribe(() => this.#keepStill());
	}

	// the input line, as a store the view observes

	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	};

	readonly line = (): LineState => this.#line;

	#setLine(line: LineState): void {
		if (line === this.#line) return;
		this.#line = line;
		for (const listener of this.#listeners) listener();
	}

	// keys

	/** Every key press of the chat screen, routed by mode. */
	readonly press = (press: KeyPress): void => {
		const state = this.session.getState();
		if (state.question) return this.#questionKey(press);
		if (state.overlay) return overlayKey(this.#overlayContext(state), state.overlay, press);
		this.#chatKey(press, state);
	};

	#overlayContext(state: ChatState) {
		const { session, layout } = this;
		return {
			state,
			client: session.client,
			dispatch: session.dispatch,
			search: session.search,
			pageSize: searchPageSize(layout.mainHeight),
			rows: layout.mainHeight,
			helpScrollLimit: helpScrollLimit(layout.width, layout.mainHeight),
		};
	}

	/**
	 * accounts: while a command asks (a password), Enter answers and Esc
	 * cancels; nothing else but editing, so no key recalls, completes or
	 * remembers what is typed, and it is never sent as a message.
	 */
	#questionKey(press: KeyPress): void {
		const line = this.#line;
		const action = actionFor(press)?.action;
		if (action === 'quit') return this.#quit();
		if (action === 'submit' || action === 'close-overlay') {
			this.#setLine(EMPTY_LINE);
			return this.session.answer(action === 'submit' ? line.text : undefined);
		}
		const edited = editLine(line, press);
		if (edited) this.#setLine(edited);
	}

	/** Quits, unless something is at stake that nobody was told of yet: then says so, and the next quit goes. */
	#quit(): void {
		const concerns = { unsent: unsentCount(this.session.getState()), hostedOthers: this.actions.hostedOthers() };
		const warning = this.#quitGuard.check(concerns, chatKey('quit'));
		if (warning === undefined) return this.actions.quit();
		this.session.dispatch({ type: 'system', tone: 'notice', text: warning });
	}

	#chatKey(press: KeyPress, state: ChatState): void {
		const bound = actionFor(press);
		if (bound?.action !== 'complete') this.#completion = undefined;
		if (bound?.action !== 'history-previous' && bound?.action !== 'history-next') this.#recall.index = -1;
		// search: scrolling by hand lets go of the hit the log was kept on.
		if (state.mark?.follow && bound?.action.startsWith('scroll-')) {
			this.session.dispatch({ type: 'mark', mark: { ...state.mark, follow: false } });
		}
		if (bound) return this.#chatAction(bound.action, bound.index, state);
		this.#edit(press, state);
	}

	#chatAction(action: KeyAction, index: number | undefined, state: ChatState): void {
		const { dispatch } = this.session;
		switch (action) {
			case 'quit':
				return this.#quit();
			case 'help':
				return dispatch({ type: 'overlay', overlay: { kind: 'help', offset: 0 } });
			case 'switcher':
				return dispatch({ type: 'overlay', overlay: { kind: 'switcher', filter: '', index: 0 } });
			case 'next-conversation':
				return dispatch({ type: 'select-relative', delta: 1 });
			case 'previous-conversation':
				return dispatch({ type: 'select-relative', delta: -1 });
			case 'jump': {
				const target = conversationList(state)[index ?? 0];
				if (target) dispatch({ type: 'select', key: target.key });
				return;
			}
			case 'scroll-up':
			case 'scroll-down':
			case 'scroll-top':
			case 'scroll-bottom':
				return this.#scroll(action, state);
			case 'history-previous':
				return this.#recallInput(-1);
			case 'history-next':
				return this.#recallInput(1);
			case 'complete':
				return this.#complete();
			case 'submit':
				if (this.#submit(this.#line.text)) this.#setLine(EMPTY_LINE);
				return;
			case 'newline':
				return this.#setLine(insertText(this.#line, '\n', true));
			case 'close-overlay':
				// With no overlay open, Esc keeps editing a long message instead of sending it, and cancels a file transfer in progress.
				this.#confirming = undefined;
				this.session.transfers.cancel();
				return;
			// search
			case 'search':
				return dispatch({ type: 'overlay', overlay: searchPrompt(searchScope(state, false)) });
		}
	}

	/** Typing: edits the line, and tells the others in the open conversation that the user types a message. */
	#edit(press: KeyPress, state: ChatState): void {
		const line = this.#line;
		const edited = editLine(line, press);
		if (!edited) return;
		this.#setLine(edited);
		const open = selectedConversation(state);
		if (open && edited.text !== line.text && edited.text.trim() !== '' && !edited.text.startsWith('/')) {
			this.session.noteTyping(peerOf(open));
		}
	}

	// the log

	#scroll(action: 'scroll-up' | 'scroll-down' | 'scroll-top' | 'scroll-bottom', state: ChatState): void {
		const { dispatch } = this.session;
		const page = Math.max(1, this.layout.logRows - 1);
		switch (action) {
			case 'scroll-up': {
				const to = Math.min(state.scroll + page, this.#scrollLimit(state.scroll + page));
				if (to === state.scroll) this.session.loadOlder();
				return dispatch({ type: 'scroll', to });
			}
			case 'scroll-down':
				return dispatch({ type: 'scroll', to: Math.max(0, state.scroll - page) });
			case 'scroll-top': {
				const top = this.#scrollLimit(Number.MAX_SAFE_INTEGER);
				if (top === state.scroll) this.session.loadOlder();
				return dispatch({ type: 'scroll', to: top });
			}
			case 'scroll-bottom':
				return dispatch({ type: 'scroll', to: 0 });
		}
	}

	/**
	 * A scrolled-up log stays still while messages arrive below it: the row
	 * at its top is found again and the scroll grows by what came under it.
	 */
	#keepStill(): void {
		const before = this.#seen;
		const state = this.session.getState();
		this.#seen = state;
		const key = state.selected;
		const changed = state.logs[key] !== before.logs[key];
		if (!changed || key !== before.selected || state.scroll === 0 || state.scroll !== before.scroll || state.mark?.follow) return;
		const { logRows, logWidth } = this.layout;
		const width = logWidth - 2;
		const top = lastRows(before.logs[key] ?? [], state.me, width, state.scroll + logRows, aliasesOf(state.friends)).rows[0]?.key;
		if (top === undefined) return;
		// Look further up only as far as needed: each row formatted costs.
		for (let extra = 64; extra <= 65_536; extra *= 4) {
			const { rows, more } = lastRows(state.logs[key] ?? [], state.me, width, state.scroll + logRows + extra, aliasesOf(state.friends));
			const at = rows.findIndex((row) => row.key === top);
			if (at >= 0) {
				const to = rows.length - logRows - at;
				if (to !== state.scroll) this.session.dispatch({ type: 'scroll', to });
				return;
			}
			if (!more) return;
		}
	}

	/** How far up the log can scroll, looking no further than `wanted` rows (formatting costs). */
	#scrollLimit(wanted: number): number {
		const { logRows, logWidth } = this.layout;
		const state = this.session.getState();
		const entries = state.logs[state.selected] ?? [];
		const { rows } = lastRows(
			entries,
			state.me,
			logWidth - 2,
			Math.min(wanted, Number.MAX_SAFE_INTEGER - logRows) + logRows,
			// The view's aliases: rows formatted with others would push its cached ones out.
			aliasesOf(state.friends),
		);
		return Math.max(0, rows.length - logRows);
	}

	/**
	 * search: a hit a search jumped to stays a third of the way down the log
	 * while history around it arrives (the rows below it grow), until the user
	 * scrolls. The view calls this when the marked log or the layout changed.
	 */
	followMark(): void {
		const state = this.session.getState();
		const marked = state.mark?.key === state.selected ? state.mark : undefined;
		const entries = marked && state.logs[marked.key];
		if (!marked?.follow || !entries) return;
		const { logRows, logWidth } = this.layout;
		const to = scrollToShow(entries, marked.id, state.me, logWidth - 2, logRows, Math.floor(logRows / 3));
		if (to !== undefined && to !== state.scroll) this.session.dispatch({ type: 'scroll', to });
	}

	// the input line's own keys

	#recallInput(step: 1 | -1): void {
		const lines = this.history.inputHistory;
		if (this.#recall.index === -1) this.#recall = { index: lines.length, draft: this.#line.text };
		const index = Math.min(lines.length, Math.max(0, this.#recall.index + step));
		this.#recall.index = index;
		this.#setLine(lineOf(index === lines.length ? this.#recall.draft : lines[index]!));
	}

	#complete(): void {
		const text = this.#line.text;
		if (!this.#completion) {
			const options = completeLine(text, this.session.getState());
			if (options.length === 0) return;
			this.#completion = { options: [...options, text], index: -1 };
		}
		const cycle = this.#completion;
		cycle.index = (cycle.index + 1) % cycle.options.length;
		this.#setLine(lineOf(cycle.options[cycle.index]!));
	}

	/** Sends the line or runs its command; false when the line stays (a long message awaiting confirmation). */
	#submit(text: string): boolean {
		const { session } = this;
		const state = session.getState();
		const parsed = parseInput(text);
		if (parsed.kind === 'empty') return true;
		if (parsed.kind === 'text') {
			const open = selectedConversation(state);
			if (!open) {
				session.dispatch({ type: 'system', tone: 'error', text: `open a conversation first (${chatKey('next-conversation')}, ${chatKey('switcher')} or /msg <user>)` });
				// The line stays: it was typed for a conversation that may just have closed.
				return false;
			}
			const lines = parsed.text.split('\n').length;
			if (lines > CONFIRM_LINES && this.#confirming !== text) {
				this.#confirming = text;
				session.dispatch({ type: 'system', tone: 'notice', text: `this message has ${lines} lines: ${chatKey('submit')} sends it, ${chatKey('close-overlay')} keeps editing` });
				return false;
			}
			this.#confirming = undefined;
			this.history.rememberInput(text.trim());
			session.sendText(peerOf(open), parsed.text);
			return true;
		}
		this.history.rememberInput(text.trim());
		const command = findCommand(parsed.name);
		if (!command) {
			session.dispatch({ type: 'system', tone: 'error', text: `unknown command /${parsed.name}: ${chatKey('help')} or /help lists them` });
			return true;
		}
		const context = this.#commandContext(state);
		Promise.resolve()
			.then(() => command.run(context, parsed.args))
			.catch((error: unknown) => {
				const usage = error instanceof UsageError ? ` — usage: /${command.name} ${command.usage}` : '';
				session.dispatch({ type: 'system', tone: 'error', text: `/${command.name}: ${describeError(error)}${usage}` });
			});
		return true;
	}

	/** What a command may use: the session's parts and the app's ways out. */
	#commandContext(state: ChatState): CommandContext {
		const { session, actions } = this;
		return {
			client: session.client,
			state,
			dispatch: session.dispatch,
			sendText: session.sendText,
			quit: () => this.#quit(),
			logout: async () => actions.logout(),
			settings: session.settings,
			transfers: session.transfers.runner,
			search: session.search,
			ask: session.ask,
			ended: (sentence) => actions.ended(sentence),
		};
	}
}
