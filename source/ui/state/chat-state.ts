import type { StateChange } from '../../client/index.js';
import type { TransferProgress } from '../../client/transfer-progress.js';
import type {
	BrowsedGroup,
	DeclinedFriend,
	Friend,
	FriendRequest,
	Group,
	GroupEvent,
	GroupInvite,
	Member,
	Message,
	Peer,
	ReadState,
	RemovedFriend,
	Role,
	SessionInfo,
} from '../../protocol/index.js';
import type { LogView } from '../format/log-rows.js';
import { mentions } from '../format/mentions.js';
import { aliasesOf, fullName } from './names.js';
import {
	friendConversation,
	groupConversation,
	groupKey,
	keyOfMessage,
	keyOfPeer,
	userKey,
	type ConversationKey,
	type ConversationRef,
} from './conversations.js';
import { inviteKey, inviteOfKey, isInviteKey, withInvite, withoutInvite, type InviteKey } from './invites.js';

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
	| MembersOverlay
	| BrowseOverlay
	| SearchOverlay
	| SessionsOverlay;

/** A line an overlay shows under its list: what the last action did, or why it was refused. */
export interface OverlayNote {
	text: string;
	tone: 'info' | 'error';
}

// groups

/** /members: the group's members in the order shown (source/ui/state/members.ts), a cursor, and what the last action did. */
export interface MembersOverlay {
	kind: 'members';
	group: string;
	members: Member[];
	index: number;
	note?: OverlayNote | undefined;
}

/** /groups: public groups matching the words, most members first, as the server answered. */
export interface BrowseOverlay {
	kind: 'browse';
	query: string;
	groups: BrowsedGroup[];
	index: number;
	status: 'loading' | 'done';
	note?: OverlayNote | undefined;
}

/** What the main pane shows: the status log, a conversation, or a pending group invite. */
export type ViewKey = ConversationKey | typeof STATUS | InviteKey;

// accounts

/** /sessions: the user's logins, this one first; a line says what the last revoke did. */
export interface SessionsOverlay {
	kind: 'sessions';
	sessions: SessionInfo[];
	index: number;
	note?: { text: string; tone: 'info' | 'error' } | undefined;
}

/** What the input line asks for a command (a password, a confirmation) instead of taking a message. */
export interface Question {
	/** Stands where the conversation's name does, e.g. `current password`. */
	prompt: string;
	/** Masked as it is typed, and never kept in the input history. */
	secret: boolean;
}

// search

/** The search overlay: the words as typed, and the hits of the last search run. */
export interface SearchOverlay {
	kind: 'search';
	/** The conversation searched, or undefined for every one of the user's. */
	within: { key: ConversationKey; label: string; peer: Peer } | undefined;
	query: string;
	/** The words the hits were found for; undefined before the first search. */
	searched: string | undefined;
	/** Tells a page of hits for this search from a late one for an earlier search (each prompt has its own). */
	run: symbol;
	/** Newest first, as the server answers. */
	hits: Message[];
	index: number;
	status: 'idle' | 'loading' | 'done' | 'error';
	/** The server has no hits older than the last one. */
	complete: boolean;
	error?: string | undefined;
}

/** A message the log marks: the hit a search jumped to. While `follow`, the log keeps it on screen. */
export interface LogMark {
	key: ConversationKey;
	id: string;
	follow: boolean;
}

export interface ChatState {
	me: string;
	server: string;
	connection: StateChange;
	/**
	 * Whether the friends' `online` is true now: not while the connection is
	 * down (nobody tells us), nor after it is back until the login reply
	 * brings the presence of the moment.
	 */
	presenceKnown: boolean;
	/** Set when this window runs the server too. */
	hosting: boolean;
	friends: Friend[];
	requests: FriendRequest[];
	groups: Group[];
	/** Pending invites to groups, oldest first. */
	invites: GroupInvite[];
	/** The status log (key `status`) holds what belongs to no conversation. */
	selected: ViewKey;
	logs: Record<string, LogEntry[]>;
	unread: Record<string, number>;
	/** Conversations with unread messages that mention the user (`@name`), and how many. */
	mentioned: Record<string, number>;
	/** The newest seq the user has read in each conversation, on any of their devices. */
	readSeq: Record<string, number>;
	/**
	 * The newest seq the server's unread counts of the last login include: a
	 * message up to it that arrives after the login (queued while away,
	 * replayed) is in the count already and must not be counted twice.
	 */
	countedSeq: Record<string, number>;
	/** Who is typing where: conversation → username → until when (ms since the epoch). */
	typing: Record<string, Record<string, number>>;
	/** List conversations with unread messages first (within contacts, and within groups). */
	unreadFirst: boolean;
	/** Rows scrolled up from the bottom of the selected log. */
	scroll: number;
	/** Messages that arrived in the selected log while it was scrolled up: "N new ↓". */
	newBelow: number;
	/** Conversations whose older history is known to be fully loaded. */
	historyComplete: Record<string, boolean>;
	overlay: Overlay | undefined;
	nextSystemId: number;
	/** search: the hit the log jumped to. */
	mark?: LogMark | undefined;
	/** files: the upload or download in progress, for the progress bar. */
	transfer?: Transfer | undefined;
	/** accounts: what the input line is asking for, while a command waits for the answer. */
	question?: Question | undefined;
	/** accounts: the users this user ignores, as far as known (for /unignore's completion). */
	ignored?: string[] | undefined;
	/** Where the open conversation's "new messages" line goes: above the first message after what was read when it was opened. */
	newLine?: { key: ConversationKey; afterSeq: number } | undefined;
	/** Home loading a conversation's whole history: how far it got, by seq. */
	loading?: HistoryLoading | undefined;
}

/** Home loading a conversation's whole history, page by page: the oldest seq loaded so far, of `newest`. */
export interface HistoryLoading {
	key: ConversationKey;
	oldest: number;
	newest: number;
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
	| {
			type: 'logged-in';
			friends: Friend[];
			groups: Group[];
			requests: FriendRequest[];
			unread?: ReadState[] | undefined;
			invites?: GroupInvite[] | undefined;
	  }
	/** Another device of the user's read a conversation up to `seq`. */
	| { type: 'read'; key: ConversationKey; seq: number }
	| { type: 'typing'; key: ConversationKey; username: string; until: number }
	| { type: 'unread-first'; on: boolean }
	| { type: 'connection'; change: StateChange }
	| { type: 'message'; message: Message }
	/** Older messages (local or server history) for one conversation. */
	| { type: 'history'; key: ConversationKey; messages: Message[]; complete?: boolean }
	| { type: 'pending'; key: ConversationKey; cid: string; text: string; ts: string }
	| { type: 'acknowledged'; cid: string; message: Message }
	| { type: 'send-failed'; key: ConversationKey; cid: string; reason: string }
	| { type: 'presence'; username: string; online: boolean }
	| { type: 'friend-request'; from: string }
	| { type: 'friend-update'; friend: Friend | RemovedFriend | DeclinedFriend }
	| { type: 'friends'; friends: Friend[]; requests: FriendRequest[] }
	| ({ type: 'group-update' } & GroupUpdate)
	| { type: 'groups'; groups: Group[] }
	| { type: 'group-joined'; group: Group }
	| { type: 'group-gone'; name: string }
	| { type: 'group-invite'; group: string; from: string }
	/** An invite ended here (declined, or found to be void): the view moves off it if it was open. */
	| { type: 'invite-gone'; group: string }
	| { type: 'system'; text: string; tone?: SystemTone; key?: ConversationKey | 'status' }
	| { type: 'select'; key: ViewKey }
	| { type: 'select-relative'; delta: number }
	/** Rows from the bottom; the screen clamps it to what the log holds. */
	| { type: 'scroll'; to: number }
	| { type: 'overlay'; overlay: Overlay | undefined }
	/** An overlay's list came back (after an action): shown only if that overlay is still open. */
	| { type: 'overlay-refresh'; overlay: MembersOverlay | BrowseOverlay }
	// search
	/** A page of hits for search `run`: the first page replaces the hits, later ones add to them. */
	| { type: 'search-page'; run: symbol; hits: Message[]; complete: boolean; append: boolean }
	| { type: 'search-failed'; run: symbol; error: string }
	| { type: 'mark'; mark: LogMark | undefined }
	/** files: a transfer's progress, or its end (undefined). */
	| { type: 'transfer'; transfer: Transfer | undefined }
	// accounts
	/** The input line asks this (undefined: it takes messages again). */
	| { type: 'ask'; question: Question | undefined }
	| { type: 'ignored'; users: string[] }
	/** The sessions overlay changed (a choice, a revoke's outcome); dropped if it was closed meanwhile. */
	| { type: 'sessions'; overlay: SessionsOverlay }
	/** Home's whole-history load moved on, or ended (undefined). */
	| { type: 'loading'; loading: HistoryLoading | undefined };

export function initialChatState(me: string, server: string, hosting = false, unreadFirst = false): ChatState {
	return {
		me,
		server,
		connection: { state: 'open' },
		presenceKnown: true,
		hosting,
		friends: [],
		requests: [],
		groups: [],
		invites: [],
		selected: STATUS,
		logs: {},
		unread: {},
		mentioned: {},
		readSeq: {},
		countedSeq: {},
		typing: {},
		unreadFirst,
		scroll: 0,
		newBelow: 0,
		historyComplete: {},
		overlay: undefined,
		nextSystemId: 1,
	};
}

const byName = (a: { username?: string; name?: string }, b: { username?: string; name?: string }) =>
	(a.username ?? a.name ?? '').localeCompare(b.username ?? b.name ?? '', undefined, { sensitivity: 'base' });

/** The sidebar's conversations, in the order Ctrl-N/Ctrl-P and Alt-1…9 follow: friends, then groups. */
export function conversationList(state: ChatState): ConversationRef[] {
	const friends = state.friends.map(friendConversation);
	const groups = state.groups.map(groupConversation);
	if (!state.unreadFirst) return [...friends, ...groups];
	// A stable sort: unread ones first, each part still by name.
	const unreadFirst = (list: ConversationRef[]) =>
		[...list].sort((a, b) => Number((state.unread[b.key] ?? 0) > 0) - Number((state.unread[a.key] ?? 0) > 0));
	return [...unreadFirst(friends), ...unreadFirst(groups)];
}

/** Who is typing in a conversation now, by name. */
export function typingIn(state: ChatState, key: string, now: number): string[] {
	return Object.entries(state.typing[key] ?? {})
		.filter(([, until]) => until > now)
		.map(([username]) => username);
}

/**
 * The outbox as the screen shows it: the user's lines not yet acknowledged
 * (a failed one is no longer waiting). The log's pending lines are the one
 * record of them on this side; ChatClient's outbox is only the wire's, and
 * history.db's only the next start's.
 */
export function unsentCount(state: ChatState): number {
	let count = 0;
	for (const log of Object.values(state.logs)) for (const entry of log) if (entry.kind === 'pending' && !entry.failed) count++;
	return count;
}

/** The conversation a view shows, if it shows one (not the status log, nor an invite). */
export function isConversation(key: ViewKey): key is ConversationKey {
	return key.startsWith('user:') || key.startsWith('group:');
}

/** The pending invite on screen, if the view is one. */
export function selectedInvite(state: ChatState): GroupInvite | undefined {
	return inviteOfKey(state.invites, state.selected);
}

export function selectedConversation(state: ChatState): ConversationRef | undefined {
	return conversationList(state).find((conversation) => conversation.key === state.selected);
}

export function incomingRequests(state: ChatState): FriendRequest[] {
	const me = state.me.toLowerCase();
	return state.requests.filter((request) => request.to.toLowerCase() === me);
}

/** The requests the user sent that wait on an answer (the server lists both kinds in `requests`). */
export function outgoingRequests(state: ChatState): FriendRequest[] {
	const me = state.me.toLowerCase();
	return state.requests.filter((request) => request.from.toLowerCase() === me);
}

/** The pending request between the user and `username`, either way, if there is one. */
function requestWith(state: ChatState, username: string): FriendRequest | undefined {
	const name = username.toLowerCase();
	return state.requests.find((request) => request.from.toLowerCase() === name || request.to.toLowerCase() === name);
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

/**
 * A page of history into a log: a page wholly older than every message there
 * (paging back, Home loading it all) goes in at once; anything else one
 * message at a time, by seq.
 */
function withOlder(log: LogEntry[], page: Message[]): LogEntry[] {
	const firstMessage = log.findIndex((entry) => entry.kind === 'message');
	const oldest = firstMessage === -1 ? undefined : (log[firstMessage] as { message: Message }).message.seq;
	const ordered = page.every((message, index) => index === 0 || page[index - 1]!.seq < message.seq);
	if (oldest === undefined || !ordered || page.length === 0 || page.at(-1)!.seq >= oldest) return page.reduce(insertMessage, log);
	const entries: LogEntry[] = page.map((message) => ({ kind: 'message', message }));
	return [...log.slice(0, firstMessage), ...entries, ...log.slice(firstMessage)];
}

function trim(log: LogEntry[]): LogEntry[] {
	return log.length > LOG_ENTRIES_KEPT ? log.slice(log.length - LOG_ENTRIES_KEPT) : log;
}

/**
 * Updates one log. New entries push the oldest out past LOG_ENTRIES_KEPT;
 * older history the user scrolled back for is kept (`keepAll`), or paging
 * back would throw away the page it just loaded, and so is the whole log
 * while the user reads it scrolled back (a message or a presence line
 * arriving meanwhile must not cut what is on screen).
 */
function withLog(state: ChatState, key: string, update: (log: LogEntry[]) => LogEntry[], keepAll = false): ChatState {
	const log = update(state.logs[key] ?? []);
	// The log on screen, scrolled back, keeps what is being read: trimming it would take the rows under the reader away.
	const reading = state.selected === key && state.scroll > 0;
	return { ...state, logs: { ...state.logs, [key]: keepAll || reading ? log : trim(log) } };
}

function addSystem(state: ChatState, key: string, text: string, tone: SystemTone): ChatState {
	const entry: LogEntry = { kind: 'system', id: state.nextSystemId, text, ts: new Date().toISOString(), tone };
	return { ...withLog(state, key, (log) => [...log, entry]), nextSystemId: state.nextSystemId + 1 };
}

/**
 * A line for the status view: notices and command output that belong to no
 * conversation. While another view is open it counts as new there, so the
 * sidebar and the status bar can say so; presence lines never count.
 */
function toStatus(state: ChatState, text: string, tone: SystemTone): ChatState {
	const next = addSystem(state, STATUS, text, tone);
	if (state.selected === STATUS || tone === 'presence') return next;
	return { ...next, unread: { ...next.unread, [STATUS]: (next.unread[STATUS] ?? 0) + 1 } };
}

/** A system line in the given log and, if it is elsewhere, in the one on screen too (an invite on screen has none: status's). */
function announce(state: ChatState, key: string, text: string, tone: SystemTone): ChatState {
	const next = addSystem(state, key, text, tone);
	const onScreen = isInviteKey(state.selected) ? STATUS : state.selected;
	return onScreen === key ? next : addSystem(next, onScreen, text, tone);
}

function displayName(state: ChatState, username: string): string {
	return fullName(aliasesOf(state.friends), username);
}

function select(state: ChatState, key: ViewKey): ChatState {
	const newLine = key === state.selected ? state.newLine : readLine(state, key);
	return { ...markRead(state, key), selected: key, scroll: 0, overlay: undefined, newLine };
}

/** Opening a conversation with unread messages: the "new messages" line goes after what was read. */
function readLine(state: ChatState, key: ViewKey): ChatState['newLine'] {
	const unread = state.unread[key] ?? 0;
	if (!isConversation(key) || unread === 0) return undefined;
	const afterSeq = state.readSeq[key] ?? Math.max(0, newestSeqIn(state.logs[key] ?? []) - unread);
	return { key, afterSeq };
}

function newestSeqIn(log: LogEntry[]): number {
	for (let index = log.length - 1; index >= 0; index--) {
		const entry = log[index]!;
		if (entry.kind === 'message') return entry.message.seq;
	}
	return 0;
}

/** The open log drawn as the screen draws it: every row count (scrolling, keeping still, jumps) must use the same. */
export function logViewOf(state: ChatState): LogView {
	return { aliases: aliasesOf(state.friends), newAfterSeq: state.newLine?.key === state.selected ? state.newLine.afterSeq : undefined };
}

function markRead(state: ChatState, key: string): ChatState {
	if (!(key in state.unread) && !(key in state.mentioned)) return state;
	const { [key]: _read, ...unread } = state.unread;
	const { [key]: _seen, ...mentioned } = state.mentioned;
	return { ...state, unread, mentioned };
}

/** Unread counts as the server keeps them (at login: what happened on other devices too). */
function withReadStates(state: ChatState, states: ReadState[]): ChatState {
	// The status view's count is this client's own: the server's read states do not know it.
	const unread: Record<string, number> = STATUS in state.unread ? { [STATUS]: state.unread[STATUS]! } : {};
	const readSeq = { ...state.readSeq };
	const countedSeq = { ...state.countedSeq };
	for (const entry of states) {
		const key = keyOfPeer(entry.with);
		readSeq[key] = Math.max(readSeq[key] ?? 0, entry.read);
		countedSeq[key] = Math.max(countedSeq[key] ?? 0, entry.last);
		if (entry.unread > 0 && key !== state.selected) unread[key] = entry.unread;
	}
	const mentioned = Object.fromEntries(Object.entries(state.mentioned).filter(([key]) => key in unread));
	return { ...state, unread, mentioned, readSeq, countedSeq };
}

/** Drops `username` from who is typing in `key` (a message from them ends it). */
function stopTyping(state: ChatState, key: string, username: string): ChatState {
	const here = state.typing[key];
	const name = username.toLowerCase();
	if (!here || !(name in here)) return state;
	const { [name]: _stopped, ...rest } = here;
	return { ...state, typing: { ...state.typing, [key]: rest } };
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

/** A `group.update` event as the reducer gets it. */
type GroupUpdate = { group: Group; event: GroupEvent; username: string; by?: string | undefined; role?: Role | undefined };

/** A group's known fields after an update: its description, visibility and creator now; the user's own role when it changed. */
function mergeGroup(group: Group, update: GroupUpdate, mine: boolean): Group {
	const merged: Group = { ...group, description: update.group.description };
	if (update.group.visibility) merged.visibility = update.group.visibility;
	if (update.group.creator) merged.creator = update.group.creator;
	if (mine && update.event === 'role' && update.role) merged.role = update.role;
	return merged;
}

/**
 * The system line a group change shows in the group's log (`alice invited
 * bob`, `carol removed dave`, `carol set topic: …`); `before` is the group as
 * known until then, so an update says what it changed.
 */
export function groupUpdateLine(update: GroupUpdate, me: string, before?: Group): string {
	const who = update.username.toLowerCase() === me.toLowerCase() ? 'you' : update.username;
	const by = update.by ?? update.username;
	switch (update.event) {
		case 'invited':
			return `${by} invited ${who}`;
		case 'kicked':
			return `${by} removed ${who} from ${update.group.name}`;
		case 'banned':
			return `${by} banned ${who} from ${update.group.name}`;
		case 'role':
			return `${by} made ${who} ${update.role && update.role !== 'normal' ? update.role : 'a member'}`;
		case 'updated': {
			const { description, visibility, name } = update.group;
			const changes = [
				...(before?.description !== description ? [`set topic: ${description}`] : []),
				...(visibility && before?.visibility !== visibility ? [`made ${name} ${visibility}`] : []),
			];
			return `${by} ${changes.length > 0 ? changes.join('; ') : `updated ${name}`}`;
		}
		default:
			return `${update.username} ${update.event} ${update.group.name}`;
	}
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
	return leaveGone(state, countBelow(state, reduce(state, action), action));
}

/** Counts what arrives below a scrolled-up log, until it is scrolled to the bottom or left. */
function countBelow(before: ChatState, after: ChatState, action: ChatAction): ChatState {
	if (after.scroll === 0 || after.selected !== before.selected) return after.newBelow === 0 ? after : { ...after, newBelow: 0 };
	if (action.type !== 'message') return after;
	const key = after.selected;
	const mine = action.message.from.toLowerCase() === after.me.toLowerCase();
	if (mine || keyOfMessage(action.message, after.me) !== key || after.logs[key] === before.logs[key]) return after;
	return { ...after, newBelow: after.newBelow + 1 };
}

/**
 * The open conversation went away (its group deleted, the user left or was
 * removed, a friend removed): the view moves to the status log with a line
 * saying why, instead of showing a log nothing can be sent to.
 */
function leaveGone(before: ChatState, after: ChatState): ChatState {
	// An invite on screen that ended (accepted elsewhere, declined, void): back to the status log.
	if (isInviteKey(after.selected) && !inviteOfKey(after.invites, after.selected)) return select(after, STATUS);
	const key = before.selected;
	if (key === STATUS || after.selected !== key) return after;
	const was = selectedConversation(before);
	if (!was || selectedConversation(after)) return after;
	const name = was.kind === 'group' ? `#${was.name}` : was.label;
	const why = newSystemLines(before, after, key).at(-1);
	const moved = select(after, STATUS);
	return addSystem(moved, STATUS, `${name} is closed${why ? `: ${why}` : ''}`, 'notice');
}

/** The system lines an action added to one log. */
function newSystemLines(before: ChatState, after: ChatState, key: string): string[] {
	return (after.logs[key] ?? []).flatMap((entry) =>
		entry.kind === 'system' && entry.id >= before.nextSystemId ? [entry.text] : [],
	);
}

/** A friendship ended, or a pending request was withdrawn (by either side): the line says which. */
function removed(state: ChatState, username: string): ChatState {
	const wasFriend = state.friends.some((friend) => friend.username.toLowerCase() === username.toLowerCase());
	const request = requestWith(state, username);
	const next = { ...state, friends: dropFriend(state.friends, username), requests: dropRequestsWith(state.requests, username) };
	if (wasFriend) return announce(next, STATUS, `${displayName(state, username)} is no longer your friend`, 'notice');
	if (!request) return next;
	const mine = request.from.toLowerCase() === state.me.toLowerCase();
	return toStatus(next, mine ? `your friend request to ${request.to} is withdrawn` : `${request.from} withdrew their friend request`, 'notice');
}

/** A group.update event into the lists and the group's log. */
function groupUpdated(state: ChatState, action: GroupUpdate): ChatState {
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
	if (mine && (action.event === 'kicked' || action.event === 'banned')) {
		const next = { ...state, groups: state.groups.filter((group) => groupKey(group.name) !== key) };
		return announce(next, key, groupUpdateLine(action, state.me), 'notice');
	}
	let next = state;
	if (mine && action.event === 'joined' && !state.groups.some((group) => groupKey(group.name) === key)) {
		next = { ...state, groups: [...state.groups, action.group].sort(byName) };
	}
	if (action.event === 'updated' || action.event === 'role') {
		next = { ...next, groups: next.groups.map((group) => (groupKey(group.name) === key ? mergeGroup(group, action, mine) : group)) };
	}
	const before = state.groups.find((group) => groupKey(group.name) === key);
	return addSystem(next, key, groupUpdateLine(action, state.me, before), 'presence');
}

/** Joined on another device, removed, or the group is gone: an invite to it is moot. */
function withoutMootInvite(state: ChatState, update: GroupUpdate): ChatState {
	const mine = update.username.toLowerCase() === state.me.toLowerCase();
	if (update.event !== 'deleted' && !(mine && update.event !== 'invited')) return state;
	return { ...state, invites: withoutInvite(state.invites, update.group.name) };
}

function reduce(state: ChatState, action: ChatAction): ChatState {
	switch (action.type) {
		case 'logged-in': {
			const next = {
				...state,
				friends: [...action.friends].sort(byName),
				groups: [...action.groups].sort(byName),
				requests: action.requests,
				invites: action.invites ?? [],
				presenceKnown: true,
			};
			return action.unread ? withReadStates(next, action.unread) : next;
		}
		case 'read': {
			const readSeq = { ...state.readSeq, [action.key]: Math.max(state.readSeq[action.key] ?? 0, action.seq) };
			const later = (state.logs[action.key] ?? []).filter(
				(entry) => entry.kind === 'message' && entry.message.seq > action.seq && entry.message.from.toLowerCase() !== state.me.toLowerCase(),
			).length;
			const next = { ...state, readSeq };
			if (later === 0) return markRead(next, action.key);
			return { ...next, unread: { ...next.unread, [action.key]: Math.min(later, next.unread[action.key] ?? later) } };
		}
		case 'typing': {
			const here = { ...state.typing[action.key], [action.username.toLowerCase()]: action.until };
			return { ...state, typing: { ...state.typing, [action.key]: here } };
		}
		case 'unread-first':
			return { ...state, unreadFirst: action.on };
		case 'connection':
			return { ...state, connection: action.change, presenceKnown: state.presenceKnown && action.change.state === 'open' };
		case 'message': {
			const { message } = action;
			const key = keyOfMessage(message, state.me);
			const next = stopTyping(withLog(state, key, (log) => insertMessage(log, message)), key, message.from);
			const mine = message.from.toLowerCase() === state.me.toLowerCase();
			const alreadyRead = message.seq <= (state.readSeq[key] ?? 0);
			if (mine || alreadyRead || key === state.selected || next.logs[key] === state.logs[key]) return next;
			// The login's count holds it already; only a mention is news (the count does not tell them).
			const counted = message.seq <= (state.countedSeq[key] ?? 0);
			const unread = counted ? next.unread : { ...next.unread, [key]: (next.unread[key] ?? 0) + 1 };
			if (!mentions(message.text, state.me)) return { ...next, unread };
			return { ...next, unread, mentioned: { ...next.mentioned, [key]: (next.mentioned[key] ?? 0) + 1 } };
		}
		case 'history': {
			let next = withLog(state, action.key, (log) => withOlder(log, action.messages), true);
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
			// Said in the status view and with that person only: elsewhere it is noise in an unrelated conversation.
			const next = addSystem({ ...state, friends }, STATUS, text, 'presence');
			return isFriend ? addSystem(next, userKey(action.username), text, 'presence') : next;
		}
		case 'friend-request': {
			const request: FriendRequest = { from: action.from, to: state.me, ts: new Date().toISOString() };
			const next = { ...state, requests: [...dropRequestsWith(state.requests, action.from), request] };
			return announce(next, STATUS, `${action.from} wants to be your friend: /accept ${action.from} or /decline ${action.from}`, 'notice');
		}
		case 'friend-update': {
			const { friend } = action;
			const requests = dropRequestsWith(state.requests, friend.username);
			if ('declined' in friend) {
				return toStatus({ ...state, requests }, `${friend.username} declined your friend request`, 'notice');
			}
			if ('removed' in friend) return removed(state, friend.username);
			const known = state.friends.some((candidate) => candidate.username.toLowerCase() === friend.username.toLowerCase());
			const next = { ...state, friends: upsertFriend(state.friends, friend), requests };
			return known ? next : announce(next, userKey(friend.username), `${friend.username} is now your friend`, 'notice');
		}
		case 'friends':
			return { ...state, friends: [...action.friends].sort(byName), requests: action.requests };
		case 'group-update':
			return groupUpdated(withoutMootInvite(state, action), action);
		case 'groups':
			return { ...state, groups: [...action.groups].sort(byName) };
		case 'group-joined': {
			const key = groupKey(action.group.name);
			const groups = [...state.groups.filter((group) => groupKey(group.name) !== key), action.group].sort(byName);
			return select({ ...state, groups, invites: withoutInvite(state.invites, action.group.name) }, key);
		}
		case 'group-invite': {
			const invites = withInvite(state.invites, { group: action.group, from: action.from, ts: new Date().toISOString() });
			const how = `Enter on it in the sidebar or /join ${action.group} accepts, /decline ${action.group} declines`;
			return announce({ ...state, invites }, STATUS, `${action.from} invited you to ${action.group}: ${how}`, 'notice');
		}
		case 'invite-gone':
			return { ...state, invites: withoutInvite(state.invites, action.group) };
		case 'group-gone': {
			const key = groupKey(action.name);
			return { ...state, groups: state.groups.filter((group) => groupKey(group.name) !== key) };
		}
		case 'system': {
			// A line for the view on screen goes to the status log when that is no conversation's (an invite).
			const key = action.key ?? (isConversation(state.selected) ? state.selected : STATUS);
			const tone = action.tone ?? 'info';
			return key === STATUS ? toStatus(state, action.text, tone) : addSystem(state, key, action.text, tone);
		}
		case 'select':
			return select(state, action.key);
		case 'select-relative': {
			const keys: ViewKey[] = [STATUS, ...conversationList(state).map((c) => c.key), ...state.invites.map((invite) => inviteKey(invite.group))];
			const index = Math.max(0, keys.indexOf(state.selected));
			const target = keys[(index + action.delta + keys.length) % keys.length]!;
			return select(state, target);
		}
		case 'scroll':
			return { ...state, scroll: Math.max(0, action.to) };
		case 'overlay':
			return { ...state, overlay: action.overlay };
		case 'overlay-refresh':
			return state.overlay?.kind === action.overlay.kind ? { ...state, overlay: action.overlay } : state;
		// search
		case 'search-page':
		case 'search-failed':
			return searchUpdate(state, action);
		case 'mark':
			return { ...state, mark: action.mark };
		case 'transfer':
			return { ...state, transfer: action.transfer };
		case 'ask':
			return { ...state, question: action.question };
		case 'ignored':
			return { ...state, ignored: action.users };
		case 'sessions':
			return state.overlay?.kind === 'sessions' ? { ...state, overlay: action.overlay } : state;
		case 'loading':
			return { ...state, loading: action.loading };
	}
}

/** Hits (or a failure) for the search on screen; ones for a search since replaced or closed are dropped. */
function searchUpdate(
	state: ChatState,
	action: Extract<ChatAction, { type: 'search-page' } | { type: 'search-failed' }>,
): ChatState {
	const overlay = state.overlay;
	if (overlay?.kind !== 'search' || overlay.run !== action.run) return state;
	if (action.type === 'search-failed') return { ...state, overlay: { ...overlay, status: 'error', error: action.error } };
	if (!action.append) {
		return { ...state, overlay: { ...overlay, hits: action.hits, index: 0, status: 'done', complete: action.complete, error: undefined } };
	}
	const known = new Set(overlay.hits.map((hit) => hit.id));
	const hits = [...overlay.hits, ...action.hits.filter((hit) => !known.has(hit.id))];
	// More was asked for by moving past the last hit: move on to the first new one.
	const index = overlay.index === overlay.hits.length - 1 ? Math.min(hits.length - 1, overlay.index + 1) : overlay.index;
	return { ...state, overlay: { ...overlay, hits, index, status: 'done', complete: action.complete } };
}
