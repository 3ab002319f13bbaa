import { randomUUID } from 'node:crypto';
import type { ChatClient, EventBuffer } from '../../client/index.js';
import type { HistoryStore } from '../../local/history-store.js';
import {
	EVENT_TYPES,
	HISTORY_DEFAULT_LIMIT,
	HISTORY_MAX_LIMIT,
	type EventOf,
	type EventType,
	type Message,
	type Peer,
	type ProtocolError,
	type RequestInput,
	type ResultOf,
} from '../../protocol/index.js';
import type { CommandSettings } from '../commands/registry.js';
import { keyName, KEY_BINDINGS } from '../keys.js';
import {
	chatReducer,
	conversationList,
	initialChatState,
	isConversation,
	STATUS,
	type ChatAction,
	type ChatState,
	type Question,
} from '../state/chat-state.js';
import { keyOfMessage, keyOfPeer, peerOfKey, type ConversationKey } from '../state/conversations.js';
import { eventActions } from './client-events.js';
import { KeptState } from './kept-state.js';
import { newestSeq, nextLoadedSeq, oldestSeq } from './log-seqs.js';
import { Pacing } from './pacing.js';
import { SearchRunner } from './search-runner.js';
import { Transfers } from './transfers.js';

/** The settings the session reads and the commands change (`/bell`, `/sort`), kept in the profile. */
export type SessionSettings = CommandSettings;

export interface ChatSessionOptions {
	client: ChatClient;
	history: HistoryStore;
	server: string;
	login: ResultOf<'login'>;
	hosting: boolean;
	motd?: string | undefined;
	/** Rings the terminal bell (a DM or a mention elsewhere); none when not given. */
	ring?: (() => void) | undefined;
	/** Events that came before this session listened (see EventBuffer). */
	early?: EventBuffer | undefined;
	settings: SessionSettings;
}

/** What the screen draws: the state, and the clock that "typing…" and the reconnect countdown are read against. */
export interface SessionSnapshot {
	state: ChatState;
	now: number;
}

/** Messages after a hit loaded with it, so it is seen with what followed. */
const MESSAGES_AFTER_HIT = 10;
/**
 * Pages of history loaded between the hit and the newest messages so the log
 * has no gap; a hit further back is shown with its context and no more.
 */
const MAX_GAP_PAGES = 5;

function firstState({ login, server, hosting, motd, settings, client }: ChatSessionOptions, lastOpen: string | undefined): ChatState {
	const me = login.user.username;
	let initial = initialChatState(me, server, hosting, settings.unreadFirst);
	initial = chatReducer(initial, {
		type: 'logged-in',
		friends: login.friends,
		groups: login.groups,
		requests: login.requests,
		unread: login.unread,
		invites: login.invites,
	});
	// Started from a saved login while the server is away: the lists are the last ones kept, and nobody's presence is known.
	if (client.state !== 'open') initial = chatReducer(initial, { type: 'connection', change: client.lastChange });
	if (motd) initial = chatReducer(initial, { type: 'system', text: motd, tone: 'notice', key: STATUS });
	initial = chatReducer(initial, {
		type: 'system',
		key: STATUS,
		text:
			client.state === 'open'
				? `logged in as ${me} on ${server}. ${keyName(KEY_BINDINGS, 'help')} or /help for keys and commands.`
				: `${server} cannot be reached; showing what this computer keeps, and logging in as ${me} once it answers (${keyName(KEY_BINDINGS, 'reconnect')} tries now).`,
	});
	// The conversation open when the last run ended, if it is still there; else the first.
	const conversations = conversationList(initial);
	const reopened = lastOpen === STATUS ? undefined : conversations.find((conversation) => conversation.key === lastOpen);
	const first = lastOpen === STATUS ? undefined : (reopened ?? conversations[0]);
	return first ? chatReducer(initial, { type: 'select', key: first.key }) : initial;
}

/**
 * The chat's application, with no React in it: ChatClient events feed the
 * reducer and the local history; opening a conversation shows local history
 * at once and then fills the gap from the server; reads and typing are
 * reported at a measured pace. The screen observes it (subscribe/snapshot)
 * and calls its methods; it lives as long as the login, not as long as a
 * component.
 */
export class ChatSession {
	readonly client: ChatClient;
	readonly me: string;
	readonly server: string;
	/** The settings as commands change them: `/sort` writes the profile and the list order in one step. */
	readonly settings: SessionSettings;
	readonly transfers: Transfers;
	readonly search: SearchRunner;
	/** What the next start picks up again: drafts, the open conversation, the last lists. */
	readonly kept: KeptState;
	readonly #options: ChatSessionOptions;
	#snapshot: SessionSnapshot;
	readonly #listeners = new Set<() => void>();
	readonly #pacing: Pacing;
	/** Conversations whose history has been asked of the server since the session began or logged in again. */
	readonly #loading = new Set<string>();
	/** Conversations whose local history has been put in the log. */
	readonly #shownLocal = new Set<string>();
	/** The command waiting for the input line's answer; only one question at a time. */
	#answering: ((answer: string | undefined) => void) | undefined;
	#offs: Array<() => void> = [];
	/** Between start and stop: listening, and following the state with timers and reports. */
	#running = false;

	constructor(options: ChatSessionOptions) {
		this.#options = options;
		this.client = options.client;
		this.me = options.login.user.username;
		this.server = options.server;
		this.kept = new KeptState(options.history, options.server, this.me);
		this.#snapshot = { state: firstState(options, this.kept.lastOpen()), now: Date.now() };
		this.settings = this.#settingsView(options.settings);
		this.transfers = new Transfers((action) => this.dispatch(action), (message) => this.#posted(message));
		this.search = new SearchRunner(this.client, (action) => this.dispatch(action), (hit) => this.reveal(hit));
		this.#pacing = new Pacing(this.client, this);
	}

	// the store the screen observes

	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	};

	readonly snapshot = (): SessionSnapshot => this.#snapshot;

	/** The latest state, for key handlers that run before the next render. */
	readonly getState = (): ChatState => this.#snapshot.state;

	readonly dispatch = (action: ChatAction): void => {
		const state = chatReducer(this.#snapshot.state, action);
		if (state === this.#snapshot.state) return;
		this.#publish({ ...this.#snapshot, state });
	};

	/** The clock moved (a countdown, someone stopped typing): draw again. */
	tick(now = Date.now()): void {
		this.#publish({ ...this.#snapshot, now });
	}

	#publish(snapshot: SessionSnapshot): void {
		const before = this.#snapshot.state;
		this.#snapshot = snapshot;
		if (!this.#running) return;
		this.#keep(before, snapshot.state);
		this.#pacing.follow(snapshot);
		this.#openSelected();
		for (const listener of this.#listeners) listener();
	}

	/** For the next start: the open conversation, and the lists as the server last gave them. */
	#keep(before: ChatState, state: ChatState): void {
		if (state.selected !== before.selected) this.kept.keepOpen(state.selected);
		const listsChanged = state.friends !== before.friends || state.groups !== before.groups || state.requests !== before.requests;
		if (listsChanged && state.presenceKnown) {
			this.kept.keepRoster({ friends: state.friends, groups: state.groups, requests: state.requests });
		}
	}

	// lifetime

	/** Listens to the client, replays what came before, and asks for what the screen needs first. */
	start(): void {
		if (this.#running) return;
		const handlers = eventActions((action) => this.dispatch(action), {
			message: (message) => this.#received(message),
			loggedInAgain: () => {
				// Every conversation may have missed messages while away: each fills its gap again when next opened.
				this.#loading.clear();
				this.#openSelected();
				this.#askIgnored();
			},
		});
		this.#offs = [...handlers.listen(this.client), ...this.#keepOutbox()];
		// What the login set off before this session listened (replayed messages, presence), in order.
		for (const event of this.#options.early?.take() ?? []) handlers.replay(event);
		this.#resendUnsent();
		if (this.client.isLoggedIn) this.#askIgnored();
		// From here on each new state is followed (reports, timers, history); the replay above was one step.
		this.#running = true;
		this.kept.keepOpen(this.getState().selected);
		if (this.getState().presenceKnown) this.#keep(initialChatState(this.me, this.server), this.getState());
		this.#publish(this.#snapshot);
	}

	/** accounts: whom the user ignores, for /unignore's completion; an older server without ignore.list leaves it unknown. */
	#askIgnored(): void {
		this.client.request('ignore.list', {}).then(
			({ users }) => this.dispatch({ type: 'ignored', users: users.map((user) => user.username) }),
			() => undefined,
		);
	}

	/** Stops listening and every timer; a command still asking is cancelled, not left waiting. */
	stop(): void {
		this.#running = false;
		this.#offs.forEach((off) => off());
		this.#offs = [];
		this.#pacing.stop();
		this.#answering?.(undefined);
		this.#answering = undefined;
	}

	// local history: the one writer

	/** Every message the session learns of goes into local history here, and nowhere else. */
	#remember(messages: Message[]): void {
		this.#options.history.add(this.server, this.me, messages);
	}

	#received(message: Message): void {
		this.#remember([message]);
		const before = this.getState();
		this.dispatch({ type: 'message', message });
		if (this.#calls(before, this.getState(), message)) this.#options.ring?.();
	}

	/**
	 * The bell rings for what the unread counts took as new and unread
	 * elsewhere, when it is a direct message or mentions the user: one
	 * decision (the reducer's), read twice.
	 */
	#calls(before: ChatState, after: ChatState, message: Message): boolean {
		const key = keyOfMessage(message, this.me);
		const counted = (after.unread[key] ?? 0) > (before.unread[key] ?? 0);
		const mentioned = (after.mentioned[key] ?? 0) > (before.mentioned[key] ?? 0);
		return this.settings.bell && counted && ('user' in message.to || mentioned);
	}

	/** files: the uploaded file's message, which the app posted itself. */
	#posted(message: Message): void {
		this.#remember([message]);
		this.dispatch({ type: 'message', message });
	}

	// paging

	/** A page of the server's history for one conversation, into local history and the log. */
	async #page(key: ConversationKey, before: number | undefined, limit: number): Promise<Message[]> {
		const { messages } = await this.client.request('history', { with: peerOfKey(key), ...(before !== undefined && { before }), limit });
		this.#remember(messages);
		return messages;
	}

	async #fetch(key: ConversationKey, before?: number): Promise<void> {
		const messages = await this.#page(key, before, HISTORY_DEFAULT_LIMIT);
		this.dispatch({ type: 'history', key, messages, complete: messages.length < HISTORY_DEFAULT_LIMIT });
	}

	/**
	 * Opening a conversation: local history now, then the newest page from
	 * the server to fill any gap (while logged out, once logged in again).
	 */
	#openSelected(): void {
		const key = this.getState().selected;
		if (!isConversation(key)) return;
		if (!this.#shownLocal.has(key)) {
			this.#shownLocal.add(key);
			const local = this.#options.history.page(this.server, key, HISTORY_DEFAULT_LIMIT);
			if (local.length > 0) this.dispatch({ type: 'history', key, messages: local });
		}
		if (this.#loading.has(key) || !this.client.isLoggedIn) return;
		this.#loading.add(key);
		this.#fetch(key).catch((error: ProtocolError) =>
			this.dispatch({ type: 'system', key, tone: 'error', text: `could not load history: ${error.message}` }),
		);
	}

	/** Shows older messages of the open conversation: local history first, then the server's. */
	loadOlder(): void {
		const key = this.getState().selected;
		if (!isConversation(key)) return;
		this.#older(key, HISTORY_DEFAULT_LIMIT).catch((error: ProtocolError) =>
			this.dispatch({ type: 'system', tone: 'error', text: `could not load older messages: ${error.message}` }),
		);
	}

	/**
	 * One page older than what a log shows: from local history when it
	 * continues right below (gap-free), else from the server. Resolves with
	 * whether there may be more.
	 */
	async #older(key: ConversationKey, limit: number): Promise<boolean> {
		const current = this.getState();
		const before = oldestSeq(current, key);
		if (current.historyComplete[key] || before === undefined || before <= 1) return false;
		const local = this.#options.history.page(this.server, key, limit, before);
		if (local.length > 0 && local.at(-1)!.seq === before - 1) {
			this.dispatch({ type: 'history', key, messages: local, complete: local[0]!.seq === 1 });
			return local[0]!.seq > 1;
		}
		const messages = await this.#page(key, before, limit);
		const complete = messages.length < limit || messages[0]?.seq === 1;
		this.dispatch({ type: 'history', key, messages, complete });
		return !complete;
	}

	/**
	 * Home: a conversation's history down to `untilSeq` (all of it by
	 * default), in pages of hundreds, saying how far it got. Resolves true
	 * when it is there, false when the user left the conversation first.
	 */
	async loadAll(key: ConversationKey, untilSeq = 1): Promise<boolean> {
		const newest = newestSeq(this.getState(), key);
		try {
			for (;;) {
				const state = this.getState();
				if (state.selected !== key) return false;
				const oldest = oldestSeq(state, key);
				if (oldest === undefined || oldest <= untilSeq || state.historyComplete[key]) return true;
				this.dispatch({ type: 'loading', loading: { key, oldest, newest } });
				if (!(await this.#older(key, HISTORY_MAX_LIMIT))) return true;
			}
		} finally {
			this.dispatch({ type: 'loading', loading: undefined });
		}
	}

	/** The first unread message of the open conversation (loading history back to it): its id, if there is one. */
	async firstUnread(): Promise<string | undefined> {
		const { selected: key, newLine } = this.getState();
		if (!isConversation(key) || newLine?.key !== key) return undefined;
		// Down to the last message read, so the line has what came before it above.
		if (!(await this.loadAll(key, newLine.afterSeq))) return undefined;
		const first = this.getState().logs[key]?.find((entry) => entry.kind === 'message' && entry.message.seq > newLine.afterSeq);
		return first?.kind === 'message' ? first.message.id : undefined;
	}

	// sending

	/** Sends text the way typing does: a pending line, the outbox, then the acknowledged message. */
	readonly sendText = (peer: Peer, text: string): void => {
		this.#send({ to: peer, text, cid: randomUUID() }, new Date().toISOString());
	};

	#send(fields: RequestInput<'send'>, ts: string): void {
		const key = keyOfPeer(fields.to);
		const { cid } = fields;
		this.dispatch({ type: 'pending', key, cid, text: fields.text.trim(), ts });
		this.client.request('send', fields).then(
			({ message }) => {
				this.#remember([message]);
				this.dispatch({ type: 'acknowledged', cid, message });
			},
			(error: ProtocolError) => this.dispatch({ type: 'send-failed', key, cid, reason: error.message }),
		);
	}

	/**
	 * The outbox on disk follows the client's, so a quit or a crash loses no
	 * send: a row when a send is queued (by typing or a file upload), gone
	 * when the server has stored or refused it.
	 */
	#keepOutbox(): Array<() => void> {
		const { history } = this.#options;
		return [
			this.client.on('send-queued', (fields) => history.addUnsent(this.server, this.me, fields)),
			this.client.on('send-settled', ({ cid }) => history.removeUnsent(this.server, this.me, cid)),
		];
	}

	/**
	 * What an earlier run queued and never saw acknowledged goes again with
	 * its cid: the server stores a (sender, cid) once, so one that did arrive
	 * before a crash is acknowledged with the message already stored.
	 */
	#resendUnsent(): void {
		for (const { fields, queuedAt } of this.#options.history.unsent(this.server, this.me)) {
			this.#send(fields, new Date(queuedAt).toISOString());
		}
	}

	/** The user typed in the input line of this conversation: tells the others, at most every few seconds. */
	noteTyping(peer: Peer): void {
		this.#pacing.typed(peer);
	}

	// search

	/** Opens a hit's conversation, loads the history around it and marks it. */
	reveal(hit: Message): void {
		const key = keyOfMessage(hit, this.me);
		this.dispatch({ type: 'select', key });
		this.dispatch({ type: 'mark', mark: { key, id: hit.id, follow: true } });
		const page = async (before: number, limit: number) => {
			const messages = await this.#page(key, before, limit);
			this.dispatch({ type: 'history', key, messages, ...(messages[0]?.seq === 1 && { complete: true }) });
			return messages;
		};
		const load = async () => {
			// The hit with the messages around it, and the newest ones (to know what lies between).
			const [around] = await Promise.all([page(hit.seq + MESSAGES_AFTER_HIT + 1, HISTORY_DEFAULT_LIMIT), this.#fetch(key)]);
			// Then the gap between them, if any, a page at a time down from the newest ones.
			const top = around.at(-1)?.seq ?? hit.seq;
			for (let pages = 0; pages < MAX_GAP_PAGES; pages++) {
				const next = nextLoadedSeq(this.getState(), key, top);
				if (next === undefined || next <= top + 1) return;
				if ((await page(next, HISTORY_MAX_LIMIT)).length === 0) return;
			}
		};
		load().catch((error: ProtocolError) =>
			this.dispatch({ type: 'system', key, tone: 'error', text: `could not load the messages around the hit: ${error.message}` }),
		);
	}

	// accounts: questions in the input line

	/** Asks in the input line; resolves with the answer, or undefined when cancelled (Esc, or another question). */
	readonly ask = (question: Question): Promise<string | undefined> =>
		new Promise<string | undefined>((resolve) => {
			this.#answering?.(undefined);
			this.#answering = resolve;
			this.dispatch({ type: 'ask', question });
		});

	/** The input line's answer to the question asked (undefined cancels it). */
	answer(text: string | undefined): void {
		const resolve = this.#answering;
		this.#answering = undefined;
		this.dispatch({ type: 'ask', question: undefined });
		resolve?.(text);
	}

	// settings

	#settingsView(stored: SessionSettings): SessionSettings {
		const dispatch = this.dispatch;
		return {
			get bell() {
				return stored.bell;
			},
			set bell(on: boolean) {
				stored.bell = on;
			},
			get unreadFirst() {
				return stored.unreadFirst;
			},
			set unreadFirst(on: boolean) {
				stored.unreadFirst = on;
				dispatch({ type: 'unread-first', on });
			},
		};
	}
}
