import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Message, Role, Visibility } from '../../source/protocol/index.js';
import { conversationKey, groupKey, keySql } from '../conversations/key.js';
import { completeUpload, FILE_READ_PAGE_CHUNKS, fileBytesFrom, toFileInfo, type StoredChunk } from './file-bytes.js';
import { messageColumns, MESSAGE_JOINS, toMessage, type MessageRow } from './messages-sql.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import type {
	AppendResult,
	DirectPeerRecord,
	GroupAudienceRecord,
	FriendRecord,
	FriendRequestRecord,
	GroupChanges,
	GroupRecord,
	HistoryQuery,
	InviteRecord,
	InviteView,
	MemberRecord,
	MembershipRecord,
	MessageSearch,
	NamedUser,
	NewMessage,
	PendingMessage,
	ReadStateRecord,
	Store,
	UserRecord,
	TokenOwner,
	SessionRecord,
	SessionSelector,
	CompleteResult,
	FileRecord,
	NewUpload,
} from './store.js';
import { MAX_FILE_CHUNK_BYTES, toReadStateRecord, UNREAD_COUNT_CAP, type ReadStateRow } from './store.js';
import { fts5Query, searchWords } from './search-words.js';
import { newSessionId, SESSION_COLUMNS, toSessionRecord, type SessionRow } from './accounts-sql.js';
import { senderNotIgnoredBy } from './ignored-sql.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

export interface SqliteStoreOptions {
	/** Directory for chat-tui.db; created when missing, and locked (one store per directory) until close. */
	dataDir: string;
	/**
	 * FULL makes every acknowledged message survive a power cut, not only a
	 * crash of this process; NORMAL (safe against process crashes in WAL mode) is faster.
	 */
	synchronous?: 'FULL' | 'NORMAL';
	/**
	 * While many senders keep coming fast (the last commit, under BUSY_GAP_MS
	 * ago, held appends from more than one, and appends arrive so often that
	 * COMPANY_EXPECTED others are due within the delay, at the rate of the
	 * last ARRIVAL_WINDOW_MS or so), an append waits this long for others to
	 * share its commit and fsync: a little latency for much less work per
	 * message under load. A lone sender, whose requests are
	 * handled one at a time, never waits, nor do senders too few to share a
	 * commit in that time. 0 commits each event-loop turn's appends at once.
	 */
	commitDelayMs?: number;
}

/** The default commit delay: far below what a person notices, enough to gather a burst. */
export const DEFAULT_COMMIT_DELAY_MS = 2;

/**
 * How long a stored message may wait before its words are indexed in a batch.
 * Search never waits for it: it indexes what is waiting first.
 */
export const FTS_BATCH_MS = 250;

/** Shared commits closer together than this mean several senders at once, where waiting for company may pay. */
const BUSY_GAP_MS = 20;

/**
 * It pays only when at least this many other appends are due within the
 * commit delay (at the default 2 ms: above about 1,000 appends a second). At
 * a few hundred a second the wait would hold nearly every message for the
 * whole delay and share its fsync with one other at best.
 */
const COMPANY_EXPECTED = 2;

/**
 * The arrival rate is a count of recent appends, each counting less as it
 * ages (by e every this many ms), divided by this. A count, not a mean of the
 * gaps: under load appends come in bursts (one event-loop turn's worth at
 * once), and the append that starts a new batch is the one right after a gap.
 */
const ARRIVAL_WINDOW_MS = 50;

export const SQLITE_FILE_NAME = 'chat-tui.db';

const MESSAGE_COLUMNS = messageColumns('m.id');

/** better-sqlite3 binds a Buffer as a BLOB (a plain Uint8Array it refuses). */
function asBuffer(data: Uint8Array): Buffer {
	return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

const GROUP_COLUMNS = `g.id, g.name, g.description, c.username AS creator, g.visibility,
	(SELECT count(*) FROM members n WHERE n.group_id = g.id) AS members`;

function migrate(db: Database.Database): void {
	const current = db.pragma('user_version', { simple: true }) as number;
	for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
		db.transaction(() => {
			db.exec(SQLITE_MIGRATIONS[version]!);
			db.pragma(`user_version = ${version + 1}`);
		})();
	}
}

function openDatabase(file: string, synchronous: 'FULL' | 'NORMAL'): Database.Database {
	const db = new Database(file);
	try {
		db.pragma('journal_mode = WAL');
		db.pragma(`synchronous = ${synchronous}`);
		db.pragma('foreign_keys = ON');
		db.pragma('busy_timeout = 5000');
		migrate(db);
		return db;
	} catch (error) {
		db.close();
		throw error;
	}
}

/** The embedded store: one SQLite file in WAL mode, synchronous calls behind the async Store interface. */
export class SqliteStore implements Store {
	readonly file: string;
	private readonly db: Database.Database;
	private readonly commitDelayMs: number;
	private readonly lock: DataDirLock;

	/** Throws DataDirInUseError while a live process (this one included) has a store open on the directory. */
	constructor(options: SqliteStoreOptions) {
		mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
		this.lock = lockDataDir(options.dataDir);
		this.file = path.join(options.dataDir, SQLITE_FILE_NAME);
		try {
			this.db = openDatabase(this.file, options.synchronous ?? 'FULL');
		} catch (error) {
			this.lock.release();
			throw error;
		}
		this.commitDelayMs = options.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS;
	}

	private readonly statements = new Map<string, Database.Statement>();

	/** Prepared statements are cached by their SQL text. */
	private sql(text: string): Database.Statement {
		let statement = this.statements.get(text);
		if (!statement) {
			statement = this.db.prepare(text);
			this.statements.set(text, statement);
		}
		return statement;
	}

	// accounts

	async createUser(username: string, passwordHash: string): Promise<UserRecord | undefined> {
		// A deleted account keeps its row, so its name stays taken here too.
		const result = this.sql(
			`INSERT INTO users (username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT (username_key) DO NOTHING`,
		).run(username, username.toLowerCase(), passwordHash, new Date().toISOString());
		if (result.changes === 0) return undefined;
		return { id: Number(result.lastInsertRowid), username, passwordHash, deleted: false };
	}

	async userByName(username: string): Promise<UserRecord | undefined> {
		const row = this.sql(
			`SELECT id, username, password_hash AS passwordHash, deleted_at IS NOT NULL AS deleted FROM users WHERE username_key = ?`,
		).get(username.toLowerCase()) as (Omit<UserRecord, 'deleted'> & { deleted: number }) | undefined;
		return row && { ...row, deleted: row.deleted === 1 };
	}

	async findUsers(query: string, limit: number): Promise<NamedUser[]> {
		const key = query.toLowerCase();
		return this.sql(
			`SELECT id, username FROM users WHERE instr(username_key, ?) > 0 AND deleted_at IS NULL
			 ORDER BY instr(username_key, ?) != 1, username_key LIMIT ?`,
		).all(key, key, limit) as NamedUser[];
	}

	async saveToken(userId: number, tokenHash: string, expiresAt: string | null, device: string): Promise<string> {
		const id = newSessionId();
		this.sql(`INSERT INTO tokens (hash, id, user_id, device, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`).run(
			tokenHash,
			id,
			userId,
			device,
			new Date().toISOString(),
			expiresAt,
		);
		return id;
	}

	async userByToken(tokenHash: string, now: string): Promise<TokenOwner | undefined> {
		const row = this.sql(
			`SELECT u.id, u.username, u.password_hash AS passwordHash, t.id AS sessionId FROM tokens t JOIN users u ON u.id = t.user_id
			 WHERE t.hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.deleted_at IS NULL`,
		).get(tokenHash, now) as Omit<TokenOwner, 'deleted'> | undefined;
		return row && { ...row, deleted: false };
	}

	async deleteToken(tokenHash: string): Promise<void> {
		this.sql(`DELETE FROM tokens WHERE hash = ?`).run(tokenHash);
	}

	async setPasswordHash(userId: number, passwordHash: string, replacing?: string): Promise<void> {
		this.sql(
			`UPDATE users SET password_hash = ? WHERE id = ? AND deleted_at IS NULL AND (? IS NULL OR password_hash = ?)`,
		).run(passwordHash, userId, replacing ?? null, replacing ?? null);
	}

	async sessionsOf(userId: number, now: string): Promise<SessionRecord[]> {
		const rows = this.sql(
			`SELECT ${SESSION_COLUMNS} FROM tokens WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)
			 ORDER BY created_at DESC, id`,
		).all(userId, now) as SessionRow[];
		return rows.map(toSessionRecord);
	}

	async revokeSessions(userId: number, which: SessionSelector): Promise<string[]> {
		const revoked =
			'sessionId' in which
				? this.sql(`DELETE FROM tokens WHERE user_id = ? AND id = ? RETURNING id`).pluck().all(userId, which.sessionId)
				: this.sql(`DELETE FROM tokens WHERE user_id = ? AND id IS NOT ? RETURNING id`).pluck().all(userId, which.allExcept ?? null);
		return revoked as string[];
	}

	async sessionConnected(sessionId: string, change: 1 | -1, now: string): Promise<void> {
		this.sql(`UPDATE tokens SET connected = max(0, connected + ?), last_seen = ? WHERE id = ?`).run(change, now, sessionId);
	}

	async sessionsSeen(sessionIds: string[], now: string): Promise<void> {
		if (sessionIds.length === 0) return;
		this.sql(`UPDATE tokens SET last_seen = ? WHERE id IN (SELECT value FROM json_each(?))`).run(now, JSON.stringify(sessionIds));
	}

	async deleteUser(userId: number, now: string): Promise<void> {
		this.db.transaction(() => {
			// Groups it created that nobody else is in go as groups.delete would take them.
			const lonely = this.sql(
				`SELECT id FROM groups g WHERE creator_id = ? AND NOT EXISTS (SELECT 1 FROM members m WHERE m.group_id = g.id AND m.user_id != ?)`,
			)
				.pluck()
				.all(userId, userId) as number[];
			for (const groupId of lonely) this.deleteGroupNow(groupId);
			// An empty hash matches no password: the account cannot log in even before deleted_at is read.
			this.sql(`UPDATE users SET deleted_at = ?, password_hash = '' WHERE id = ?`).run(now, userId);
			for (const statement of [
				`DELETE FROM tokens WHERE user_id = :user`,
				`DELETE FROM friends WHERE owner_id = :user OR friend_id = :user`,
				`DELETE FROM friend_requests WHERE from_id = :user OR to_id = :user`,
				`DELETE FROM members WHERE user_id = :user`,
				`DELETE FROM group_invites WHERE invitee_id = :user OR inviter_id = :user`,
				`DELETE FROM pending WHERE user_id = :user`,
				`DELETE FROM read_cursors WHERE user_id = :user`,
				`DELETE FROM ignores WHERE owner_id = :user OR ignored_id = :user`,
			]) {
				this.sql(statement).run({ user: userId });
			}
		}).immediate();
	}

	// friends

	async friendsOf(userId: number): Promise<FriendRecord[]> {
		return this.sql(
			`SELECT u.id, u.username, f.alias FROM friends f JOIN users u ON u.id = f.friend_id
			 WHERE f.owner_id = ? ORDER BY u.username_key`,
		).all(userId) as FriendRecord[];
	}

	async friendOf(userId: number, friendId: number): Promise<FriendRecord | undefined> {
		return this.sql(
			`SELECT u.id, u.username, f.alias FROM friends f JOIN users u ON u.id = f.friend_id
			 WHERE f.owner_id = ? AND f.friend_id = ?`,
		).get(userId, friendId) as FriendRecord | undefined;
	}

	async directPeer(writerId: number, username: string): Promise<DirectPeerRecord | undefined> {
		const row = this.sql(
			`SELECT u.id, u.username, u.password_hash AS passwordHash, u.deleted_at IS NOT NULL AS deleted,
				EXISTS (SELECT 1 FROM friends f WHERE f.owner_id = @writer AND f.friend_id = u.id) AS friend,
				EXISTS (SELECT 1 FROM ignores i WHERE i.owner_id = u.id AND i.ignored_id = @writer) AS ignoresWriter
			 FROM users u WHERE u.username_key = @key`,
		).get({ key: username.toLowerCase(), writer: writerId }) as (Omit<DirectPeerRecord, 'deleted' | 'friend' | 'ignoresWriter'> & Record<'deleted' | 'friend' | 'ignoresWriter', number>) | undefined;
		return row && { ...row, deleted: row.deleted === 1, friend: row.friend === 1, ignoresWriter: row.ignoresWriter === 1 };
	}

	async addFriendship(a: number, b: number): Promise<void> {
		const since = new Date().toISOString();
		this.db.transaction(() => {
			const insert = this.sql(
				`INSERT INTO friends (owner_id, friend_id, alias, since) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING`,
			);
			insert.run(a, b, since);
			insert.run(b, a, since);
			const drop = this.sql(`DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`);
			drop.run(a, b);
			drop.run(b, a);
		})();
	}

	async removeFriendship(a: number, b: number): Promise<boolean> {
		const result = this.sql(
			`DELETE FROM friends WHERE (owner_id = ? AND friend_id = ?) OR (owner_id = ? AND friend_id = ?)`,
		).run(a, b, b, a);
		return result.changes > 0;
	}

	async setAlias(ownerId: number, friendId: number, alias: string | null): Promise<boolean> {
		const result = this.sql(`UPDATE friends SET alias = ? WHERE owner_id = ? AND friend_id = ?`).run(
			alias,
			ownerId,
			friendId,
		);
		return result.changes > 0;
	}

	async addFriendRequest(fromId: number, toId: number, ts: string): Promise<boolean> {
		const result = this.sql(
			`INSERT INTO friend_requests (from_id, to_id, ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		).run(fromId, toId, ts);
		return result.changes > 0;
	}

	async hasFriendRequest(fromId: number, toId: number): Promise<boolean> {
		return this.sql(`SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?`).get(fromId, toId) !== undefined;
	}

	async deleteFriendRequest(fromId: number, toId: number): Promise<boolean> {
		return this.sql(`DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`).run(fromId, toId).changes > 0;
	}

	async friendRequestsOf(userId: number): Promise<FriendRequestRecord[]> {
		return this.sql(
			`SELECT f.username AS "from", t.username AS "to", r.ts FROM friend_requests r
			 JOIN users f ON f.id = r.from_id JOIN users t ON t.id = r.to_id
			 WHERE r.from_id = ? OR r.to_id = ? ORDER BY r.ts, f.username_key`,
		).all(userId, userId) as FriendRequestRecord[];
	}

	// ignore lists

	async addIgnore(ownerId: number, ignoredId: number, ts: string): Promise<boolean> {
		return this.db.transaction(() => {
			const added = this.sql(`INSERT INTO ignores (owner_id, ignored_id, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
				.run(ownerId, ignoredId, ts).changes > 0;
			// Queued messages from them would otherwise come back at a login after the ignore is lifted.
			this.sql(
				`DELETE FROM pending WHERE user_id = ? AND message_id IN (SELECT id FROM messages WHERE sender_id = ?)`,
			).run(ownerId, ignoredId);
			return added;
		})();
	}

	async removeIgnore(ownerId: number, ignoredId: number): Promise<boolean> {
		return this.sql(`DELETE FROM ignores WHERE owner_id = ? AND ignored_id = ?`).run(ownerId, ignoredId).changes > 0;
	}

	async ignoredBy(ownerId: number): Promise<NamedUser[]> {
		return this.sql(
			`SELECT u.id, u.username FROM ignores i JOIN users u ON u.id = i.ignored_id
			 WHERE i.owner_id = ? ORDER BY u.username_key`,
		).all(ownerId) as NamedUser[];
	}

	async ignorersAmong(senderId: number, userIds: number[]): Promise<number[]> {
		if (userIds.length === 0) return [];
		// The ids go in as one JSON array, so one prepared statement serves every list length.
		return this.sql(
			`SELECT i.owner_id FROM json_each(?) j JOIN ignores i ON i.owner_id = j.value AND i.ignored_id = ?`,
		)
			.pluck()
			.all(JSON.stringify(userIds), senderId) as number[];
	}

	// groups

	async createGroup(name: string, description: string, creatorId: number, visibility: Visibility = 'private'): Promise<GroupRecord | undefined> {
		return this.db.transaction(() => {
			const now = new Date().toISOString();
			const result = this.sql(
				`INSERT INTO groups (name, name_key, description, creator_id, created_at, visibility) VALUES (?, ?, ?, ?, ?, ?)
				 ON CONFLICT (name_key) DO NOTHING`,
			).run(name, name.toLowerCase(), description, creatorId, now, visibility);
			if (result.changes === 0) return undefined;
			const groupId = Number(result.lastInsertRowid);
			this.sql(`INSERT INTO members (group_id, user_id, role, joined_at) VALUES (?, ?, 'creator', ?)`).run(
				groupId,
				creatorId,
				now,
			);
			return this.groupById(groupId);
		})();
	}

	private groupById(groupId: number): GroupRecord | undefined {
		return this.sql(`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.id = ?`).get(
			groupId,
		) as GroupRecord | undefined;
	}

	async groupByName(name: string): Promise<GroupRecord | undefined> {
		return this.sql(
			`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.name_key = ?`,
		).get(name.toLowerCase()) as GroupRecord | undefined;
	}

	async addMember(groupId: number, userId: number): Promise<boolean> {
		return this.db.transaction(() => {
			const result = this.sql(
				`INSERT INTO members (group_id, user_id, role, joined_at) VALUES (?, ?, 'normal', ?) ON CONFLICT DO NOTHING`,
			).run(groupId, userId, new Date().toISOString());
			this.sql(`DELETE FROM group_invites WHERE group_id = ? AND invitee_id = ?`).run(groupId, userId);
			return result.changes > 0;
		})();
	}

	async removeMember(groupId: number, userId: number): Promise<boolean> {
		return this.db.transaction(() => this.removeMemberNow(groupId, userId))();
	}

	/** Removes a member inside the caller's transaction, with what was queued for them in the group. */
	private removeMemberNow(groupId: number, userId: number): boolean {
		const removed = this.sql(`DELETE FROM members WHERE group_id = ? AND user_id = ?`).run(groupId, userId).changes > 0;
		this.sql(
			`DELETE FROM pending WHERE user_id = ? AND message_id IN (SELECT id FROM messages WHERE to_group_id = ?)`,
		).run(userId, groupId);
		return removed;
	}

	async setRole(groupId: number, userId: number, role: 'admin' | 'normal'): Promise<boolean> {
		return (
			this.sql(`UPDATE members SET role = ? WHERE group_id = ? AND user_id = ? AND role != 'creator'`).run(role, groupId, userId)
				.changes > 0
		);
	}

	async transferGroup(groupId: number, fromId: number, toId: number): Promise<boolean> {
		return this.db.transaction(() => {
			const promoted = this.sql(`UPDATE members SET role = 'creator' WHERE group_id = ? AND user_id = ?`).run(groupId, toId);
			if (promoted.changes === 0) return false;
			this.sql(`UPDATE members SET role = 'admin' WHERE group_id = ? AND user_id = ?`).run(groupId, fromId);
			this.sql(`UPDATE groups SET creator_id = ? WHERE id = ?`).run(toId, groupId);
			return true;
		})();
	}

	async updateGroup(groupId: number, changes: GroupChanges): Promise<GroupRecord | undefined> {
		this.sql(
			`UPDATE groups SET description = coalesce(?, description), visibility = coalesce(?, visibility) WHERE id = ?`,
		).run(changes.description ?? null, changes.visibility ?? null, groupId);
		return this.groupById(groupId);
	}

	async browseGroups(query: string, limit: number): Promise<GroupRecord[]> {
		const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		return this.sql(
			`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id
			 WHERE g.visibility = 'public' AND (g.name_key LIKE :pattern ESCAPE '\\' OR lower(g.description) LIKE :pattern ESCAPE '\\')
			 ORDER BY members DESC, g.name_key LIMIT :limit`,
		).all({ pattern, limit }) as GroupRecord[];
	}

	async addInvite(groupId: number, inviteeId: number, inviterId: number, ts: string): Promise<boolean> {
		const result = this.sql(
			`INSERT INTO group_invites (group_id, invitee_id, inviter_id, ts) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		).run(groupId, inviteeId, inviterId, ts);
		return result.changes > 0;
	}

	async hasInvite(groupId: number, inviteeId: number): Promise<boolean> {
		return this.sql(`SELECT 1 FROM group_invites WHERE group_id = ? AND invitee_id = ?`).get(groupId, inviteeId) !== undefined;
	}

	async deleteInvite(groupId: number, inviteeId: number): Promise<boolean> {
		return this.sql(`DELETE FROM group_invites WHERE group_id = ? AND invitee_id = ?`).run(groupId, inviteeId).changes > 0;
	}

	async invitesTo(groupId: number): Promise<InviteRecord[]> {
		return this.sql(
			`SELECT group_id AS groupId, invitee_id AS inviteeId, inviter_id AS inviterId FROM group_invites WHERE group_id = ?`,
		).all(groupId) as InviteRecord[];
	}

	async invitesOf(userId: number): Promise<InviteView[]> {
		return this.sql(
			`SELECT g.name AS "group", u.username AS "from", i.ts FROM group_invites i
			 JOIN groups g ON g.id = i.group_id JOIN users u ON u.id = i.inviter_id
			 WHERE i.invitee_id = ? ORDER BY i.ts, g.name_key`,
		).all(userId) as InviteView[];
	}

	async addBan(groupId: number, userId: number, byId: number, ts: string): Promise<boolean> {
		return this.db.transaction(() => {
			this.removeMemberNow(groupId, userId);
			this.sql(`DELETE FROM group_invites WHERE group_id = ? AND invitee_id = ?`).run(groupId, userId);
			const result = this.sql(
				`INSERT INTO group_bans (group_id, user_id, by_id, ts) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			).run(groupId, userId, byId, ts);
			return result.changes > 0;
		})();
	}

	async removeBan(groupId: number, userId: number): Promise<boolean> {
		return this.sql(`DELETE FROM group_bans WHERE group_id = ? AND user_id = ?`).run(groupId, userId).changes > 0;
	}

	async isBanned(groupId: number, userId: number): Promise<boolean> {
		return this.sql(`SELECT 1 FROM group_bans WHERE group_id = ? AND user_id = ?`).get(groupId, userId) !== undefined;
	}

	async bansOf(groupId: number): Promise<NamedUser[]> {
		return this.sql(
			`SELECT u.id, u.username FROM group_bans b JOIN users u ON u.id = b.user_id WHERE b.group_id = ? ORDER BY u.username_key`,
		).all(groupId) as NamedUser[];
	}

	async roleIn(groupId: number, userId: number): Promise<Role | undefined> {
		const row = this.sql(`SELECT role FROM members WHERE group_id = ? AND user_id = ?`).get(groupId, userId) as
			| { role: Role }
			| undefined;
		return row?.role;
	}

	async membersOf(groupId: number): Promise<MemberRecord[]> {
		return this.sql(
			`SELECT u.id, u.username, m.role FROM members m JOIN users u ON u.id = m.user_id
			 WHERE m.group_id = ? ORDER BY CASE m.role WHEN 'creator' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.username_key`,
		).all(groupId) as MemberRecord[];
	}

	async groupAudience(writerId: number, name: string): Promise<GroupAudienceRecord | undefined> {
		const row = this.sql(
			`SELECT ${GROUP_COLUMNS}, (SELECT role FROM members WHERE group_id = g.id AND user_id = @writer) AS role,
				(SELECT json_group_array(user_id) FROM (SELECT n.user_id FROM members n
					WHERE n.group_id = g.id AND n.user_id <> @writer AND ${senderNotIgnoredBy('n.user_id', '@writer')} ORDER BY n.user_id)) AS audience
			 FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.name_key = @key`,
		).get({ key: name.toLowerCase(), writer: writerId }) as (GroupRecord & { role: Role | null; audience: string }) | undefined;
		return row && { ...row, role: row.role ?? undefined, audience: JSON.parse(row.audience) as number[] };
	}

	async memberIdsOf(groupId: number): Promise<number[]> {
		return this.sql(`SELECT user_id FROM members WHERE group_id = ?`).pluck().all(groupId) as number[];
	}

	async groupsOf(userId: number): Promise<MembershipRecord[]> {
		const rows = this.sql(
			`SELECT ${GROUP_COLUMNS}, m.role FROM members m JOIN groups g ON g.id = m.group_id
			 JOIN users c ON c.id = g.creator_id WHERE m.user_id = ? ORDER BY g.name_key`,
		).all(userId) as Array<GroupRecord & { role: Role }>;
		return rows.map(({ role, ...group }) => ({ group, role }));
	}

	async deleteGroup(groupId: number): Promise<void> {
		this.db.transaction(() => this.deleteGroupNow(groupId))();
	}

	/** Deletes a group inside the caller's transaction. */
	private deleteGroupNow(groupId: number): void {
		this.sql(`DELETE FROM conversations WHERE key = ?`).run(groupKey(groupId));
		// Cascades to members, messages and their pending deliveries.
		this.sql(`DELETE FROM groups WHERE id = ?`).run(groupId);
		// files: they go with the messages (cascading to their chunks); a later group may get this id.
		this.sql(`DELETE FROM files WHERE conversation = ?`).run(groupKey(groupId));
	}

	async contactsOf(userId: number): Promise<number[]> {
		const rows = this.sql(
			`SELECT friend_id AS id FROM friends WHERE owner_id = ?
			 UNION
			 SELECT other.user_id FROM members mine JOIN members other ON other.group_id = mine.group_id
			 WHERE mine.user_id = ? AND other.user_id != ?`,
		).all(userId, userId, userId) as Array<{ id: number }>;
		return rows.map((row) => row.id);
	}

	// messages

	/**
	 * Group commit: appends are written together, in one transaction with one
	 * fsync. On a busy server an append waits up to the commit delay for
	 * others; otherwise whatever arrived in this turn of the event loop goes
	 * at once. Each promise settles only after the commit.
	 */
	appendMessage(message: NewMessage): Promise<AppendResult> {
		const now = this.noteArrival();
		return new Promise((resolve, reject) => {
			this.appendQueue.push({ message, resolve, reject });
			if (this.appendQueue.length === 1) this.scheduleAppends(now);
		});
	}

	private appendQueue: Array<{
		message: NewMessage;
		resolve: (result: AppendResult) => void;
		reject: (error: unknown) => void;
	}> = [];
	/** When the last commit shared by more than one append was made (ms, performance.now()). */
	private lastSharedCommitAt = Number.NEGATIVE_INFINITY;

	/** The appends that arrived lately, decayed (see ARRIVAL_WINDOW_MS), as of the last one (ms, performance.now()). */
	private recentArrivals = 0;
	private lastArrivalAt = 0;

	/** Counts an append in; returns now (ms, performance.now()). */
	private noteArrival(): number {
		const now = performance.now();
		this.recentArrivals = this.recentArrivals * Math.exp((this.lastArrivalAt - now) / ARRIVAL_WINDOW_MS) + 1;
		this.lastArrivalAt = now;
		return now;
	}

	private scheduleAppends(now: number): void {
		const severalSenders = now - this.lastSharedCommitAt < BUSY_GAP_MS;
		// Never with no delay: no company is due within 0 ms.
		const companyDue = (this.recentArrivals / ARRIVAL_WINDOW_MS) * this.commitDelayMs >= COMPANY_EXPECTED;
		if (severalSenders && companyDue) setTimeout(() => this.flushAppends(), this.commitDelayMs);
		else setImmediate(() => this.flushAppends());
	}

	private flushAppends(): void {
		const batch = this.appendQueue;
		if (batch.length === 0) return; // close() got there first
		this.appendQueue = [];
		if (batch.length > 1) this.lastSharedCommitAt = performance.now();
		let results: AppendResult[];
		try {
			results = this.db.transaction(() => batch.map(({ message }) => this.appendOne(message))).immediate();
		} catch {
			// One bad append must not fail the others: retry them one transaction each.
			for (const { message, resolve, reject } of batch) {
				try {
					resolve(this.db.transaction(() => this.appendOne(message)).immediate());
				} catch (error) {
					reject(error);
				}
			}
			return;
		}
		batch.forEach(({ resolve }, index) => resolve(results[index]!));
		this.indexTimer ??= setTimeout(() => this.indexPendingWords(), FTS_BATCH_MS).unref();
	}

	private indexTimer: NodeJS.Timeout | undefined;

	/**
	 * Puts the words of the messages waiting in fts_pending into the full-text
	 * index, in one transaction: many messages' words in one go cost a fraction
	 * of one message's at a time (FTS5 writes a segment per transaction).
	 */
	private indexPendingWords(): void {
		clearTimeout(this.indexTimer);
		this.indexTimer = undefined;
		// Nothing waiting (most searches): no write transaction, so no commit and fsync.
		if (!this.db.open || this.sql(`SELECT 1 FROM fts_pending LIMIT 1`).get() === undefined) return;
		this.db
			.transaction(() => {
				this.sql(`INSERT INTO messages_fts (rowid, text) SELECT m.id, m.text FROM fts_pending p JOIN messages m ON m.id = p.id`).run();
				this.sql(`DELETE FROM fts_pending`).run();
			})
			.immediate();
	}

	/** One append inside the caller's transaction: idempotent on (sender, cid). */
	private appendOne(message: NewMessage): AppendResult {
		const existingId = this.sql(`SELECT id FROM messages WHERE sender_id = ? AND cid = ?`)
			.pluck()
			.get(message.senderId, message.cid) as number | undefined;
		if (existingId !== undefined) return { message: this.messageById(existingId)!, duplicate: true, queuedFor: [] };
		const key = conversationKey(message.senderId, message.to);
		const seq = this.sql(
			`INSERT INTO conversations (key, last_seq) VALUES (?, 1)
			 ON CONFLICT (key) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
		)
			.pluck()
			.get(key) as number;
		const toUser = 'userId' in message.to ? message.to.userId : null;
		const toGroup = 'groupId' in message.to ? message.to.groupId : null;
		const result = this.sql(
			`INSERT INTO messages (conversation, seq, sender_id, to_user_id, to_group_id, text, cid, ts, file_id)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		).run(key, seq, message.senderId, toUser, toGroup, message.text, message.cid, message.ts, message.fileId ?? null);
		const messageId = Number(result.lastInsertRowid);
		const queue = this.sql(`INSERT INTO pending (user_id, message_id) VALUES (?, ?)`);
		const queuedFor = message.pendingFor;
		for (const userId of queuedFor) queue.run(userId, messageId);
		// Built from what was just written rather than read back (a three-way join per message).
		const stored: Message = {
			id: String(messageId),
			seq,
			from: this.usernameOf(message.senderId),
			to: 'userId' in message.to ? { user: this.usernameOf(message.to.userId) } : { group: this.groupNameOf(message.to.groupId) },
			text: message.text,
			ts: message.ts,
			cid: message.cid,
		};
		// files
		if (message.fileId !== undefined) {
			const file = this.fileRow(message.fileId);
			if (file) stored.file = toFileInfo(file);
		}
		return { message: stored, duplicate: false, queuedFor };
	}

	/** Usernames never change and users are never deleted, so each id is looked up once. */
	private readonly usernames = new Map<number, string>();

	private usernameOf(userId: number): string {
		let username = this.usernames.get(userId);
		if (username === undefined) {
			username = this.sql(`SELECT username FROM users WHERE id = ?`).pluck().get(userId) as string;
			this.usernames.set(userId, username);
		}
		return username;
	}

	private groupNameOf(groupId: number): string {
		// Not cached: a deleted group's id can be given to a new one.
		return this.sql(`SELECT name FROM groups WHERE id = ?`).pluck().get(groupId) as string;
	}

	private messageById(id: number): Message | undefined {
		const row = this.sql(`SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS} WHERE m.id = ?`).get(id) as
			| MessageRow
			| undefined;
		return row && toMessage(row);
	}

	async history(query: HistoryQuery): Promise<Message[]> {
		const key = conversationKey(query.userId, query.with);
		const rows = this.sql(
			`SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS}
			 WHERE m.conversation = ? AND m.seq < ? AND ${senderNotIgnoredBy('?')} ORDER BY m.seq DESC LIMIT ?`,
		).all(key, query.before ?? Number.MAX_SAFE_INTEGER, query.userId, query.limit) as MessageRow[];
		return rows.reverse().map(toMessage);
	}

	async pendingFor(userId: number, afterPendingId: number, limit: number): Promise<PendingMessage[]> {
		const rows = this.sql(
			`SELECT p.id AS pending_id, ${MESSAGE_COLUMNS} FROM pending p JOIN messages m ON m.id = p.message_id
			 ${MESSAGE_JOINS} WHERE p.user_id = ? AND p.id > ? AND ${senderNotIgnoredBy('p.user_id')} ORDER BY p.id LIMIT ?`,
		).all(userId, afterPendingId, limit) as Array<MessageRow & { pending_id: number }>;
		return rows.map((row) => ({ pendingId: row.pending_id, message: toMessage(row) }));
	}

	async clearPending(userId: number, uptoPendingId: number): Promise<void> {
		this.sql(`DELETE FROM pending WHERE user_id = ? AND id <= ?`).run(userId, uptoPendingId);
	}

	// read state

	async setReadCursor(userId: number, conversation: { userId: number } | { groupId: number }, seq: number): Promise<void> {
		// "WHERE true" lets SQLite parse the upsert after a SELECT.
		this.sql(
			`INSERT INTO read_cursors (user_id, conversation, seq)
			 SELECT ?, key, min(?, last_seq) FROM conversations WHERE key = ? AND true
			 ON CONFLICT (user_id, conversation) DO UPDATE SET seq = max(seq, excluded.seq)`,
		).run(userId, seq, conversationKey(userId, conversation));
	}

	async readStates(userId: number): Promise<ReadStateRecord[]> {
		const rows = this.sql(
			`WITH mine (kind, id, name, key) AS (
				SELECT 'user', u.id, u.username,
				       ${keySql.direct('min(f.owner_id, f.friend_id)', 'max(f.owner_id, f.friend_id)')}
				FROM friends f JOIN users u ON u.id = f.friend_id WHERE f.owner_id = :me
				UNION ALL
				SELECT 'group', g.id, g.name, ${keySql.group('g.id')}
				FROM members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = :me
			)
			SELECT mine.kind, mine.id, mine.name, c.last_seq AS last, coalesce(r.seq, 0) AS read,
			       (SELECT count(*) FROM (
			          SELECT 1 FROM messages x
			          WHERE x.conversation = mine.key AND x.seq > coalesce(r.seq, 0) AND x.sender_id != :me
			            AND ${senderNotIgnoredBy(':me', 'x.sender_id')}
			          LIMIT :cap)) AS unread
			FROM mine JOIN conversations c ON c.key = mine.key
			LEFT JOIN read_cursors r ON r.user_id = :me AND r.conversation = mine.key
			ORDER BY mine.kind DESC, mine.name`,
		).all({ me: userId, cap: UNREAD_COUNT_CAP }) as ReadStateRow[];
		return rows.map(toReadStateRecord);
	}

	// search

	async search(query: MessageSearch): Promise<Message[]> {
		const words = searchWords(query.text);
		if (words.length === 0) return [];
		// Every acknowledged message is found, indexed or still waiting for its batch.
		this.indexPendingWords();
		const parameters = {
			match: fts5Query(words),
			me: query.userId,
			key: query.with === undefined ? null : conversationKey(query.userId, query.with),
			before: query.before ?? Number.MAX_SAFE_INTEGER,
			limit: query.limit,
		};
		// Without a conversation: direct ones the user sent or received in, and groups they are in now.
		const rows = this.sql(
			`SELECT ${MESSAGE_COLUMNS} FROM messages_fts hit JOIN messages m ON m.id = hit.rowid ${MESSAGE_JOINS}
			 WHERE messages_fts MATCH :match AND hit.rowid < :before AND ${senderNotIgnoredBy(':me')}
			   AND (CASE WHEN :key IS NOT NULL THEN m.conversation = :key
			        ELSE (m.to_user_id IS NOT NULL AND (m.sender_id = :me OR m.to_user_id = :me))
			          OR m.to_group_id IN (SELECT group_id FROM members WHERE user_id = :me) END)
			 ORDER BY hit.rowid DESC LIMIT :limit`,
		).all(parameters) as MessageRow[];
		return rows.map(toMessage);
	}

	// files

	private fileRow(fileId: number): FileRecord | undefined {
		const row = this.sql(
			`SELECT id, uploader_id AS uploaderId, conversation, name, size, mime, sha256, received, complete
			 FROM files WHERE id = ?`,
		).get(fileId) as (Omit<FileRecord, 'complete'> & { complete: number }) | undefined;
		return row && { ...row, complete: row.complete === 1 };
	}

	async createOrResumeUpload(upload: NewUpload): Promise<FileRecord> {
		return this.db.transaction(() => {
			const existing = this.sql(
				`SELECT id FROM files WHERE uploader_id = ? AND sha256 = ? AND conversation = ? AND complete = 0
				 ORDER BY id DESC LIMIT 1`,
			)
				.pluck()
				.get(upload.uploaderId, upload.sha256, upload.conversation) as number | undefined;
			if (existing !== undefined) return this.fileRow(existing)!;
			const result = this.sql(
				`INSERT INTO files (uploader_id, conversation, name, size, mime, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			).run(upload.uploaderId, upload.conversation, upload.name, upload.size, upload.mime, upload.sha256, upload.createdAt);
			return this.fileRow(Number(result.lastInsertRowid))!;
		}).immediate();
	}

	async fileById(fileId: number): Promise<FileRecord | undefined> {
		return this.fileRow(fileId);
	}

	async appendFileChunk(fileId: number, offset: number, data: Uint8Array): Promise<number | undefined> {
		if (data.length === 0 || data.length > MAX_FILE_CHUNK_BYTES) return undefined;
		return this.db.transaction(() => {
			const moved = this.sql(
				`UPDATE files SET received = received + ? WHERE id = ? AND received = ? AND complete = 0 AND received + ? <= size
				 RETURNING received`,
			)
				.pluck()
				.get(data.length, fileId, offset, data.length) as number | undefined;
			if (moved === undefined) return undefined;
			this.sql(`INSERT INTO file_chunks (file_id, "offset", data) VALUES (?, ?, ?)`).run(fileId, offset, asBuffer(data));
			return moved;
		}).immediate();
	}

	async completeFile(fileId: number): Promise<CompleteResult> {
		return completeUpload(fileId, this.fileRow(fileId), () => this.readFile(fileId, 0), (matches) =>
			this.db
				.transaction(() => {
					if (matches) {
						this.sql(`UPDATE files SET complete = 1 WHERE id = ?`).run(fileId);
					} else {
						this.sql(`DELETE FROM file_chunks WHERE file_id = ?`).run(fileId);
						this.sql(`UPDATE files SET received = 0 WHERE id = ?`).run(fileId);
					}
				})
				.immediate(),
		);
	}

	readFile(fileId: number, from: number): AsyncIterable<Uint8Array> {
		return fileBytesFrom(from, (position, minOffset) =>
			this.sql(
				`SELECT "offset", data FROM file_chunks
				 WHERE file_id = ? AND "offset" > ? AND "offset" + length(data) > ?
				 ORDER BY "offset" LIMIT ?`,
			).all(fileId, minOffset, position, FILE_READ_PAGE_CHUNKS) as StoredChunk[],
		);
	}

	async close(): Promise<void> {
		if (this.appendQueue.length > 0) this.flushAppends();
		this.indexPendingWords();
		if (this.db.open) this.db.close();
		this.lock.release();
	}
}
