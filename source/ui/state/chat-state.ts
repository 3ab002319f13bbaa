import type { StateChange } from '../../client/index.js';
import type { TransferProgress } from '../../client/transfer-progress.js';
import type { Friend, FriendRequest, Group, Member, Message, RemovedFriend } from '../../protocol/index.js';
import {
	friendConversation,
	groupConversation,
	groupKey,
	keyOfMessage,
	userKey,
	type ConversationKey,
	type ConversationRef,
} from './conversations.js';

/** One line (before wrapping) of a conversation's log. */
export type LogEntry =
	| { kind: 'message'; message: Message }
	/** Sent by us, not yet acknowledged by the server. */
	| { kind: 'pending'; cid: string; from: string; text: string; ts: string; failed?: string }
	| { kind: 'system'; id: number; text: string; ts: string; tone: SystemTone };

export type SystemTone = 'info' | 'error' | 'presence' | 'notice';

export type Overlay =
	| { kind: 'help'; offset: number }
	| { kind: 'switcher'; filter: string; index: number }
	| { kind: 'members'; group: string; members: Member[] };

export interface ChatState {
	me: string;
	server: string;
	connection: StateChange;
	/** Set when this window runs the server too. */
	hosting: boolean;
	friends: Friend[];
	requests: FriendRequest[];
	groups: Group[];
	/** The status log (key `status`) holds what belongs to no conversation. */
	selected: ConversationKey | 'status';
	logs: Record<string, LogEntry[]>;
	unread: Record<string, number>;
	/** Rows scrolled up from the bottom of the selected log. */
	scroll: number;
	/** Conversations whose older history is known to be fully loaded. */
	historyComplete: Record<string, boolean>;
	overlay: Overlay | undefined;
	nextSystemId: number;
	/** files: the upload or download in progress, for the progress bar. */
	transfer?: Transfer | undefined;
}

/** files: one transfer at a time, as the progress bar shows it. */
export interface Transfer {
	direction: 'upload' | 'download';
	name: string;
	progress: TransferProgress;
}

export const STATUS = 'status' as const;

/** The newest entries a log keeps in memory; older ones come back from local history on scroll. */
export const LOG_ENTRIES_KEPT = 2000;

export type ChatAction =
	| { type: 'logged-in'; friends: Friend[]; groups: Group[]; requests: FriendRequest[] }
	| { type: 'connection'; change: StateChange }
	| { type: 'message'; message: Message }
	/** Older messages (local or server history) for one conversation. */
	| { type: 'history'; key: ConversationKey; messages: Message[]; complete?: boolean }
	| { type: 'pending'; key: ConversationKey; cid: string; text: string; ts: string }
	| { type: 'acknowledged'; cid: string; message: Message }
	| { type: 'send-failed'; key: ConversationKey; cid: string; reason: string }
	| { type: 'presence'; username: string; online: boolean }
	| { type: 'friend-request'; from: string }
	| { type: 'friend-update'; friend: Friend | RemovedFriend }
	| { type: 'friends'; friends: Friend[]; requests: FriendRequest[] }
	| { type: 'group-update'; group: Group; event: 'joined' | 'left' | 'deleted'; username: string }
	| { type: 'groups'; groups: Group[] }
	| { type: 'group-joined'; group: Group }
	| { type: 'group-gone'; name: string }
	| { type: 'system'; text: string; tone?: SystemTone; key?: ConversationKey | 'status' }
	| { type: 'select'; key: ConversationKey | 'status' }
	| { type: 'select-relative'; delta: number }
	/** Rows from the bottom; the screen clamps it to what the log holds. */
	| { type: 'scroll'; to: number }
	| { type: 'overlay'; overlay: Overlay | undefined }
	/** files: a transfer's progress, or its end (undefined). */
	| { type: 'transfer'; transfer: Transfer | undefined };

export function initialChatState(me: string, server: string, hosting = false): ChatState {
	return {
		me,
		server,
		connection: { state: 'open' },
		hosting,
		friends: [],
		requests: [],
		groups: [],
		selected: STATUS,
		logs: {},
		unread: {},
		scroll: 0,
		historyComplete: {},
		overlay: undefined,
		nextSystemId: 1,
	};
}

const byName = (a: { username?: string; name?: string }, b: { username?: string; name?: string }) =>
	(a.username ?? a.name ?? '').localeCompare(b.username ?? b.name ?? '', undefined, { sensitivity: 'base' });

/** The sidebar's conversations, in the order Ctrl-N/Ctrl-P and Alt-1…9 follow: friends, then groups. */
export function conversationList(state: ChatState): ConversationRef[] {
	return [...state.friends.map(friendConversation), ...state.groups.map(groupConversation)];
}

export function selectedConversation(state: ChatState): ConversationRef | undefined {
	return conversationList(state).find((conversation) => conversation.key === state.selected);
}

export function incomingRequests(state: ChatState): FriendRequest[] {
	const me = state.me.toLowerCase();
	return state.requests.filter((request) => request.to.toLowerCase() === me);
}

/** Places a message among the others by seq; an id already there is not added twice. */
function insertMessage(log: LogEntry[], message: Message): LogEntry[] {
	let newest = true;
	for (let index = log.length - 1; index >= 0; index--) {
		const entry = log[index]!;
		if (entry.kind !== 'message') continue;
		if (entry.message.id === message.id || entry.message.seq === message.seq) return log;
		if (entry.message.seq < message.seq) {
			if (newest) break;
			return [...log.slice(0, index + 1), { kind: 'message', message }, ...log.slice(index + 1)];
		}
		newest = false;
	}
	if (newest) {
		// Newer than every message here (or the first): below the system lines shown so far, above our own unacknowledged lines.
		let at = log.length;
		while (at > 0 && log[at - 1]!.kind === 'pending') at--;
		return [...log.slice(0, at), { kind: 'message', message }, ...log.slice(at)];
	}
	// Older than everything here: before all other messages, after leading system lines.
	const firstMessage = log.findIndex((entry) => entry.kind === 'message');
	return [...log.slice(0, firstMessage), { kind: 'message', message }, ...log.slice(firstMessage)];
}

function trim(log: LogEntry[]): LogEntry[] {
	return log.length > LOG_ENTRIES_KEPT ? log.slice(log.length - LOG_ENTRIES_KEPT) : log;
}

/**
 * Updates one log. New entries push the oldest out past LOG_ENTRIES_KEPT;
 * older history the user scrolled back for is kept (`keepAll`), or paging
 * back would throw away the page it just loaded.
 */
function withLog(state: ChatState, key: string, update: (log: LogEntry[]) => LogEntry[], keepAll = false): ChatState {
	const log = update(state.logs[key] ?? []);
	return { ...state, logs: { ...state.logs, [key]: keepAll ? log : trim(log) } };
}

function addSystem(state: ChatState, key: string, text: string, tone: SystemTone): ChatState {
	const entry: LogEntry = { kind: 'system', id: state.nextSystemId, text, ts: new Date().toISOString(), tone };
	return { ...withLog(state, key, (log) => [...log, entry]), nextSystemId: state.nextSystemId + 1 };
}

/** A system line in the given log and, if it is elsewhere, in the one on screen too. */
function announce(state: ChatState, key: string, text: string, tone: SystemTone): ChatState {
	const next = addSystem(state, key, text, tone);
	return state.selected === key ? next : addSystem(next, state.selected, text, tone);
}

function displayName(state: ChatState, username: string): string {
	const friend = state.friends.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase());
	return friend?.alias ? `${friend.alias} (${friend.username})` : username;
}

function select(state: ChatState, key: ConversationKey | 'status'): ChatState {
	const { [key]: _read, ...unread } = state.unread;
	return { ...state, selected: key, unread, scroll: 0, overlay: undefined };
}

function upsertFriend(friends: Friend[], friend: Friend): Friend[] {
	const rest = friends.filter((candidate) => candidate.username.toLowerCase() !== friend.username.toLowerCase());
	return [...rest, friend].sort(byName);
}

function dropFriend(friends: Friend[], username: string): Friend[] {
	return friends.filter((friend) => friend.username.toLowerCase() !== username.toLowerCase());
}

function dropRequestsWith(requests: FriendRequest[], username: string): FriendRequest[] {
	const name = username.toLowerCase();
	return requests.filter((request) => request.from.toLowerCase() !== name && request.to.toLowerCase() !== name);
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
	switch (action.type) {
		case 'logged-in':
			return {
				...state,
				friends: [...action.friends].sort(byName),
				groups: [...action.groups].sort(byName),
				requests: action.requests,
			};
		case 'connection':
			return { ...state, connection: action.change };
		case 'message': {
			const key = keyOfMessage(action.message, state.me);
			const next = withLog(state, key, (log) => insertMessage(log, action.message));
			const mine = action.message.from.toLowerCase() === state.me.toLowerCase();
			if (mine || key === state.selected || next.logs[key] === state.logs[key]) return next;
			return { ...next, unread: { ...next.unread, [key]: (next.unread[key] ?? 0) + 1 } };
		}
		case 'history': {
			let next = withLog(state, action.key, (log) => action.messages.reduce(insertMessage, log), true);
			if (action.complete) next = { ...next, historyComplete: { ...next.historyComplete, [action.key]: true } };
			return next;
		}
		case 'pending':
			return withLog(state, action.key, (log) => [
				...log,
				{ kind: 'pending', cid: action.cid, from: state.me, text: action.text, ts: action.ts },
			]);
		case 'acknowledged': {
			const key = keyOfMessage(action.message, state.me);
			return withLog(state, key, (log) => {
				const without = log.filter((entry) => !(entry.kind === 'pending' && entry.cid === action.cid));
				return insertMessage(without, action.message);
			});
		}
		case 'send-failed':
			return withLog(state, action.key, (log) =>
				log.map((entry) =>
					entry.kind === 'pending' && entry.cid === action.cid ? { ...entry, failed: action.reason } : entry,
				),
			);
		case 'presence': {
			const friends = state.friends.map((friend) =>
				friend.username.toLowerCase() === action.username.toLowerCase() ? { ...friend, online: action.online } : friend,
			);
			const text = `${displayName(state, action.username)} is ${action.online ? 'online' : 'offline'}`;
			const isFriend = friends.some((friend) => friend.username.toLowerCase() === action.username.toLowerCase());
			const next = { ...state, friends };
			return isFriend ? announce(next, userKey(action.username), text, 'presence') : addSystem(next, STATUS, text, 'presence');
		}
		case 'friend-request': {
			const request: FriendRequest = { from: action.from, to: state.me, ts: new Date().toISOString() };
			const next = { ...state, requests: [...dropRequestsWith(state.requests, action.from), request] };
			return announce(next, STATUS, `${action.from} wants to be your friend: /accept ${action.from} or /decline ${action.from}`, 'notice');
		}
		case 'friend-update': {
			const { friend } = action;
			const requests = dropRequestsWith(state.requests, friend.username);
			if ('removed' in friend) {
				const next = { ...state, friends: dropFriend(state.friends, friend.username), requests };
				return announce(next, STATUS, `${friend.username} is no longer your friend`, 'notice');
			}
			const known = state.friends.some((candidate) => candidate.username.toLowerCase() === friend.username.toLowerCase());
			const next = { ...state, friends: upsertFriend(state.friends, friend), requests };
			return known ? next : announce(next, userKey(friend.username), `${friend.username} is now your friend`, 'notice');
		}
		case 'friends':
			return { ...state, friends: [...action.friends].sort(byName), requests: action.requests };
		case 'group-update': {
			const key = groupKey(action.group.name);
			const mine = action.username.toLowerCase() === state.me.toLowerCase();
			if (action.event === 'deleted') {
				const next = { ...state, groups: state.groups.filter((group) => groupKey(group.name) !== key) };
				return announce(next, key, `${action.username} deleted ${action.group.name}`, 'notice');
			}
			if (mine && action.event === 'left') {
				const next = { ...state, groups: state.groups.filter((group) => groupKey(group.name) !== key) };
				return addSystem(next, key, `you left ${action.group.name}`, 'info');
			}
			let next = state;
			if (mine && action.event === 'joined' && !state.groups.some((group) => groupKey(group.name) === key)) {
				next = { ...state, groups: [...state.groups, action.group].sort(byName) };
			}
			return addSystem(next, key, `${action.username} ${action.event} ${action.group.name}`, 'presence');
		}
		case 'groups':
			return { ...state, groups: [...action.groups].sort(byName) };
		case 'group-joined': {
			const key = groupKey(action.group.name);
			const groups = [...state.groups.filter((group) => groupKey(group.name) !== key), action.group].sort(byName);
			return select({ ...state, groups }, key);
		}
		case 'group-gone': {
			const key = groupKey(action.name);
			const next = { ...state, groups: state.groups.filter((group) => groupKey(group.name) !== key) };
			return next.selected === key ? select(next, STATUS) : next;
		}
		case 'system':
			return addSystem(state, action.key ?? state.selected, action.text, action.tone ?? 'info');
		case 'select':
			return select(state, action.key);
		case 'select-relative': {
			const keys: Array<ConversationKey | 'status'> = [STATUS, ...conversationList(state).map((c) => c.key)];
			const index = Math.max(0, keys.indexOf(state.selected));
			const target = keys[(index + action.delta + keys.length) % keys.length]!;
			return select(state, target);
		}
		case 'scroll':
			return { ...state, scroll: Math.max(0, action.to) };
		case 'overlay':
			return { ...state, overlay: action.overlay };
		case 'transfer':
			return { ...state, transfer: action.transfer };
	}
}
