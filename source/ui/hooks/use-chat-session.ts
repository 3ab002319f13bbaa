import { randomUUID } from 'node:crypto';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSyncReducer } from './use-sync-reducer.js';
import type { ChatClient, EventBuffer } from '../../client/index.js';
import type { HistoryStore } from '../../local/history-store.js';
import {
	EVENT_TYPES,
	HISTORY_DEFAULT_LIMIT,
	HISTORY_MAX_LIMIT,
	TYPING_INTERVAL_MS,
	TYPING_SHOWN_MS,
	type EventOf,
	type EventType,
	type Message,
	type Peer,
	type ProtocolError,
	type ResultOf,
} from '../../protocol/index.js';
import { mentions } from '../format/mentions.js';
import {
	chatReducer,
	conversationList,
	initialChatState,
	STATUS,
	type ChatAction,
	type ChatState,
	type Question,
} from '../state/chat-state.js';
import { groupKey, keyOfMessage, keyOfPeer, userKey, type ConversationKey } from '../state/conversations.js';

/** A conversation on screen is reported read at most this often (a busy group would otherwise send one per message). */
const READ_REPORT_MS = 1_000;

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
	/** The `/bell` and `/sort` settings. */
	settings?: { readonly bell: boolean; readonly unreadFirst: boolean } | undefined;
}

export interface ChatSession {
	state: ChatState;
	/** The latest state, for key handlers that run before the next render. */
	getState(): ChatState;
	dispatch: (action: ChatAction) => void;
	sendText(peer: Peer, text: string): void;
	/** The user typed in the input line of this conversation: tells the others, at most every few seconds. */
	noteTyping(peer: Peer): void;
	/** Shows older messages of the open conversation: local history first, then the server's. */
	loadOlder(): void;
	/** Now, ticking each second while a reconnect countdown shows. */
	now: number;
	/** search: opens a hit's conversation, loads the history around it and marks it. */
	reveal(hit: Message): void;
	/** accounts: asks in the input line; resolves with the answer, or undefined when cancelled (Esc, or another question). */
	ask(question: Question): Promise<string | undefined>;
	/** accounts: the input line's answer to the question asked (undefined cancels it). */
	answer(text: string | undefined): void;
}

// search

/** Messages after a hit loaded with it, so it is seen with what followed. */
const MESSAGES_AFTER_HIT = 10;
/**
 * Pages of history loaded between the hit and the newest messages so the log
 * has no gap; a hit further back is shown with its context and no more.
 */
const MAX_GAP_PAGES = 5;

/** The lowest seq loaded above `seq` in a log, if any. */
function nextLoadedSeq(state: ChatState, key: string, seq: number): number | undefined {
	let next: number | undefined;
	for (const entry of state.logs[key] ?? []) {
		if (entry.kind === 'message' && entry.message.seq > seq && (next === undefined || entry.message.seq < next)) next = entry.message.seq;
	}
	return next;
}

function peerOfKey(key: ConversationKey): Peer {
	const [kind, name] = key.split(':') as ['user' | 'group', string];
	return kind === 'user' ? { user: name } : { group: name };
}

/** The newest message's seq in a conversation's log (0 for none). */
function newestSeq(state: ChatState, key: string): number {
	const log = state.logs[key] ?? [];
	for (let index = log.length - 1; index >= 0; index--) {
		const entry = log[index]!;
		if (entry.kind === 'message') return entry.message.seq;
	}
	return 0;
}

function oldestSeq(state: ChatState, key: string): number | undefined {
	const first = state.logs[key]?.find((entry) => entry.kind === 'message');
	return first?.kind === 'message' ? first.message.seq : undefined;
}

/**
 * The chat screen's state and the work behind it: ChatClient events feed the
 * reducer and the local history; opening a conversation shows local history
 * at once and then fills the gap from the server.
 */
export function useChatSession({ client, history, server, login, early, hosting, motd, ring, settings }: ChatSessionOptions): ChatSession {
	const me = login.user.username;
	const [state, dispatch, getState] = useSyncReducer(chatReducer, () => {
		let initial = chatReducer(initialChatState(me, server, hosting, settings?.unreadFirst), {
			type: 'logged-in',
			friends: login.friends,
			groups: login.groups,
			requests: login.requests,
			unread: login.unread,
		});
		if (motd) initial = chatReducer(initial, { type: 'system', text: motd, tone: 'notice', key: STATUS });
		initial = chatReducer(initial, {
			type: 'system',
			key: STATUS,
			text: `logged in as ${me} on ${server}. F1 or /help for keys and commands.`,
		});
		const first = conversationList(initial)[0];
		return first ? chatReducer(initial, { type: 'select', key: first.key }) : initial;
	});
	const [now, setNow] = useState(Date.now());
	const loading = useRef(new Set<string>());
	/** Per conversation: the seq last reported read, and when. */
	const reported = useRef(new Map<string, { seq: number; at: number }>());
	const typingSent = useRef(new Map<string, number>());

	const remember = useCallback((messages: Message[]) => history.add(server, me, messages), [history, server, me]);

	const fetchFromServer = useCallback(
		async (key: ConversationKey, before?: number) => {
			const { messages } = await client.request('history', {
				with: peerOfKey(key),
				...(before !== undefined && { before }),
				limit: HISTORY_DEFAULT_LIMIT,
			});
			remember(messages);
			dispatch({ type: 'history', key, messages, complete: messages.length < HISTORY_DEFAULT_LIMIT });
		},
		[client, remember],
	);

	// ChatClient events → reducer (and every message into local history).
	useEffect(() => {
		const onEvent: { [T in EventType]: (event: EventOf<T>) => void } = {
			message: ({ message }) => {
				remember([message]);
				const before = getState();
				dispatch({ type: 'message', message });
				const key = keyOfMessage(message, me);
				const fromOther = message.from.toLowerCase() !== me.toLowerCase();
				const direct = 'user' in message.to;
				if (ring && fromOther && key !== before.selected && (direct || mentions(message.text, me)) && (settings?.bell ?? true)) ring();
			},
			read: ({ with: peer, seq }) => dispatch({ type: 'read', key: keyOfPeer(peer), seq }),
			typing: ({ from, to }) => {
				const key = 'group' in to ? groupKey(to.group) : userKey(from);
				dispatch({ type: 'typing', key, username: from, until: Date.now() + TYPING_SHOWN_MS });
			},
			presence: ({ username, online }) => dispatch({ type: 'presence', username, online }),
			'friend.request': ({ from }) => dispatch({ type: 'friend-request', from }),
			'friend.update': ({ friend }) => dispatch({ type: 'friend-update', friend }),
			'group.update': (update) => dispatch({ type: 'group-update', ...update }),
			notice: ({ text }) => dispatch({ type: 'system', text, tone: 'notice' }),
			// The App takes the user back to the log-in screen (ChatClient's `revoked`).
			'session.revoked': () => undefined,
		};
		const offs = [
			...EVENT_TYPES.map((type) => client.on(type, onEvent[type] as (event: EventOf<typeof type>) => void)),
			client.on('state', (change) => dispatch({ type: 'connection', change })),
			client.on('login', (result) => {
				// After a reconnect: lists may have changed, and another session may have had messages we missed.
				if (!('friends' in result)) return;
				dispatch({
					type: 'logged-in',
					friends: result.friends,
					groups: result.groups,
					requests: result.requests,
					unread: result.unread,
				});
				const open = getState().selected;
				if (open !== STATUS) fetchFromServer(open).catch(() => undefined);
			}),
		];
		// What the login set off before this screen listened (replayed messages, presence), in order.
		for (const { type, ...event } of early?.take() ?? []) (onEvent[type] as (event: unknown) => void)(event);
		return () => offs.forEach((off) => off());
	}, [client, remember, fetchFromServer, getState, me, ring, settings, early]);

	// accounts: whom the user ignores, for /unignore's completion; an older server without ignore.list leaves it unknown.
	useEffect(() => {
		client.request('ignore.list', {}).then(
			({ users }) => dispatch({ type: 'ignored', users: users.map((user) => user.username) }),
			() => undefined,
		);
	}, [client]);

	// accounts: the command waiting for the input line's answer; only one question at a time.
	const answering = useRef<((answer: string | undefined) => void) | undefined>(undefined);
	const answer = useCallback(
		(text: string | undefined) => {
			const resolve = answering.current;
			answering.current = undefined;
			dispatch({ type: 'ask', question: undefined });
			resolve?.(text);
		},
		[dispatch],
	);
	const ask = useCallback(
		(question: Question) =>
			new Promise<string | undefined>((resolve) => {
				answering.current?.(undefined);
				answering.current = resolve;
				dispatch({ type: 'ask', question });
			}),
		[dispatch],
	);
	// A command still asking when the screen goes (logged out) is cancelled, not left waiting.
	useEffect(() => () => answering.current?.(undefined), []);

	// Someone's "typing…" ends on its own: draw again when the first of them runs out.
	useEffect(() => {
		const untils = Object.values(state.typing).flatMap((who) => Object.values(who)).filter((until) => until > Date.now());
		if (untils.length === 0) return;
		const timer = setTimeout(() => setNow(Date.now()), Math.min(...untils) - Date.now() + 50);
		return () => clearTimeout(timer);
	}, [state.typing, now]);

	// What is on screen at the bottom of the open conversation counts as read, here and on the user's other devices.
	const selectedNewest = state.selected === STATUS ? 0 : newestSeq(state, state.selected);
	useEffect(() => {
		const key = state.selected;
		if (key === STATUS || state.scroll > 0 || selectedNewest === 0) return;
		const last = reported.current.get(key);
		if (last && last.seq >= selectedNewest) return;
		const report = () => {
			const seq = newestSeq(getState(), key);
			reported.current.set(key, { seq, at: Date.now() });
			dispatch({ type: 'read', key, seq });
			client.request('read', { with: peerOfKey(key), seq }).catch(() => undefined);
		};
		const wait = last ? last.at + READ_REPORT_MS - Date.now() : 0;
		if (wait <= 0) return report();
		const timer = setTimeout(report, wait);
		return () => clearTimeout(timer);
	}, [client, state.selected, state.scroll, selectedNewest, getState]);

	const noteTyping = useCallback(
		(peer: Peer) => {
			const key = keyOfPeer(peer);
			const at = Date.now();
			if (at - (typingSent.current.get(key) ?? 0) < TYPING_INTERVAL_MS) return;
			typingSent.current.set(key, at);
			client.request('typing', { to: peer }).catch(() => undefined);
		},
		[client],
	);

	// A once-a-second tick only while a countdown is on screen.
	useEffect(() => {
		if (state.connection.state !== 'reconnecting') return;
		const timer = setInterval(() => setNow(Date.now()), 1000);
		return () => clearInterval(timer);
	}, [state.connection.state]);

	// Opening a conversation: local history now, then the newest page from the server to fill any gap.
	useEffect(() => {
		const key = state.selected;
		if (key === STATUS || loading.current.has(key)) return;
		loading.current.add(key);
		const local = history.page(server, key, HISTORY_DEFAULT_LIMIT);
		if (local.length > 0) dispatch({ type: 'history', key, messages: local });
		fetchFromServer(key).catch((error: ProtocolError) =>
			dispatch({ type: 'system', key, tone: 'error', text: `could not load history: ${error.message}` }),
		);
	}, [state.selected, history, server, fetchFromServer]);

	const loadOlder = useCallback(() => {
		const current = getState();
		const key = current.selected;
		if (key === STATUS || current.historyComplete[key]) return;
		const before = oldestSeq(current, key);
		if (before === undefined || before <= 1) return;
		const local = history.page(server, key, HISTORY_DEFAULT_LIMIT, before);
		// Local history is gap-free only if it continues right below what is shown.
		if (local.length > 0 && local.at(-1)!.seq === before - 1) {
			dispatch({ type: 'history', key, messages: local, complete: local[0]!.seq === 1 });
			return;
		}
		fetchFromServer(key, before).catch((error: ProtocolError) =>
			dispatch({ type: 'system', tone: 'error', text: `could not load older messages: ${error.message}` }),
		);
	}, [history, server, fetchFromServer]);

	const sendText = useCallback(
		(peer: Peer, text: string) => {
			const key = keyOfPeer(peer);
			const cid = randomUUID();
			dispatch({ type: 'pending', key, cid, text: text.trim(), ts: new Date().toISOString() });
			client.send(peer, text, cid).then(
				(message) => {
					remember([message]);
					dispatch({ type: 'acknowledged', cid, message });
				},
				(error: ProtocolError) => dispatch({ type: 'send-failed', key, cid, reason: error.message }),
			);
		},
		[client, remember],
	);

	// search
	const reveal = useCallback(
		(hit: Message) => {
			const key = keyOfMessage(hit, me);
			dispatch({ type: 'select', key });
			dispatch({ type: 'mark', mark: { key, id: hit.id, follow: true } });
			const page = async (before: number, limit: number) => {
				const { messages } = await client.request('history', { with: peerOfKey(key), before, limit });
				remember(messages);
				dispatch({ type: 'history', key, messages, ...(messages[0]?.seq === 1 && { complete: true }) });
				return messages;
			};
			const load = async () => {
				// The hit with the messages around it, and the newest ones (to know what lies between).
				const [around] = await Promise.all([page(hit.seq + MESSAGES_AFTER_HIT + 1, HISTORY_DEFAULT_LIMIT), fetchFromServer(key)]);
				// Then the gap between them, if any, a page at a time down from the newest ones.
				const top = around.at(-1)?.seq ?? hit.seq;
				for (let pages = 0; pages < MAX_GAP_PAGES; pages++) {
					const next = nextLoadedSeq(getState(), key, top);
					if (next === undefined || next <= top + 1) return;
					if ((await page(next, HISTORY_MAX_LIMIT)).length === 0) return;
				}
			};
			load().catch((error: ProtocolError) =>
				dispatch({ type: 'system', key, tone: 'error', text: `could not load the messages around the hit: ${error.message}` }),
			);
		},
		[client, me, remember, fetchFromServer, getState],
	);

	return { state, getState, dispatch, sendText, noteTyping, loadOlder, now, reveal, ask, answer };
}
