import type { Message, Role, Visibility } from '../../source/protocol/index.js';

/**
 * Where the server keeps everything. One interface, two engines: SQLite
 * (embedded, the default) and, for clusters, PostgreSQL. Every method is
 * async so either engine fits; each one is a single atomic step, so handlers
 * never need a transaction of their own.
 */

export interface UserRecord {
	id: number;
	username: string;
	passwordHash: string;
	/** A deleted account: it cannot log in and nobody can befriend it, but its name stays taken. */
	deleted: boolean;
}

/** A user as someone writes to them directly: whether the two are friends, and whether the user ignores the writer. */
export interface DirectPeerRecord extends UserRecord {
	friend: boolean;
	ignoresWriter: boolean;
}

/** A group as someone writes to it: their role in it (none: not a member), and who gets what they write there. */
export interface GroupAudienceRecord extends GroupRecord {
	role: Role | undefined;
	/** The other members, but those who ignore the writer. */
	audience: number[];
}

/** The user a token belongs to, and the login session the token is. */
export interface TokenOwner extends UserRecord {
	sessionId: string;
}

/** A login session (one token), as its owner lists them. */
export interface SessionRecord {
	id: string;
	device: string;
	createdAt: string;
	/** When it last logged in, was seen connected, or disconnected. */
	lastSeen: string;
	/** Live connections using it, as the instances holding them have counted. */
	connected: boolean;
}

/** Which sessions `revokeSessions` ends: one by id, or all but one. */
export type SessionSelector = { sessionId: string } | { allExcept: string | undefined };

export interface NamedUser {
	id: number;
	username: string;
}

export interface FriendRecord extends NamedUser {
	alias: string | null;
}

export interface FriendRequestRecord {
	from: string;
	to: string;
	ts: string;
}

export interface GroupRecord {
	id: number;
	name: string;
	description: string;
	creator: string;
	visibility: Visibility;
	/** How many members it has, as read with it. */
	members: number;
}

/** A pending invite to a group (what the rules check an inviter's right against). */
export interface InviteRecord {
	groupId: number;
	inviteeId: number;
	inviterId: number;
}

/** A pending invite as its invitee sees it. */
export interface InviteView {
	group: string;
	from: string;
	ts: string;
}

/** What `groups.update` changes; a field left out stays. */
export interface GroupChanges {
	description?: string | undefined;
	visibility?: Visibility | undefined;
}

export interface MembershipRecord {
	group: GroupRecord;
	role: Role;
}

export interface MemberRecord extends NamedUser {
	role: Role;
}

export interface NewMessage {
	senderId: number;
	to: { userId: number } | { groupId: number };
	text: string;
	cid: string;
	ts: string;
	/**
	 * Users with no online session: the message waits for their next login.
	 * The hub decides who they are (Hub.storeMessage); the store records it.
	 */
	pendingFor: number[];
	/** A completed upload the message carries (its FileInfo comes back in every read of the message). */
	fileId?: number | undefined;
}

export interface AppendResult {
	message: Message;
	/** True when (sender, cid) was already stored: `message` is the first one and nothing is new. */
	duplicate: boolean;
	/** Who the message was queued for (empty for a duplicate). */
	queuedFor: number[];
}

export interface PendingMessage {
	pendingId: number;
	message: Message;
}

/** Where a user stands in one conversation (see ReadState in the protocol). */
export interface ReadStateRecord {
	with: { userId: number; username: string } | { groupId: number; name: string };
	read: number;
	last: number;
	/** Messages from others after `read`, counted up to UNREAD_COUNT_CAP. */
	unread: number;
}

/** A read state as both engines' queries return it (a flat row). */
export interface ReadStateRow {
	kind: 'user' | 'group';
	id: number;
	name: string;
	last: number;
	read: number;
	unread: number;
}

export function toReadStateRecord({ kind, id, name, last, read, unread }: ReadStateRow): ReadStateRecord {
	return { with: kind === 'user' ? { userId: id, username: name } : { groupId: id, name }, read, last, unread };
}

/** Unread counts stop here: a sidebar shows "999+" long before, and counting further costs a scan. */
export const UNREAD_COUNT_CAP = 1000;

export interface HistoryQuery {
	/** The user asking: a direct conversation is between them and `with`. */
	userId: number;
	with: { userId: number } | { groupId: number };
	before?: number | undefined;
	limit: number;
}

// search

export interface MessageSearch {
	/** The user asking: only conversations they may read are searched. */
	userId: number;
	/** The search as typed; each engine splits it into words as it splits message text. */
	text: string;
	/** One conversation (already checked to be readable), or every one of the user's. */
	with?: { userId: number } | { groupId: number } | undefined;
	/** Only messages with a smaller id: the last hit of the previous page. */
	before?: number | undefined;
	limit: number;
}

// files

/** Stored chunks are at most this big: a PUT body is cut into pieces of this size, so no row holds a whole file. */
export const MAX_FILE_CHUNK_BYTES = 1024 * 1024;

/** A file announced for a conversation, with how many of its bytes have arrived. */
export interface FileRecord {
	id: number;
	uploaderId: number;
	/** The conversation key (see conversationKey). */
	conversation: string;
	name: string;
	size: number;
	mime: string;
	sha256: string;
	received: number;
	complete: boolean;
}

/** A file as announced, before any byte of it has arrived. */
export interface NewUpload extends Pick<FileRecord, 'uploaderId' | 'conversation' | 'name' | 'size' | 'mime' | 'sha256'> {
	createdAt: string;
}

/** What completing an upload found: the bytes match the announced sha256, or they did not and the upload starts again from 0. */
export type CompleteResult = 'complete' | 'mismatch';

export interface Store {
	// accounts
	/** Undefined when the name is taken (case-insensitively). */
	createUser(username: string, passwordHash: string): Promise<UserRecord | undefined>;
	userByName(username: string): Promise<UserRecord | undefined>;
	/** Names containing `query` case-insensitively, prefix matches first. */
	findUsers(query: string, limit: number): Promise<NamedUser[]>;
	/** Stores a new login session's token (only its hash) with the client's device label; its session id. */
	saveToken(userId: number, tokenHash: string, expiresAt: string | null, device: string): Promise<string>;
	/** The user a live (unexpired) token belongs to, with the token's session id; never a deleted account. */
	userByToken(tokenHash: string, now: string): Promise<TokenOwner | undefined>;
	deleteToken(tokenHash: string): Promise<void>;
	/**
	 * Stores a new password hash. With `replacing`, only while the stored hash
	 * is still that one: a login upgrading a hash's cost must not undo a
	 * password change that committed meanwhile.
	 */
	setPasswordHash(userId: number, passwordHash: string, replacing?: string): Promise<void>;
	/** The user's live sessions (unexpired tokens), newest first. */
	sessionsOf(userId: number, now: string): Promise<SessionRecord[]>;
	/** Ends sessions of the user (their tokens no longer log in); the ids of those ended. */
	revokeSessions(userId: number, which: SessionSelector): Promise<string[]>;
	/** A connection using the session opened (+1) or closed (-1); either way it was seen at `now`. */
	sessionConnected(sessionId: string, change: 1 | -1, now: string): Promise<void>;
	/**
	 * These sessions are still connected at `now`. Each instance says so of its
	 * own now and then, so a count an instance that died left behind goes
	 * stale (see SESSION_SEEN in server/settings.ts) instead of counting forever.
	 */
	sessionsSeen(sessionIds: string[], now: string): Promise<void>;
	/**
	 * Marks the account deleted: no password, no sessions, friendships,
	 * requests, memberships, group invites to or from it, pending messages or ignore entries; groups it
	 * created that have no other member are deleted. Its row, name and
	 * messages stay.
	 */
	deleteUser(userId: number, now: string): Promise<void>;

	// ignore lists
	/** False when already ignored. */
	addIgnore(ownerId: number, ignoredId: number, ts: string): Promise<boolean>;
	/** False when not ignored. */
	removeIgnore(ownerId: number, ignoredId: number): Promise<boolean>;
	/** Who the user ignores, by name. */
	ignoredBy(ownerId: number): Promise<NamedUser[]>;
	/** Of `userIds`, those who ignore `senderId` (so a delivery from the sender skips them). */
	ignorersAmong(senderId: number, userIds: number[]): Promise<number[]>;

	// friends
	friendsOf(userId: number): Promise<FriendRecord[]>;
	friendOf(userId: number, friendId: number): Promise<FriendRecord | undefined>;
	/** The user named `username` (deleted ones too) as `writerId` writes to them: what every direct send asks, in one read. */
	directPeer(writerId: number, username: string): Promise<DirectPeerRecord | undefined>;
	/** Makes the two friends and drops any requests between them. */
	addFriendship(a: number, b: number): Promise<void>;
	/** False when they were not friends. */
	removeFriendship(a: number, b: number): Promise<boolean>;
	/** False when they are not friends. */
	setAlias(ownerId: number, friendId: number, alias: string | null): Promise<boolean>;
	/** False when the same request is already pending. */
	addFriendRequest(fromId: number, toId: number, ts: string): Promise<boolean>;
	hasFriendRequest(fromId: number, toId: number): Promise<boolean>;
	/** False when there was no such request. */
	deleteFriendRequest(fromId: number, toId: number): Promise<boolean>;
	/** Pending requests to and from the user, oldest first. */
	friendRequestsOf(userId: number): Promise<FriendRequestRecord[]>;

	// groups
	/** Creates the group (private unless said otherwise) with its creator as first member; undefined when the name is taken. */
	createGroup(name: string, description: string, creatorId: number, visibility?: Visibility): Promise<GroupRecord | undefined>;
	groupByName(name: string): Promise<GroupRecord | undefined>;
	/** False when already a member. Joining ends the user's pending invite to the group. */
	addMember(groupId: number, userId: number): Promise<boolean>;
	/** False when not a member. What was queued for the user in the group and not yet delivered is dropped. */
	removeMember(groupId: number, userId: number): Promise<boolean>;
	/** Sets a member's role (never to or from `creator`: that is transferGroup); false when not a member. */
	setRole(groupId: number, userId: number, role: 'admin' | 'normal'): Promise<boolean>;
	/** Makes `toId` (a member) the creator and the old creator an admin, in one step; false when `toId` is not a member. */
	transferGroup(groupId: number, fromId: number, toId: number): Promise<boolean>;
	/** Changes the description and/or visibility; the group as it is now. */
	updateGroup(groupId: number, changes: GroupChanges): Promise<GroupRecord | undefined>;
	/** Public groups whose name or description holds `query` (case-insensitively; all for an empty one), most members first. */
	browseGroups(query: string, limit: number): Promise<GroupRecord[]>;
	/** Records a pending invite; false when the user already has one to the group (the first stays). */
	addInvite(groupId: number, inviteeId: number, inviterId: number, ts: string): Promise<boolean>;
	hasInvite(groupId: number, inviteeId: number): Promise<boolean>;
	/** False when there was none. */
	deleteInvite(groupId: number, inviteeId: number): Promise<boolean>;
	/** The pending invites to a group. */
	invitesTo(groupId: number): Promise<InviteRecord[]>;
	/** The user's pending invites, oldest first. */
	invitesOf(userId: number): Promise<InviteView[]>;
	/** Bans the user: they stop being a member and lose any pending invite, in one step. False when already banned. */
	addBan(groupId: number, userId: number, byId: number, ts: string): Promise<boolean>;
	/** False when not banned. */
	removeBan(groupId: number, userId: number): Promise<boolean>;
	isBanned(groupId: number, userId: number): Promise<boolean>;
	/** Who is banned from the group, by name. */
	bansOf(groupId: number): Promise<NamedUser[]>;
	roleIn(groupId: number, userId: number): Promise<Role | undefined>;
	/** Creator first, then admins, then the rest, each by name. */
	membersOf(groupId: number): Promise<MemberRecord[]>;
	/** Just the members' ids, in no particular order: what routing a group message needs, without the join and sort. */
	/** The group named `name` as `writerId` writes to it: what every group send asks, in one read. */
	groupAudience(writerId: number, name: string): Promise<GroupAudienceRecord | undefined>;
	memberIdsOf(groupId: number): Promise<number[]>;
	groupsOf(userId: number): Promise<MembershipRecord[]>;
	/** Deletes the group, its members and its messages. */
	deleteGroup(groupId: number): Promise<void>;
	/** Everyone whose presence the user sees and who sees the user's: friends and co-members. */
	contactsOf(userId: number): Promise<number[]>;

	// messages
	/** Stores a message durably (idempotent on sender + cid) and queues it for offline recipients. */
	appendMessage(message: NewMessage): Promise<AppendResult>;
	/** The newest `limit` messages before `before`, oldest first. */
	history(query: HistoryQuery): Promise<Message[]>;
	/** Up to `limit` messages waiting for the user after `afterPendingId`, in the order they were sent. */
	pendingFor(userId: number, afterPendingId: number, limit: number): Promise<PendingMessage[]>;
	/** Forgets delivered pending messages up to and including `pendingId`. */
	clearPending(userId: number, uptoPendingId: number): Promise<void>;

	// read state
	/** Moves the user's read cursor in a conversation forward to `seq` (never back, never past its newest message). */
	setReadCursor(userId: number, conversation: { userId: number } | { groupId: number }, seq: number): Promise<void>;
	/** The user's read state in each conversation that has messages: direct ones with current friends, groups they are in. */
	readStates(userId: number): Promise<ReadStateRecord[]>;

	// search
	/**
	 * Messages holding every word of the search (each also as a prefix), ignoring case and
	 * accents, newest first: in direct conversations the user is in and groups they are a member of.
	 */
	search(query: MessageSearch): Promise<Message[]>;
	// files
	/** The uploader's incomplete upload of this sha256 to this conversation (resume), else a new one. */
	createOrResumeUpload(upload: NewUpload): Promise<FileRecord>;
	fileById(fileId: number): Promise<FileRecord | undefined>;
	/**
	 * Appends bytes (at most MAX_FILE_CHUNK_BYTES) at `offset`, atomically:
	 * only when `offset` equals what the file has received, the file is
	 * incomplete and the bytes do not pass its size. The new `received`, or
	 * undefined when refused (nothing is stored then).
	 */
	appendFileChunk(fileId: number, offset: number, data: Uint8Array): Promise<number | undefined>;
	/** Checks the stored bytes against the sha256 (reading them chunk by chunk); on a mismatch drops them and resets `received` to 0. */
	completeFile(fileId: number): Promise<CompleteResult>;
	/** The stored bytes from `from` on, chunk by chunk, a page of chunks read at a time. */
	readFile(fileId: number, from: number): AsyncIterable<Uint8Array>;

	close(): Promise<void>;
}

