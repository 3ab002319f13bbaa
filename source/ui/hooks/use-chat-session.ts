import { randomUUID } from 'node:crypto';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSyncReducer } from './use-sync-reducer.js';
import type { ChatClient } from '../../client/index.js';
import type { HistoryStore } from '../../local/history-store.js';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, type Message, type Peer, type ProtocolError, type ResultOf } from '../../protocol/index.js';
import { chatReducer, conversationList, initialChatState, STATUS, type ChatAction, type ChatState } from '../state/chat-state.js';
import { keyOfMessage, keyOfPeer, type ConversationKey } from '../state/conversations.js';

export interface ChatSessionOptions {
	client: ChatClient;
	history: HistoryStore;
	server: string;
	login: ResultOf<'login'>;
	hosting: boolean;
	motd?: string | undefined;
}

export interface ChatSession {
	state: ChatState;
	/** The latest state, for key handlers that run before the next render. */
	getState(): ChatState;
	dispatch: (action: ChatAction) => void;
	sendText(peer: Peer, text: string): void;
	/** Shows older messages of the open conversation: local history first, then the server's. */
	loadOlder(): void;
	/** Now, ticking each second while a reconnect countdown shows. */
	now: number;
	/** search: opens a hit's conversation, loads the history around it and marks it. */
	reveal(hit: Message): void;
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

function oldestSeq(state: ChatState, key: string): number | undefined {
	const first = state.logs[key]?.find((entry) => entry.kind === 'message');
	return first?.kind === 'message' ? first.message.seq : undefined;
}

/**
 * The chat screen's state and the work behind it: ChatClient events feed the
 * reducer and the local history; opening a conversation shows local history
 * at once and then fills the gap from the server.
 */
export function useChatSession({ client, history, server, login, hosting, motd }: ChatSessionOptions): ChatSession {
	const me = login.user.username;
	const [state, dispatch, getState] = useSyncReducer(chatReducer, () => {
		let initial = chatReducer(initialChatState(me, server, hosting), {
			type: 'logged-in',
			friends: login.friends,
			groups: login.groups,
			requests: login.requests,
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
		const offs = [
			client.on('message', ({ message }) => {
				remember([message]);
				dispatch({ type: 'message', message });
			}),
			client.on('presence', ({ username, online }) => dispatch({ type: 'presence', username, online })),
			client.on('friend.request', ({ from }) => dispatch({ type: 'friend-request', from })),
			client.on('friend.update', ({ friend }) => dispatch({ type: 'friend-update', friend })),
			client.on('group.update', (update) => dispatch({ type: 'group-update', ...update })),
			client.on('notice', ({ text }) => dispatch({ type: 'system', text, tone: 'notice' })),
			client.on('state', (change) => dispatch({ type: 'connection', change })),
			client.on('login', (result) => {
				// After a reconnect: lists may have changed, and another session may have had messages we missed.
				if (!('friends' in result)) return;
				dispatch({ type: 'logged-in', friends: result.friends, groups: result.groups, requests: result.requests });
				const open = getState().selected;
				if (open !== STATUS) fetchFromServer(open).catch(() => undefined);
			}),
		];
		return () => offs.forEach((off) => off());
	}, [client, remember, fetchFromServer, getState]);

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

	return { state, getState, dispatch, sendText, loadOlder, now, reveal };
}
