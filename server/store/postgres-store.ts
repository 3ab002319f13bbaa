import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Message, Role, Visibility } from '../../source/protocol/index.js';
import { conversationKey, groupKey, keySql } from '../conversations/key.js';
import { completeUpload, FILE_READ_PAGE_CHUNKS, fileBytesFrom, type StoredChunk } from './file-bytes.js';
import { messageColumns, MESSAGE_JOINS, toMessage, type MessageRow } from './messages-sql.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import type {
	AppendResult,
	DirectPeerRecord,
	GroupAudienceRecord,
	FriendRecord,
	FriendRequestRecord,
	GroupChanges,
	GroupRecord,
	InviteRecord,
	InviteView,
	HistoryQuery,
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
import { foldedText, searchVector } from './postgres-search.js';
import { searchWords } from './search-words.js';
import { newSessionId, SESSION_COLUMNS, toSessionRecord, type SessionRow } from './accounts-sql.js';
import { senderNotIgnoredBy } from './ignored-sql.js';

export interface PostgresStoreOptions {
	/** libpq-style URL, e.g. postgres://user:password@host:5432/database. */
	connectionString: string;
	/**
	 * Schema for the tables: created when missing and made the only entry of
	 * `search_path` on every pooled connection. Without it the server's default
	 * search_path applies (normally `public`).
	 */
	schema?: string | undefined;
	/** Most connections the pool opens at once (default 10). */
	maxConnections?: number | undefined;
}

/** A query runner: the pool, or one client inside a transaction. */
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

const statementNames = new Map<string, string>();

/**
 * A statement the server runs again and again, as a named (prepared) one:
 * each pooled connection parses and plans it once, not at every call
 * (planning the message joins cost more than running them). Named by the
 * hash of its text, so the same text is the same statement on every connection.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
	let name = statementNames.get(text);
	if (name === undefined) {
		name = `s${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
		statementNames.set(text, name);
	}
	return { name, text, values };
}

/** PostgreSQL error codes this store handles. */
const UNIQUE_VIOLATION = '23505';
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

/** A transaction that lost a deadlock or serialisation race is run again, this many times in all. */
const TRANSACTION_ATTEMPTS = 5;

/** Both keys of the advisory lock migrations take: a constant for chat-tui, then the schema's hash. */
const MIGRATION_LOCK_CLASS = 0x63687475; // "chtu"

/**
 * BIGINT (int8) arrives from pg as a string by default; every BIGINT here is
 * an id, a seq or a count, so this pool reads them as numbers, refusing any
 * beyond 2^53 rather than rounding it. Message ids are selected as text.
 */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
	const number = Number(value);
	if (!Number.isSafeInteger(number)) throw new RangeError(`integer ${value} is beyond 2^53`);
	return number;
});

function isDatabaseError(error: unknown, code: string): error is pg.DatabaseError {
	return error instanceof Error && (error as Partial<pg.DatabaseError>).code === code;
}

/** Message ids are BIGINTs, selected as text (see the INT8 parser above). */
const MESSAGE_COLUMNS = messageColumns('m.id::text');

type FileRow = FileRecord;
const FILE_COLUMNS = `id, uploader_id AS "uploaderId", conversation, name, size, mime, sha256, received, complete`;

const GROUP_COLUMNS = `g.id, g.name, g.description, c.username AS creator, g.visibility,
	(SELECT count(*)::int FROM members n WHERE n.group_id = g.id) AS members`;

/**
 * Runs the migrations not yet recorded in `schema_migrations`, all in one
 * transaction holding a transaction-scoped advisory lock: a second server
 * starting at the same moment waits for the lock, then finds nothing to do.
 */
async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
	const client = await pool.connect();
	let broken: Error | undefined;
	try {
		await client.query('BEGIN');
		await client.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [
			MIGRATION_LOCK_CLASS,
			`chat-tui:${schema ?? '(search_path)'}`,
		]);
		// Under the lock, so concurrent starts cannot both try to create it.
		if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
		await client.query(
			`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
		);
		const { rows } = await client.query<{ version: number }>(
			`SELECT COALESCE(MAX(version), 0)::int AS version FROM schema_migrations`,
		);
		const current = rows[0]?.version ?? 0;
		if (current > POSTGRES_MIGRATIONS.length) {
			throw new Error(
				`the database schema is at version ${current}, newer than this server knows (${POSTGRES_MIGRATIONS.length}); upgrade chat-tui`,
			);
		}
		for (let version = current; version < POSTGRES_MIGRATIONS.length; version++) {
			await client.query(POSTGRES_MIGRATIONS[version]!);
			await client.query(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, [
				version + 1,
				new Date().toISOString(),
			]);
		}
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
		throw error;
	} finally {
		client.release(broken);
	}
}

/**
 * Opens a pool, runs pending migrations and hands back the store. Several
 * servers may share one database (and schema): every method is one
 * transaction, and message order comes from a per-conversation row lock.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
	const { schema } = options;
	if (schema === '') throw new Error('the PostgreSQL schema name is empty');
	const pool = new pg.Pool({
		connectionString: options.connectionString,
		max: options.maxConnections ?? 10,
		types,
		// Awaited before the pool hands the connection out (a failure fails that checkout).
		onConnect:
			schema === undefined
				? undefined
				: async (client) => {
						await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
					},
	});
	// An idle connection that breaks (the database restarted) is dropped by the
	// pool and the next checkout opens a new one; without a listener it would crash the process.
	pool.on('error', () => {});
	try {
		await migrate(pool, schema);
	} catch (error) {
		await pool.end().catch(() => {});
		throw error;
	}
	return new PostgresStore(pool);
}

/** The clustered store: PostgreSQL through a connection pool. Build it with openPostgresStore. */
export class PostgresStore implements Store {
	private closed = false;

	constructor(private readonly pool: pg.Pool) {}

	private async rows<R extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
		return (await db.query<R>(prepared(text, values))).rows;
	}

	private async row<R extends pg.QueryResultRow>(
		db: Queryable,
		text: string,
		values: unknown[] = [],
	): Promise<R | undefined> {
		return (await db.query<R>(prepared(text, values))).rows[0];
	}

	private async changes(db: Queryable, text: string, values: unknown[] = []): Promise<number> {
		return (await db.query(prepared(text, values))).rowCount ?? 0;
	}

	/** Runs `work` in one transaction on one connection, again if it lost a deadlock or serialisation race. */
	private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			const client = await this.pool.connect();
			let broken: Error | undefined;
			try {
				await client.query('BEGIN');
				const result = await work(client);
				await client.query('COMMIT');
				return result;
			} catch (error) {
				await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
				const retry =
					isDatabaseError(error, DEADLOCK_DETECTED) || isDatabaseError(error, SERIALIZATION_FAILURE);
				if (!retry || attempt >= TRANSACTION_ATTEMPTS) throw error;
			} finally {
				client.release(broken);
			}
		}
	}

	// accounts

	async createUser(username: string, passwordHash: string): Promise<UserRecord | undefined> {
		// A deleted account keeps its row, so its name stays taken here too.
		const row = await this.row<{ id: number }>(
			this.pool,
			`INSERT INTO users (username, username_key, password_hash, created_at) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (username_key) DO NOTHING RETURNING id`,
			[username, username.toLowerCase(), passwordHash, new Date().toISOString()],
		);
		return row && { id: row.id, username, passwordHash, deleted: false };
	}

	async userByName(username: string): Promise<UserRecord | undefined> {
		return this.row<UserRecord>(
			this.pool,
			`SELECT id, username, password_hash AS "passwordHash", deleted_at IS NOT NULL AS deleted FROM users WHERE username_key = $1`,
			[username.toLowerCase()],
		);
	}

	async findUsers(query: string, limit: number): Promise<NamedUser[]> {
		// strpos is literal: no LIKE wildcards to escape.
		return this.rows<NamedUser>(
			this.pool,
			`SELECT id, username FROM users WHERE strpos(username_key, $1) > 0 AND deleted_at IS NULL
			 ORDER BY strpos(username_key, $1) <> 1, username_key LIMIT $2`,
			[query.toLowerCase(), limit],
		);
	}

	async saveToken(userId: number, tokenHash: string, expiresAt: string | null, device: string): Promise<string> {
		const id = newSessionId();
		await this.pool.query(
			`INSERT INTO tokens (hash, id, user_id, device, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			[tokenHash, id, userId, device, new Date().toISOString(), expiresAt],
		);
		return id;
	}

	async userByToken(tokenHash: string, now: string): Promise<TokenOwner | undefined> {
		return this.row<TokenOwner>(
			this.pool,
			`SELECT u.id, u.username, u.password_hash AS "passwordHash", FALSE AS deleted, t.id AS "sessionId"
			 FROM tokens t JOIN users u ON u.id = t.user_id
			 WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.deleted_at IS NULL`,
			[tokenHash, now],
		);
	}

	async deleteToken(tokenHash: string): Promise<void> {
		await this.pool.query(`DELETE FROM tokens WHERE hash = $1`, [tokenHash]);
	}

	async setPasswordHash(userId: number, passwordHash: string, replacing?: string): Promise<void> {
		await this.pool.query(
			`UPDATE users SET password_hash = $1 WHERE id = $2 AND deleted_at IS NULL AND ($3::text IS NULL OR password_hash = $3)`,
			[passwordHash, userId, replacing ?? null],
		);
	}

	async sessionsOf(userId: number, now: string): Promise<SessionRecord[]> {
		const rows = await this.rows<SessionRow>(
			this.pool,
			`SELECT ${SESSION_COLUMNS} FROM tokens WHERE user_id = $1 AND (expires_at IS NULL OR expires_at > $2)
			 ORDER BY created_at DESC, id`,
			[userId, now],
		);
		return rows.map(toSessionRecord);
	}

	async revokeSessions(userId: number, which: SessionSelector): Promise<string[]> {
		const rows =
			'sessionId' in which
				? await this.rows<{ id: string }>(this.pool, `DELETE FROM tokens WHERE user_id = $1 AND id = $2 RETURNING id`, [
						userId,
						which.sessionId,
					])
				: await this.rows<{ id: string }>(
						this.pool,
						`DELETE FROM tokens WHERE user_id = $1 AND id IS DISTINCT FROM $2 RETURNING id`,
						[userId, which.allExcept ?? null],
					);
		return rows.map((row) => row.id);
	}

	async sessionConnected(sessionId: string, change: 1 | -1, now: string): Promise<void> {
		await this.pool.query(`UPDATE tokens SET connected = greatest(0, connected + $1), last_seen = $2 WHERE id = $3`, [
			change,
			now,
			sessionId,
		]);
	}

	async sessionsSeen(sessionIds: string[], now: string): Promise<void> {
		if (sessionIds.length === 0) return;
		await this.pool.query(`UPDATE tokens SET last_seen = $1 WHERE id = ANY($2::text[])`, [now, sessionIds]);
	}

	async deleteUser(userId: number, now: string): Promise<void> {
		await this.transaction(async (client) => {
			// Groups it created that nobody else is in go as groups.delete would take them.
			const lonely = await this.rows<{ id: number }>(
				client,
				`SELECT id FROM groups g WHERE creator_id = $1
				 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.group_id = g.id AND m.user_id <> $1)`,
				[userId],
			);
			for (const { id } of lonely) await this.deleteGroupIn(client, id);
			// An empty hash matches no password: the account cannot log in even before deleted_at is read.
			await client.query(`UPDATE users SET deleted_at = $2, password_hash = '' WHERE id = $1`, [userId, now]);
			for (const statement of [
				`DELETE FROM tokens WHERE user_id = $1`,
				`DELETE FROM friends WHERE owner_id = $1 OR friend_id = $1`,
				`DELETE FROM friend_requests WHERE from_id = $1 OR to_id = $1`,
				`DELETE FROM members WHERE user_id = $1`,
				`DELETE FROM group_invites WHERE invitee_id = $1 OR inviter_id = $1`,
				`DELETE FROM pending WHERE user_id = $1`,
				`DELETE FROM read_cursors WHERE user_id = $1`,
				`DELETE FROM ignores WHERE owner_id = $1 OR ignored_id = $1`,
			]) {
				await client.query(statement, [userId]);
			}
		});
	}

	// friends

	async friendsOf(userId: number): Promise<FriendRecord[]> {
		return this.rows<FriendRecord>(
			this.pool,
			`SELECT u.id, u.username, f.alias FROM friends f JOIN users u ON u.id = f.friend_id
			 WHERE f.owner_id = $1 ORDER BY u.username_key`,
			[userId],
		);
	}

	async friendOf(userId: number, friendId: number): Promise<FriendRecord | undefined> {
		return this.row<FriendRecord>(
			this.pool,
			`SELECT u.id, u.username, f.alias FROM friends f JOIN users u ON u.id = f.friend_id
			 WHERE f.owner_id = $1 AND f.friend_id = $2`,
			[userId, friendId],
		);
	}

	async directPeer(writerId: number, username: string): Promise<DirectPeerRecord | undefined> {
		return this.row<DirectPeerRecord>(
			this.pool,
			`SELECT u.id, u.username, u.password_hash AS "passwordHash", u.deleted_at IS NOT NULL AS deleted,
				EXISTS (SELECT 1 FROM friends f WHERE f.owner_id = $2 AND f.friend_id = u.id) AS friend,
				EXISTS (SELECT 1 FROM ignores i WHERE i.owner_id = u.id AND i.ignored_id = $2) AS "ignoresWriter"
			 FROM users u WHERE u.username_key = $1`,
			[username.toLowerCase(), writerId],
		);
	}

	async addFriendship(a: number, b: number): Promise<void> {
		const since = new Date().toISOString();
		// Rows always in the same order, lower id first: two people accepting each other at once cannot deadlock.
		const [low, high] = a < b ? [a, b] : [b, a];
		await this.transaction(async (client) => {
			await client.query(
				`INSERT INTO friends (owner_id, friend_id, alias, since) VALUES ($1, $2, NULL, $3), ($2, $1, NULL, $3)
				 ON CONFLICT DO NOTHING`,
				[low, high, since],
			);
			await client.query(
				`DELETE FROM friend_requests WHERE (from_id = $1 AND to_id = $2) OR (from_id = $2 AND to_id = $1)`,
				[low, high],
			);
		});
	}

	async removeFriendship(a: number, b: number): Promise<boolean> {
		const changes = await this.changes(
			this.pool,
			`DELETE FROM friends WHERE (owner_id = $1 AND friend_id = $2) OR (owner_id = $2 AND friend_id = $1)`,
			[a, b],
		);
		return changes > 0;
	}

	async setAlias(ownerId: number, friendId: number, alias: string | null): Promise<boolean> {
		const changes = await this.changes(this.pool, `UPDATE friends SET alias = $1 WHERE owner_id = $2 AND friend_id = $3`, [
			alias,
			ownerId,
			friendId,
		]);
		return changes > 0;
	}

	async addFriendRequest(fromId: number, toId: number, ts: string): Promise<boolean> {
		const changes = await this.changes(
			this.pool,
			`INSERT INTO friend_requests (from_id, to_id, ts) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			[fromId, toId, ts],
		);
		return changes > 0;
	}

	async hasFriendRequest(fromId: number, toId: number): Promise<boolean> {
		const row = await this.row(this.pool, `SELECT 1 FROM friend_requests WHERE from_id = $1 AND to_id = $2`, [
			fromId,
			toId,
		]);
		return row !== undefined;
	}

	async deleteFriendRequest(fromId: number, toId: number): Promise<boolean> {
		const changes = await this.changes(this.pool, `DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2`, [
			fromId,
			toId,
		]);
		return changes > 0;
	}

	async friendRequestsOf(userId: number): Promise<FriendRequestRecord[]> {
		return this.rows<FriendRequestRecord>(
			this.pool,
			`SELECT f.username AS "from", t.username AS "to", r.ts FROM friend_requests r
			 JOIN users f ON f.id = r.from_id JOIN users t ON t.id = r.to_id
			 WHERE r.from_id = $1 OR r.to_id = $1 ORDER BY r.ts, f.username_key`,
			[userId],
		);
	}

	// ignore lists

	async addIgnore(ownerId: number, ignoredId: number, ts: string): Promise<boolean> {
		return this.transaction(async (client) => {
			const added = await this.changes(
				client,
				`INSERT INTO ignores (owner_id, ignored_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				[ownerId, ignoredId, ts],
			);
			// Queued messages from them would otherwise come back at a login after the ignore is lifted.
			await client.query(
				`DELETE FROM pending WHERE user_id = $1 AND message_id IN (SELECT id FROM messages WHERE sender_id = $2)`,
				[ownerId, ignoredId],
			);
			return added > 0;
		});
	}

	async removeIgnore(ownerId: number, ignoredId: number): Promise<boolean> {
		const changes = await this.changes(this.pool, `DELETE FROM ignores WHERE owner_id = $1 AND ignored_id = $2`, [
			ownerId,
			ignoredId,
		]);
		return changes > 0;
	}

	async ignoredBy(ownerId: number): Promise<NamedUser[]> {
		return this.rows<NamedUser>(
			this.pool,
			`SELECT u.id, u.username FROM ignores i JOIN users u ON u.id = i.ignored_id
			 WHERE i.owner_id = $1 ORDER BY u.username_key`,
			[ownerId],
		);
	}

	async ignorersAmong(senderId: number, userIds: number[]): Promise<number[]> {
		if (userIds.length === 0) return [];
		const rows = await this.rows<{ owner_id: number }>(
			this.pool,
			`SELECT owner_id FROM ignores WHERE ignored_id = $1 AND owner_id = ANY($2::bigint[])`,
			[senderId, userIds],
		);
		return rows.map((row) => row.owner_id);
	}

	// groups

	async createGroup(name: string, description: string, creatorId: number, visibility: Visibility = 'private'): Promise<GroupRecord | undefined> {
		return this.transaction(async (client) => {
			const now = new Date().toISOString();
			const created = await this.row<{ id: number }>(
				client,
				`INSERT INTO groups (name, name_key, description, creator_id, created_at, visibility) VALUES ($1, $2, $3, $4, $5, $6)
				 ON CONFLICT (name_key) DO NOTHING RETURNING id`,
				[name, name.toLowerCase(), description, creatorId, now, visibility],
			);
			if (!created) return undefined;
			await client.query(`INSERT INTO members (group_id, user_id, role, joined_at) VALUES ($1, $2, 'creator', $3)`, [
				created.id,
				creatorId,
				now,
			]);
			return this.row<GroupRecord>(
				client,
				`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.id = $1`,
				[created.id],
			);
		});
	}

	async groupByName(name: string): Promise<GroupRecord | undefined> {
		return this.row<GroupRecord>(
			this.pool,
			`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.name_key = $1`,
			[name.toLowerCase()],
		);
	}

	async addMember(groupId: number, userId: number): Promise<boolean> {
		return this.transaction(async (client) => {
			const changes = await this.changes(
				client,
				`INSERT INTO members (group_id, user_id, role, joined_at) VALUES ($1, $2, 'normal', $3) ON CONFLICT DO NOTHING`,
				[groupId, userId, new Date().toISOString()],
			);
			await client.query(`DELETE FROM group_invites WHERE group_id = $1 AND invitee_id = $2`, [groupId, userId]);
			return changes > 0;
		});
	}

	async removeMember(groupId: number, userId: number): Promise<boolean> {
		return this.transaction((client) => this.removeMemberIn(client, groupId, userId));
	}

	/** Removes a member inside the caller's transaction, with what was queued for them in the group. */
	private async removeMemberIn(client: pg.PoolClient, groupId: number, userId: number): Promise<boolean> {
		const changes = await this.changes(client, `DELETE FROM members WHERE group_id = $1 AND user_id = $2`, [groupId, userId]);
		await client.query(
			`DELETE FROM pending WHERE user_id = $1 AND message_id IN (SELECT id FROM messages WHERE to_group_id = $2)`,
			[userId, groupId],
		);
		return changes > 0;
	}

	async setRole(groupId: number, userId: number, role: 'admin' | 'normal'): Promise<boolean> {
		const changes = await this.changes(
			this.pool,
			`UPDATE members SET role = $1 WHERE group_id = $2 AND user_id = $3 AND role <> 'creator'`,
			[role, groupId, userId],
		);
		return changes > 0;
	}

	async transferGroup(groupId: number, fromId: number, toId: number): Promise<boolean> {
		return this.transaction(async (client) => {
			const promoted = await this.changes(client, `UPDATE members SET role = 'creator' WHERE group_id = $1 AND user_id = $2`, [
				groupId,
				toId,
			]);
			if (promoted === 0) return false;
			await client.query(`UPDATE members SET role = 'admin' WHERE group_id = $1 AND user_id = $2`, [groupId, fromId]);
			await client.query(`UPDATE groups SET creator_id = $1 WHERE id = $2`, [toId, groupId]);
			return true;
		});
	}

	async updateGroup(groupId: number, changes: GroupChanges): Promise<GroupRecord | undefined> {
		await this.pool.query(
			`UPDATE groups SET description = coalesce($1, description), visibility = coalesce($2, visibility) WHERE id = $3`,
			[changes.description ?? null, changes.visibility ?? null, groupId],
		);
		return this.row<GroupRecord>(
			this.pool,
			`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.id = $1`,
			[groupId],
		);
	}

	async browseGroups(query: string, limit: number): Promise<GroupRecord[]> {
		const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		return this.rows<GroupRecord>(
			this.pool,
			`SELECT ${GROUP_COLUMNS} FROM groups g JOIN users c ON c.id = g.creator_id
			 WHERE g.visibility = 'public' AND (g.name_key LIKE $1 ESCAPE '\\' OR lower(g.description) LIKE $1 ESCAPE '\\')
			 ORDER BY members DESC, g.name_key LIMIT $2`,
			[pattern, limit],
		);
	}

	async addInvite(groupId: number, inviteeId: number, inviterId: number, ts: string): Promise<boolean> {
		const changes = await this.changes(
			this.pool,
			`INSERT INTO group_invites (group_id, invitee_id, inviter_id, ts) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			[groupId, inviteeId, inviterId, ts],
		);
		return changes > 0;
	}

	async hasInvite(groupId: number, inviteeId: number): Promise<boolean> {
		const row = await this.row(this.pool, `SELECT 1 FROM group_invites WHERE group_id = $1 AND invitee_id = $2`, [groupId, inviteeId]);
		return row !== undefined;
	}

	async deleteInvite(groupId: number, inviteeId: number): Promise<boolean> {
		const changes = await this.changes(this.pool, `DELETE FROM group_invites WHERE group_id = $1 AND invitee_id = $2`, [
			groupId,
			inviteeId,
		]);
		return changes > 0;
	}

	async invitesTo(groupId: number): Promise<InviteRecord[]> {
		return this.rows<InviteRecord>(
			this.pool,
			`SELECT group_id AS "groupId", invitee_id AS "inviteeId", inviter_id AS "inviterId" FROM group_invites WHERE group_id = $1`,
			[groupId],
		);
	}

	async invitesOf(userId: number): Promise<InviteView[]> {
		return this.rows<InviteView>(
			this.pool,
			`SELECT g.name AS "group", u.username AS "from", i.ts FROM group_invites i
			 JOIN groups g ON g.id = i.group_id JOIN users u ON u.id = i.inviter_id
			 WHERE i.invitee_id = $1 ORDER BY i.ts, g.name_key`,
			[userId],
		);
	}

	async addBan(groupId: number, userId: number, byId: number, ts: string): Promise<boolean> {
		return this.transaction(async (client) => {
			await this.removeMemberIn(client, groupId, userId);
			await client.query(`DELETE FROM group_invites WHERE group_id = $1 AND invitee_id = $2`, [groupId, userId]);
			const changes = await this.changes(
				client,
				`INSERT INTO group_bans (group_id, user_id, by_id, ts) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				[groupId, userId, byId, ts],
			);
			return changes > 0;
		});
	}

	async removeBan(groupId: number, userId: number): Promise<boolean> {
		const changes = await this.changes(this.pool, `DELETE FROM group_bans WHERE group_id = $1 AND user_id = $2`, [groupId, userId]);
		return changes > 0;
	}

	async isBanned(groupId: number, userId: number): Promise<boolean> {
		const row = await this.row(this.pool, `SELECT 1 FROM group_bans WHERE group_id = $1 AND user_id = $2`, [groupId, userId]);
		return row !== undefined;
	}

	async bansOf(groupId: number): Promise<NamedUser[]> {
		return this.rows<NamedUser>(
			this.pool,
			`SELECT u.id, u.username FROM group_bans b JOIN users u ON u.id = b.user_id WHERE b.group_id = $1 ORDER BY u.username_key`,
			[groupId],
		);
	}

	async roleIn(groupId: number, userId: number): Promise<Role | undefined> {
		const row = await this.row<{ role: Role }>(
			this.pool,
			`SELECT role FROM members WHERE group_id = $1 AND user_id = $2`,
			[groupId, userId],
		);
		return row?.role;
	}

	async membersOf(groupId: number): Promise<MemberRecord[]> {
		return this.rows<MemberRecord>(
			this.pool,
			`SELECT u.id, u.username, m.role FROM members m JOIN users u ON u.id = m.user_id
			 WHERE m.group_id = $1 ORDER BY CASE m.role WHEN 'creator' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.username_key`,
			[groupId],
		);
	}

	async groupAudience(writerId: number, name: string): Promise<GroupAudienceRecord | undefined> {
		// json_agg, not ARRAY: an int8[] would arrive as strings, past the INT8 parser above.
		const row = await this.row<GroupRecord & { role: Role | null; audience: number[] }>(
			this.pool,
			`SELECT ${GROUP_COLUMNS}, (SELECT role FROM members WHERE group_id = g.id AND user_id = $2) AS role,
				COALESCE((SELECT json_agg(n.user_id ORDER BY n.user_id) FROM members n
					WHERE n.group_id = g.id AND n.user_id <> $2 AND ${senderNotIgnoredBy('n.user_id', '$2')}), '[]') AS audience
			 FROM groups g JOIN users c ON c.id = g.creator_id WHERE g.name_key = $1`,
			[name.toLowerCase(), writerId],
		);
		return row && { ...row, role: row.role ?? undefined };
	}

	async memberIdsOf(groupId: number): Promise<number[]> {
		const rows = await this.rows<{ user_id: number }>(this.pool, `SELECT user_id FROM members WHERE group_id = $1`, [groupId]);
		return rows.map((row) => row.user_id);
	}

	async groupsOf(userId: number): Promise<MembershipRecord[]> {
		const rows = await this.rows<GroupRecord & { role: Role }>(
			this.pool,
			`SELECT ${GROUP_COLUMNS}, m.role FROM members m JOIN groups g ON g.id = m.group_id
			 JOIN users c ON c.id = g.creator_id WHERE m.user_id = $1 ORDER BY g.name_key`,
			[userId],
		);
		return rows.map(({ role, ...group }) => ({ group, role }));
	}

	async deleteGroup(groupId: number): Promise<void> {
		await this.transaction((client) => this.deleteGroupIn(client, groupId));
	}

	/** Deletes a group inside the caller's transaction. */
	private async deleteGroupIn(client: pg.PoolClient, groupId: number): Promise<void> {
		await client.query(`DELETE FROM conversations WHERE key = $1`, [groupKey(groupId)]);
		// Cascades to members, messages and their pending deliveries.
		await client.query(`DELETE FROM groups WHERE id = $1`, [groupId]);
		// files: they go with the messages (cascading to their chunks).
		await client.query(`DELETE FROM files WHERE conversation = $1`, [groupKey(groupId)]);
	}

	async contactsOf(userId: number): Promise<number[]> {
		const rows = await this.rows<{ id: number }>(
			this.pool,
			`SELECT friend_id AS id FROM friends WHERE owner_id = $1
			 UNION
			 SELECT other.user_id FROM members mine JOIN members other ON other.group_id = mine.group_id
			 WHERE mine.user_id = $1 AND other.user_id <> $1
			 ORDER BY id`,
			[userId],
		);
		return rows.map((row) => row.id);
	}

	// messages

	/**
	 * One transaction: the stored message if (sender, cid) is known; else the
	 * conversation's next seq (the upsert row-locks the conversation until
	 * commit, so concurrent appends, from any server, queue there and get
	 * consecutive seqs), the message, and its pending rows. Two appends of the
	 * same (sender, cid) racing past the first check: the later one hits the
	 * unique constraint, rolls back (its seq with it) and returns the first.
	 */
	/**
	 * One statement, so one round trip and its own transaction: the sender's
	 * earlier message with this cid if there is one (a resend), else the next
	 * seq of the conversation (its counter row is locked until the statement
	 * commits, which orders concurrent sends), the message and its pending
	 * rows. Round trips are most of a send's cost on this engine.
	 */
	async appendMessage(message: NewMessage): Promise<AppendResult> {
		const key = conversationKey(message.senderId, message.to);
		const toUser = 'userId' in message.to ? message.to.userId : null;
		const toGroup = 'groupId' in message.to ? message.to.groupId : null;
		try {
			const row = await this.row<MessageRow & { duplicate: boolean }>(
				this.pool,
				`WITH earlier AS (
					SELECT id FROM messages WHERE sender_id = $3 AND cid = $7
				 ), counter AS (
					INSERT INTO conversations (key, last_seq) SELECT $1, 1 WHERE NOT EXISTS (SELECT 1 FROM earlier)
					ON CONFLICT (key) DO UPDATE SET last_seq = conversations.last_seq + 1 RETURNING last_seq
				 ), m AS (
					INSERT INTO messages (conversation, seq, sender_id, to_user_id, to_group_id, text, cid, ts, file_id)
					SELECT $1, last_seq, $3, $4, $5, $6, $7, $8, $9 FROM counter RETURNING *
				 ), queued AS (
					INSERT INTO pending (user_id, message_id)
					SELECT p.user_id, m.id FROM m, unnest($2::bigint[]) WITH ORDINALITY AS p(user_id, n) ORDER BY n
				 )
				 SELECT ${MESSAGE_COLUMNS}, false AS duplicate FROM m ${MESSAGE_JOINS}
				 UNION ALL
				 SELECT ${MESSAGE_COLUMNS}, true AS duplicate FROM messages m ${MESSAGE_JOINS} WHERE m.id IN (SELECT id FROM earlier)`,
				[key, message.pendingFor, message.senderId, toUser, toGroup, message.text, message.cid, message.ts, message.fileId ?? null],
			);
			if (row!.duplicate) return { message: toMessage(row!), duplicate: true, queuedFor: [] };
			return { message: toMessage(row!), duplicate: false, queuedFor: message.pendingFor };
		} catch (error) {
			if (isDatabaseError(error, UNIQUE_VIOLATION) && error.constraint === 'messages_sender_cid') {
				// The winner has committed (our insert waited for it), so its message is visible now.
				const existing = await this.messageByCid(this.pool, message.senderId, message.cid);
				if (existing) return { message: existing, duplicate: true, queuedFor: [] };
			}
			throw error;
		}
	}

	private async messageByCid(db: Queryable, senderId: number, cid: string): Promise<Message | undefined> {
		const row = await this.row<MessageRow>(
			db,
			`SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS} WHERE m.sender_id = $1 AND m.cid = $2`,
			[senderId, cid],
		);
		return row && toMessage(row);
	}

	async history(query: HistoryQuery): Promise<Message[]> {
		const key = conversationKey(query.userId, query.with);
		const rows = await this.rows<MessageRow>(
			this.pool,
			`SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS}
			 WHERE m.conversation = $1 AND m.seq < $2 AND ${senderNotIgnoredBy('$4')} ORDER BY m.seq DESC LIMIT $3`,
			[key, query.before ?? Number.MAX_SAFE_INTEGER, query.limit, query.userId],
		);
		return rows.reverse().map(toMessage);
	}

	async pendingFor(userId: number, afterPendingId: number, limit: number): Promise<PendingMessage[]> {
		const rows = await this.rows<MessageRow & { pending_id: number }>(
			this.pool,
			`SELECT p.id AS pending_id, ${MESSAGE_COLUMNS} FROM pending p JOIN messages m ON m.id = p.message_id
			 ${MESSAGE_JOINS} WHERE p.user_id = $1 AND p.id > $2 AND ${senderNotIgnoredBy('p.user_id')} ORDER BY p.id LIMIT $3`,
			[userId, afterPendingId, limit],
		);
		return rows.map((row) => ({ pendingId: row.pending_id, message: toMessage(row) }));
	}

	async clearPending(userId: number, uptoPendingId: number): Promise<void> {
		await this.pool.query(`DELETE FROM pending WHERE user_id = $1 AND id <= $2`, [userId, uptoPendingId]);
	}

	// read state

	async setReadCursor(userId: number, conversation: { userId: number } | { groupId: number }, seq: number): Promise<void> {
		await this.pool.query(
			`INSERT INTO read_cursors (user_id, conversation, seq)
			 SELECT $1, key, least($2::bigint, last_seq) FROM conversations WHERE key = $3
			 ON CONFLICT (user_id, conversation) DO UPDATE SET seq = greatest(read_cursors.seq, excluded.seq)`,
			[userId, seq, conversationKey(userId, conversation)],
		);
	}

	async readStates(userId: number): Promise<ReadStateRecord[]> {
		const rows = await this.rows<ReadStateRow>(
			this.pool,
			`WITH mine (kind, id, name, key) AS (
				SELECT 'user', u.id, u.username,
				       ${keySql.direct('least(f.owner_id, f.friend_id)', 'greatest(f.owner_id, f.friend_id)')}
				FROM friends f JOIN users u ON u.id = f.friend_id WHERE f.owner_id = $1
				UNION ALL
				SELECT 'group', g.id, g.name, ${keySql.group('g.id')}
				FROM members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1
			)
			SELECT mine.kind, mine.id, mine.name, c.last_seq AS last, coalesce(r.seq, 0) AS read,
			       (SELECT count(*) FROM (
			          SELECT 1 FROM messages x
			          WHERE x.conversation = mine.key AND x.seq > coalesce(r.seq, 0) AND x.sender_id != $1
			            AND ${senderNotIgnoredBy('$1', 'x.sender_id')}
			          LIMIT $2) AS capped) AS unread
			FROM mine JOIN conversations c ON c.key = mine.key COLLATE "C"
			LEFT JOIN read_cursors r ON r.user_id = $1 AND r.conversation = mine.key COLLATE "C"
			ORDER BY mine.kind DESC, mine.name COLLATE "C"`,
			[userId, UNREAD_COUNT_CAP],
		);
		return rows.map(toReadStateRecord);
	}

	// search

	/**
	 * The search is split into words by PostgreSQL's own parser, folded as the
	 * index is, so that query and text are cut the same way ("example.com" is
	 * one word to it); the words become a tsquery of quoted prefixes, built in
	 * SQL with every quote and backslash escaped. No words, no tsquery, no rows.
	 */
	async search(query: MessageSearch): Promise<Message[]> {
		if (searchWords(query.text).length === 0) return [];
		const text = query.text.normalize('NFC');
		const key = query.with === undefined ? null : conversationKey(query.userId, query.with);
		const rows = await this.rows<MessageRow>(
			this.pool,
			`WITH q AS (
				SELECT string_agg('''' || replace(replace(word, '\\', '\\\\'), '''', '''''') || ''':*', ' & ')::tsquery AS query
				FROM unnest(tsvector_to_array(to_tsvector('simple', ${foldedText('$1::text')}))) AS word
			)
			SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS}
			WHERE ${searchVector('m.text')} @@ (SELECT query FROM q) AND m.id < $2 AND ${senderNotIgnoredBy('$4')}
			  AND (CASE WHEN $3::text IS NOT NULL THEN m.conversation = $3::text
			       ELSE (m.to_user_id IS NOT NULL AND (m.sender_id = $4 OR m.to_user_id = $4))
			         OR m.to_group_id IN (SELECT group_id FROM members WHERE user_id = $4) END)
			ORDER BY m.id DESC LIMIT $5`,
			[text, query.before ?? Number.MAX_SAFE_INTEGER, key, query.userId, query.limit],
		);
		return rows.map(toMessage);
	}

	// files

	async createOrResumeUpload(upload: NewUpload): Promise<FileRecord> {
		return this.transaction(async (client) => {
			// One uploader's announcements of one file queue here, so two at once cannot both insert.
			await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`files:${upload.uploaderId}:${upload.sha256}`]);
			const existing = await this.row<FileRow>(
				client,
				`SELECT ${FILE_COLUMNS} FROM files WHERE uploader_id = $1 AND sha256 = $2 AND conversation = $3 AND NOT complete
				 ORDER BY id DESC LIMIT 1`,
				[upload.uploaderId, upload.sha256, upload.conversation],
			);
			if (existing) return existing;
			const created = await this.row<FileRow>(
				client,
				`INSERT INTO files (uploader_id, conversation, name, size, mime, sha256, created_at)
				 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${FILE_COLUMNS}`,
				[upload.uploaderId, upload.conversation, upload.name, upload.size, upload.mime, upload.sha256, upload.createdAt],
			);
			return created!;
		});
	}

	async fileById(fileId: number): Promise<FileRecord | undefined> {
		return this.row<FileRow>(this.pool, `SELECT ${FILE_COLUMNS} FROM files WHERE id = $1`, [fileId]);
	}

	async appendFileChunk(fileId: number, offset: number, data: Uint8Array): Promise<number | undefined> {
		if (data.length === 0 || data.length > MAX_FILE_CHUNK_BYTES) return undefined;
		return this.transaction(async (client) => {
			// The row lock the UPDATE takes makes a concurrent append at the same offset wait, then miss.
			const moved = await this.row<{ received: number }>(
				client,
				`UPDATE files SET received = received + $2 WHERE id = $1 AND received = $3 AND NOT complete AND received + $2 <= size
				 RETURNING received`,
				[fileId, data.length, offset],
			);
			if (!moved) return undefined;
			await client.query(`INSERT INTO file_chunks (file_id, "offset", data) VALUES ($1, $2, $3)`, [
				fileId,
				offset,
				Buffer.from(data.buffer, data.byteOffset, data.byteLength),
			]);
			return moved.received;
		});
	}

	async completeFile(fileId: number): Promise<CompleteResult> {
		return completeUpload(fileId, await this.fileById(fileId), () => this.readFile(fileId, 0), (matches) =>
			this.transaction(async (client) => {
				if (matches) {
					await client.query(`UPDATE files SET complete = TRUE WHERE id = $1`, [fileId]);
				} else {
					await client.query(`DELETE FROM file_chunks WHERE file_id = $1`, [fileId]);
					await client.query(`UPDATE files SET received = 0 WHERE id = $1`, [fileId]);
				}
			}),
		);
	}

	readFile(fileId: number, from: number): AsyncIterable<Uint8Array> {
		return fileBytesFrom(from, (position, minOffset) =>
			this.rows<StoredChunk>(
				this.pool,
				`SELECT "offset", data FROM file_chunks
				 WHERE file_id = $1 AND "offset" > $4 AND "offset" + length(data) > $2
				 ORDER BY "offset" LIMIT $3`,
				[fileId, position, FILE_READ_PAGE_CHUNKS, minOffset],
			),
		);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end();
	}
}
