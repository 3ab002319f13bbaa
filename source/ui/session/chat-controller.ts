import { completeLine } from '../commands/complete.js';
import { parseInput } from '../commands/parse.js';
import { findCommand, UsageError, type Command, type CommandContext } from '../commands/registry.js';
import { helpScrollLimit } from '../components/help-overlay.js';
import { LOG_CHROME_ROWS } from '../components/message-log.js';
import { searchPageSize } from '../components/search-overlay.js';
import type { ProtocolError } from '../../protocol/index.js';
import { describeError } from '../format/error-text.js';
import { lastRows } from '../format/log-rows.js';
import { scrollToShow } from '../format/search-hits.js';
import { actionFor, keyName, KEY_BINDINGS, type KeyAction, type KeyPress } from '../keys.js';
import {
	conversationList,
	isConversation,
	logViewOf,
	selectedConversation,
	selectedInvite,
	STATUS,
	unsentCount,
	type ChatAction,
	type ChatState,
	type ViewKey,
} from '../state/chat-state.js';
import { peerOf, type ConversationKey } from '../state/conversations.js';
import { joinGroup } from '../state/groups.js';
import { EMPTY_LINE, editLine, insertText, lineOf, type LineState } from '../state/line-editor.js';
import { searchPrompt, searchScope } from '../state/search.js';
import type { ChatSession } from './chat-session.js';
import { overlayKey } from './overlay-keys.js';
import { QuitGuard } from './quit-guard.js';

export const SIDEBAR_WIDTH = 26;

const chatKey = (action: KeyAction) => keyName(KEY_BINDINGS, action);

/** A message of more lines than this (a big paste, usually) is sent only after a second Enter. */
export const CONFIRM_LINES = 5;

/** A draft typed is written to disk this long after the last key at most (a key press is not worth a write each). */
const DRAFT_KEPT_MS = 500;

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

/** A command's dispatch: its lines that name no log go where its definition says (the registry's `output`). */
function outputTo(command: Command, dispatch: (action: ChatAction) => void): (action: ChatAction) => void {
	if (command.output === 'conversation') return dispatch;
	return (action) => dispatch(action.type === 'system' && action.key === undefined ? { ...action, key: STATUS } : action);
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
	/** The other conversations' drafts; the open one's is the line. */
	readonly #drafts: Map<ViewKey, string>;
	/** The conversation whose draft the line is. */
	#lineFor: ViewKey;
	#draftTimer: NodeJS.Timeout | undefined;
	readonly #listeners = new Set<() => void>();
	#recall = { index: -1, draft: '' };
	#completion: { options: LineState[]; index: number } | undefined;
	/** A long message waiting for the Enter that confirms it. */
	#confirming: string | undefined;
	/** Quitting with messages unsent, or others on the server this window hosts, asks once. */
	readonly #quitGuard = new QuitGuard();
	/** Set by the view at each draw: keys act on what is on screen. */
	layout: ChatLayout;
	actions: ScreenActions;
	/** The state last seen, to tell what a change added below a scrolled-up log. */
	#seen: ChatState;
	/** The Home whose whole-history load may still take the log to its first message (a newer Home or a scroll ends it). */
	#homeAsked: object | undefined;

	constructor(
		private readonly session: ChatSession,
		private readonly history: InputHistory,
		actions: ScreenActions,
		layout: ChatLayout,
	) {
		this.actions = actions;
		this.layout = layout;
		this.#seen = session.getState();
		this.#drafts = session.kept.drafts();
		this.#lineFor = this.#seen.selected;
		this.#line = lineOf(this.#drafts.get(this.#lineFor) ?? '');
		this.#drafts.delete(this.#lineFor);
		// The controller lives as long as the session: it never stops listening.
		session.subscribe(() => {
			this.#followSelection();
			this.#keepStill();
		});
	}

	// the input line, as a store the view observes

	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	};

	readonly line = (): LineState => this.#line;

	#setLine(line: LineState): void {
		if (line === this.#line) return;
		const changed = line.text !== this.#line.text;
		this.#line = line;
		// An answer to a question (a password) is never a draft. A line emptied (sent) is written at once: a sent draft never comes back.
		if (changed && !this.session.getState().question) {
			if (line.text === '') this.#keepDraftNow();
			else this.#keepDraftSoon();
		}
		for (const listener of this.#listeners) listener();
	}

	// drafts: one per conversation, kept across restarts

	/**
	 * Another conversation opened: the line becomes its draft, and the one
	 * left keeps its own. When the open conversation went away the line goes
	 * with the view (to status), so nothing typed is lost.
	 */
	#followSelection(): void {
		const state = this.session.getState();
		const left = this.#lineFor;
		if (state.selected === left) return;
		this.#lineFor = state.selected;
		this.#recall.index = -1;
		this.#completion = undefined;
		this.#confirming = undefined;
		const gone = left !== STATUS && !conversationList(state).some((conversation) => conversation.key === left);
		if (gone || state.question) {
			this.session.kept.keepDraft(left, '');
			this.#keepDraftNow();
			return;
		}
		this.#keepDraftNow(left);
		if (this.#line.text) this.#drafts.set(left, this.#line.text);
		else this.#drafts.delete(left);
		const draft = this.#drafts.get(state.selected) ?? '';
		this.#drafts.delete(state.selected);
		this.#setLine(lineOf(draft));
	}

	/** Typing writes the draft to disk at most every DRAFT_KEPT_MS; a switch or a quit writes it at once. */
	#keepDraftSoon(): void {
		this.#draftTimer ??= setTimeout(() => this.#keepDraftNow(), DRAFT_KEPT_MS).unref();
	}

	#keepDraftNow(key = this.#lineFor): void {
		clearTimeout(this.#draftTimer);
		this.#draftTimer = undefined;
		if (this.session.getState().question) return;
		this.session.kept.keepDraft(key, this.#line.text);
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
			ask: session.ask,
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
		this.#keepDraftNow();
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
			case 'status':
				return dispatch({ type: 'select', key: STATUS });
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
			case 'reconnect':
				return this.session.client.retryNow();
			case 'first-unread':
				return this.#toFirstUnread();
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
		// Scrolling by hand while Home's load runs keeps the view where the user put it.
		this.#homeAsked = undefined;
		const page = Math.max(1, this.layout.logRows - 1);
		switch (action) {
			case 'scroll-up': {
				const to = Math.min(state.scroll + page, this.#scrollLimit(state.scroll + page));
				if (to === state.scroll) this.session.loadOlder();
				return dispatch({ type: 'scroll', to });
			}
			case 'scroll-down':
				return dispatch({ type: 'scroll', to: Math.max(0, state.scroll - page) });
			case 'scroll-top':
				return this.#toOldest(state);
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
		const top = lastRows(before.logs[key] ?? [], state.me, width, state.scroll + logRows, logViewOf(before)).rows[0]?.key;
		if (top === undefined) return;
		// Look further up only as far as needed: each row formatted costs.
		for (let extra = 64; extra <= 65_536; extra *= 4) {
			const { rows, more } = lastRows(state.logs[key] ?? [], state.me, width, state.scroll + logRows + extra, logViewOf(state));
			const at = rows.findIndex((row) => row.key === top);
			if (at >= 0) {
				const to = rows.length - logRows - at;
				if (to !== state.scroll) this.session.dispatch({ type: 'scroll', to });
				return;
			}
			if (!more) return;
		}
	}

	/**
	 * Home: to the top of what is loaded at once, then the whole history
	 * loads (progress in the log's title row) and the log goes to its first
	 * message, unless the user scrolled or left meanwhile.
	 */
	#toOldest(state: ChatState): void {
		const { dispatch } = this.session;
		const key = state.selected;
		dispatch({ type: 'scroll', to: this.#scrollLimit(Number.MAX_SAFE_INTEGER) });
		if (!isConversation(key) || state.loading) return;
		// Not "the scroll is still where Home put it": keeping the view still as pages arrive above may move it by a row.
		const asked = (this.#homeAsked = {});
		this.session.loadAll(key).then(
			(loaded) => {
				const now = this.session.getState();
				if (loaded && now.selected === key && this.#homeAsked === asked) dispatch({ type: 'scroll', to: this.#scrollLimit(Number.MAX_SAFE_INTEGER) });
			},
			(error: ProtocolError) => dispatch({ type: 'system', key, tone: 'error', text: `could not load older messages: ${error.message}` }),
		);
	}

	/** The first unread message near the top of the log: the last read one, the "new messages" line, then it. */
	#toFirstUnread(): void {
		const { dispatch } = this.session;
		const key = this.session.getState().selected;
		if (!isConversation(key)) return;
		this.session.firstUnread().then(
			(id) => {
				const state = this.session.getState();
				if (state.selected !== key) return;
				if (id === undefined) return dispatch({ type: 'system', tone: 'notice', text: 'nothing unread here' });
				const { logRows, logWidth } = this.layout;
				const to = scrollToShow(state.logs[key] ?? [], id, state.me, logWidth - 2, logRows, 2, logViewOf(state));
				if (to !== undefined) dispatch({ type: 'scroll', to });
			},
			(error: ProtocolError) => dispatch({ type: 'system', key, tone: 'error', text: `could not load older messages: ${error.message}` }),
		);
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
			// The view's aliases and lines: rows counted otherwise would not be the rows drawn.
			logViewOf(state),
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
		const to = scrollToShow(entries, marked.id, state.me, logWidth - 2, logRows, Math.floor(logRows / 3), logViewOf(state));
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

	/** Tab: completes the text before the cursor (what follows it stays); Tab again offers the next, then the line as it was. */
	#complete(): void {
		if (!this.#completion) {
			const { text, cursor } = this.#line;
			const after = text.slice(cursor);
			const options = completeLine(text.slice(0, cursor), this.session.getState());
			if (options.length === 0) return;
			this.#completion = { options: [...options.map((option) => ({ text: option + after, cursor: option.length })), this.#line], index: -1 };
		}
		const cycle = this.#completion;
		cycle.index = (cycle.index + 1) % cycle.options.length;
		this.#setLine(cycle.options[cycle.index]!);
	}

	/** Sends the line or runs its command; false when the line stays (a long message awaiting confirmation). */
	#submit(text: string): boolean {
		const { session } = this;
		const state = session.getState();
		const parsed = parseInput(text);
		const invite = selectedInvite(state);
		if (parsed.kind === 'empty' && invite) {
			// Enter on an invite accepts it, as /join does.
			joinGroup({ client: session.client, state, dispatch: session.dispatch }, invite.group).catch((error: unknown) =>
				session.dispatch({ type: 'system', key: STATUS, tone: 'error', text: `could not join ${invite.group}: ${describeError(error)}` }),
			);
			return true;
		}
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
			session.dispatch({ type: 'system', key: STATUS, tone: 'error', text: `unknown command /${parsed.name}: ${chatKey('help')} or /help lists them` });
			return true;
		}
		const context = this.#commandContext(state, command);
		Promise.resolve()
			.then(() => command.run(context, parsed.args))
			.catch((error: unknown) => {
				const usage = error instanceof UsageError ? ` — usage: /${command.name} ${command.usage}` : '';
				context.dispatch({ type: 'system', tone: 'error', text: `/${command.name}: ${describeError(error)}${usage}` });
			});
		return true;
	}

	/** What a command may use: the session's parts and the app's ways out. */
	#commandContext(state: ChatState, command: Command): CommandContext {
		const { session, actions } = this;
		return {
			client: session.client,
			state,
			dispatch: outputTo(command, session.dispatch),
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
