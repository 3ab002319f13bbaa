import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../server/store/postgres-store.js';
import { POSTGRES_MIGRATIONS } from '../server/store/postgres-migrations.js';
import Database from 'better-sqlite3';
import { FTS_BATCH_MS, SQLITE_FILE_NAME, SqliteStore } from '../server/store/sqlite-store.js';
import { SQLITE_MIGRATIONS } from '../server/store/sqlite-migrations.js';
import { MAX_FILE_CHUNK_BYTES, type NewMessage, type NewUpload, type Store, type UserRecord } from '../server/store/store.js';
import { conversationKey } from '../server/conversations/key.js';

/**
 * One behaviour suite for the Store interface, run against every engine:
 * SQLite in a temporary directory, and PostgreSQL in a schema of its own
 * (TEST_DATABASE_URL, by default the local server with trust auth).
 * Without PostgreSQL the PostgreSQL half is skipped, except under CI, where it fails.
 */

const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/** The URL without its password, for messages. */
function redacted(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return '(unparsable TEST_DATABASE_URL)';
	}
}

/** Why PostgreSQL cannot be used, or undefined when it answers. */
async function probePostgres(): Promise<string | undefined> {
	const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
	client.on('error', () => {});
	try {
		await client.connect();
		await client.query('SELECT 1');
		return undefined;
	} catch (error) {
		const { code, message } = error as NodeJS.ErrnoException;
		return code && !message.includes(code) ? `${code}: ${message}` : message || String(error);
	} finally {
		await client.end().catch(() => {});
	}
}

const pgProblem = await probePostgres();
const PG_MISSING_MESSAGE =
	pgProblem &&
	`PostgreSQL is missing: cannot reach ${redacted(PG_URL)} (${pgProblem}); ` +
		`start it or set TEST_DATABASE_URL to run the PostgresStore tests`;
if (PG_MISSING_MESSAGE && !IN_CI) console.warn(`${PG_MISSING_MESSAGE} — skipping them.`);

/** Runs SQL on a connection of its own, outside any store. */
async function adminQuery<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
	const client = new pg.Client({ connectionString: PG_URL });
	await client.connect();
	try {
		return (await client.query<R>(text, values)).rows;
	} finally {
		await client.end();
	}
}

function testSchemaName(): string {
	return `chat_tui_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function dropSchema(schema: string): Promise<void> {
	await adminQuery(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
}

// search: messages written straight into a schema of step 1, before there was a search index.
const OLD_MESSAGES_SQL = `
	INSERT INTO users (username, username_key, password_hash, created_at) VALUES
		('olda', 'olda', 'h', '2024-01-01T00:00:00.000Z'), ('oldb', 'oldb', 'h', '2024-01-01T00:00:00.000Z');
	INSERT INTO conversations (key, last_seq) VALUES ('d:1:2', 2);
	INSERT INTO messages (conversation, seq, sender_id, to_user_id, text, cid, ts) VALUES
		('d:1:2', 1, 1, 2, 'Rendez-vous au Café de Flore', 'old-cid-1', '2024-01-01T10:00:00.000Z'),
		('d:1:2', 2, 2, 1, 'the deployment is done', 'old-cid-2', '2024-01-01T10:01:00.000Z');
`;

async function expectOldMessagesFound(store: Store): Promise<void> {
	const olda = (await store.userByName('olda'))!;
	const oldb = (await store.userByName('oldb'))!;
	const find = async (text: string) => (await store.search({ userId: olda.id, text, limit: 10 })).map((message) => message.text);
	expect(await find('cafe flo')).toEqual(['Rendez-vous au Café de Flore']);
	expect(await find('DEPLOY')).toEqual(['the deployment is done']);
	// New messages are indexed as they are stored, next to the old ones.
	await store.appendMessage({ senderId: oldb.id, to: { userId: olda.id }, text: 'another deploy', cid: 'new-cid-1', ts: '2024-01-02T00:00:00.000Z', pendingFor: [] });
	expect(await find('deploy')).toEqual(['another deploy', 'the deployment is done']);
}

const sortNumbers = (numbers: number[]) => [...numbers].sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * The behaviour every Store must have. `open` opens the same underlying
 * database each time it is called (so closing and opening again shows what
 * was kept); `cleanup` deletes it once the suite is done.
 */
function describeStore(name: string, open: () => Promise<Store>, cleanup: () => Promise<void>): void {
	describe(name, () => {
		let store: Store;
		/** Every test names its users and groups with its own prefix: they share one database. */
		let counter = 0;
		const prefix = () => `t${++counter}${randomBytes(2).toString('hex')}`;

		beforeAll(async () => {
			store = await open();
		});
		afterAll(async () => {
			await store?.close();
			await cleanup();
		});

		async function users(...names: string[]): Promise<UserRecord[]> {
			const created: UserRecord[] = [];
			for (const username of names) {
				const user = await store.createUser(username, `hash-of-${username}`);
				expect(user).toBeDefined();
				created.push(user!);
			}
			return created;
		}

		/** A message from `from` to a user or group, with a fresh cid unless one is given. */
		let cids = 0;
		function note(from: UserRecord, to: NewMessage['to'], extra: Partial<NewMessage> = {}): NewMessage {
			return {
				senderId: from.id,
				to,
				text: `text ${++cids}`,
				cid: `cid-${cids}`,
				ts: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, cids % 1000)).toISOString(),
				pendingFor: [],
				...extra,
			};
		}

		describe('users', () => {
			it('creates users, unique by name case-insensitively, and finds them in any case', async () => {
				const p = prefix();
				const [alice] = await users(`${p}_Alice`);
				expect(alice).toEqual({ id: expect.any(Number), username: `${p}_Alice`, passwordHash: `hash-of-${p}_Alice`, deleted: false });
				expect(await store.createUser(`${p}_alice`, 'other')).toBeUndefined();
				expect(await store.createUser(`${p}_ALICE`, 'other')).toBeUndefined();
				expect(await store.userByName(`${p}_aLiCe`)).toEqual(alice);
				expect(await store.userByName(`${p}_Alice`)).toEqual(alice);
				expect(await store.userByName(`${p}_nobody`)).toBeUndefined();
				const [bob] = await users(`${p}_bob`);
				expect(bob!.id).not.toBe(alice!.id);
				expect(Number.isInteger(bob!.id)).toBe(true);
			});

			it('finds users by substring, prefix matches first, then by lower-cased name, up to the limit', async () => {
				const p = prefix();
				// Query "zq": prefix matches zq..., then names that contain it elsewhere.
				await users(`zq${p}_b`, `ZQ${p}_a`, `a_zq${p}`, `B_zq${p}`, `c_ZQ${p}`, `zz${p}`);
				const found = await store.findUsers(`ZQ${p}`, 10);
				expect(found.map((user) => user.username)).toEqual([`ZQ${p}_a`, `zq${p}_b`, `a_zq${p}`, `B_zq${p}`, `c_ZQ${p}`]);
				expect(found[0]).toEqual({ id: expect.any(Number), username: `ZQ${p}_a` });
				expect((await store.findUsers(`zq${p}`, 2)).map((user) => user.username)).toEqual([`ZQ${p}_a`, `zq${p}_b`]);
				expect(await store.findUsers(`${p}-none`, 10)).toEqual([]);
			});

			it('matches the query literally: no wildcards', async () => {
				const p = prefix();
				await users(`${p}x_y`, `${p}xay`, `${p}x%y`);
				expect((await store.findUsers(`${p}x_`, 10)).map((user) => user.username)).toEqual([`${p}x_y`]);
				expect((await store.findUsers(`${p}x%`, 10)).map((user) => user.username)).toEqual([`${p}x%y`]);
				expect(await store.findUsers(`${p}%`, 10)).toEqual([]);
			});
		});

		describe('tokens', () => {
			it('finds the user of a live token, not of an expired or deleted one', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const live = await store.saveToken(alice!.id, `${p}-live`, '2030-01-01T00:00:00.000Z', 'laptop');
				await store.saveToken(alice!.id, `${p}-expired`, '2020-01-01T00:00:00.000Z', '');
				const forever = await store.saveToken(bob!.id, `${p}-forever`, null, '');
				expect(live).toMatch(/^[0-9a-f]{24}$/);
				expect(forever).not.toBe(live);
				const now = '2025-06-01T12:00:00.000Z';
				expect(await store.userByToken(`${p}-live`, now)).toEqual({ ...alice, sessionId: live });
				expect(await store.userByToken(`${p}-expired`, now)).toBeUndefined();
				expect(await store.userByToken(`${p}-forever`, now)).toEqual({ ...bob, sessionId: forever });
				expect(await store.userByToken(`${p}-forever`, '2999-12-31T23:59:59.999Z')).toEqual({ ...bob, sessionId: forever });
				expect(await store.userByToken(`${p}-unknown`, now)).toBeUndefined();
				// Expiry is exclusive: a token is dead at its expiry instant.
				expect(await store.userByToken(`${p}-live`, '2030-01-01T00:00:00.000Z')).toBeUndefined();
				expect(await store.userByToken(`${p}-live`, '2029-12-31T23:59:59.999Z')).toEqual({ ...alice, sessionId: live });

				await store.deleteToken(`${p}-live`);
				expect(await store.userByToken(`${p}-live`, now)).toBeUndefined();
				await store.deleteToken(`${p}-live`); // deleting twice is harmless
				expect(await store.userByToken(`${p}-forever`, now)).toEqual({ ...bob, sessionId: forever });
			});
		});

		describe('sessions', () => {
			const now = '2025-06-01T12:00:00.000Z';

			it('lists live sessions newest first with device, creation and last seen; counts connections', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const older = await store.saveToken(alice!.id, `${p}-a1`, null, 'laptop');
				await new Promise((resolve) => setTimeout(resolve, 5));
				const newer = await store.saveToken(alice!.id, `${p}-a2`, '2030-01-01T00:00:00.000Z', 'phone');
				await store.saveToken(alice!.id, `${p}-old`, '2020-01-01T00:00:00.000Z', 'expired');
				await store.saveToken(bob!.id, `${p}-b`, null, 'not hers');
				const listed = await store.sessionsOf(alice!.id, now);
				expect(listed.map((session) => [session.id, session.device, session.connected])).toEqual([
					[newer, 'phone', false],
					[older, 'laptop', false],
				]);
				// Never connected: last seen when it was created.
				expect(listed[0]!.lastSeen).toBe(listed[0]!.createdAt);

				await store.sessionConnected(older, 1, '2025-06-01T12:01:00.000Z');
				await store.sessionConnected(older, 1, '2025-06-01T12:02:00.000Z');
				await store.sessionConnected(older, -1, '2025-06-01T12:03:00.000Z');
				let laptop = (await store.sessionsOf(alice!.id, now)).find((session) => session.id === older)!;
				expect(laptop).toMatchObject({ connected: true, lastSeen: '2025-06-01T12:03:00.000Z' });
				await store.sessionsSeen([older, newer], '2025-06-01T12:04:00.000Z');
				expect((await store.sessionsOf(alice!.id, now)).map((session) => session.lastSeen)).toEqual([
					'2025-06-01T12:04:00.000Z',
					'2025-06-01T12:04:00.000Z',
				]);
				await store.sessionConnected(older, -1, '2025-06-01T12:05:00.000Z');
				// A count never goes below zero, even when a close is counted twice.
				await store.sessionConnected(older, -1, '2025-06-01T12:06:00.000Z');
				await store.sessionConnected(older, 1, '2025-06-01T12:07:00.000Z');
				laptop = (await store.sessionsOf(alice!.id, now)).find((session) => session.id === older)!;
				expect(laptop.connected).toBe(true);
				await store.sessionConnected(older, -1, '2025-06-01T12:08:00.000Z');
				laptop = (await store.sessionsOf(alice!.id, now)).find((session) => session.id === older)!;
				expect(laptop).toMatchObject({ connected: false, lastSeen: '2025-06-01T12:08:00.000Z' });
			});

			it('revokes one session of its owner only, or all but one; revoked tokens no longer log in', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const one = await store.saveToken(alice!.id, `${p}-1`, null, '');
				const two = await store.saveToken(alice!.id, `${p}-2`, null, '');
				const three = await store.saveToken(alice!.id, `${p}-3`, null, '');
				const bobs = await store.saveToken(bob!.id, `${p}-b`, null, '');
				// Someone else's session id revokes nothing.
				expect(await store.revokeSessions(alice!.id, { sessionId: bobs })).toEqual([]);
				expect(await store.revokeSessions(alice!.id, { sessionId: one })).toEqual([one]);
				expect(await store.revokeSessions(alice!.id, { sessionId: one })).toEqual([]);
				expect(await store.userByToken(`${p}-1`, now)).toBeUndefined();
				expect((await store.revokeSessions(alice!.id, { allExcept: two })).sort()).toEqual([three]);
				expect((await store.sessionsOf(alice!.id, now)).map((session) => session.id)).toEqual([two]);
				expect(await store.revokeSessions(alice!.id, { allExcept: undefined })).toEqual([two]);
				expect(await store.sessionsOf(alice!.id, now)).toEqual([]);
				expect(await store.userByToken(`${p}-b`, now)).toEqual({ ...bob, sessionId: bobs });
			});

			it('sets a password hash, only over the expected one when asked to', async () => {
				const p = prefix();
				const [alice] = await users(`${p}_alice`);
				await store.setPasswordHash(alice!.id, 'second');
				expect((await store.userByName(alice!.username))!.passwordHash).toBe('second');
				// An upgrade computed from the first hash must not undo the change.
				await store.setPasswordHash(alice!.id, 'upgraded-first', `hash-of-${p}_alice`);
				expect((await store.userByName(alice!.username))!.passwordHash).toBe('second');
				await store.setPasswordHash(alice!.id, 'upgraded-second', 'second');
				expect((await store.userByName(alice!.username))!.passwordHash).toBe('upgraded-second');
			});
		});

		describe('deleted accounts', () => {
			it('keep their name and messages (marked senderDeleted) but lose tokens, friends, requests, memberships and lone groups', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				await store.addFriendship(alice!.id, bob!.id);
				await store.addFriendRequest(alice!.id, carl!.id, '2024-01-01T00:00:00.000Z');
				await store.saveToken(alice!.id, `${p}-t`, null, '');
				const lone = (await store.createGroup(`${p}_lone`, '', alice!.id))!;
				const team = (await store.createGroup(`${p}_team`, '', bob!.id))!;
				await store.addMember(team.id, alice!.id);
				const direct = await store.appendMessage(note(alice!, { userId: bob!.id }, { pendingFor: [bob!.id] }));
				await store.appendMessage(note(alice!, { groupId: team.id }));
				await store.appendMessage(note(bob!, { userId: alice!.id }, { pendingFor: [alice!.id] }));
				expect(direct.message.senderDeleted).toBeUndefined();

				await store.deleteUser(alice!.id, '2025-06-01T12:00:00.000Z');

				const gone = (await store.userByName(`${p}_ALICE`))!;
				expect(gone).toMatchObject({ id: alice!.id, username: `${p}_alice`, deleted: true });
				expect(await store.createUser(`${p}_alice`, 'again')).toBeUndefined();
				expect(await store.userByToken(`${p}-t`, '2025-06-01T12:00:00.000Z')).toBeUndefined();
				expect(await store.sessionsOf(alice!.id, '2025-06-01T12:00:00.000Z')).toEqual([]);
				expect(await store.findUsers(`${p}_alice`, 10)).toEqual([]);
				expect(await store.friendsOf(bob!.id)).toEqual([]);
				expect(await store.friendRequestsOf(carl!.id)).toEqual([]);
				expect(await store.groupByName(`${p}_lone`)).toBeUndefined();
				expect(lone.id).toBeGreaterThan(0);
				expect(await store.memberIdsOf(team.id)).toEqual([bob!.id]);
				expect(await store.groupsOf(alice!.id)).toEqual([]);
				expect(await store.pendingFor(alice!.id, 0, 10)).toEqual([]);
				// What alice wrote stays, under her name, marked; what bob wrote is unmarked.
				const history = await store.history({ userId: bob!.id, with: { userId: alice!.id }, limit: 10 });
				expect(history.map((message) => [message.from, message.senderDeleted])).toEqual([
					[`${p}_alice`, true],
					[`${p}_bob`, undefined],
				]);
				expect((await store.pendingFor(bob!.id, 0, 10)).map(({ message }) => message.senderDeleted)).toEqual([true]);
				const groupHistory = await store.history({ userId: bob!.id, with: { groupId: team.id }, limit: 10 });
				expect(groupHistory.map((message) => message.senderDeleted)).toEqual([true]);
				// A password can no longer be set on it.
				await store.setPasswordHash(alice!.id, 'revived');
				expect((await store.userByName(`${p}_alice`))!.passwordHash).toBe('');
			});
		});

		describe('friends', () => {
			it('makes friendships both ways, listed by name, and removes them both ways', async () => {
				const p = prefix();
				const [alice, bob, carl, dana] = await users(`${p}_alice`, `${p}_Bob`, `${p}_carl`, `${p}_dana`);
				await store.addFriendship(alice!.id, carl!.id);
				await store.addFriendship(bob!.id, alice!.id);
				await store.addFriendship(alice!.id, bob!.id); // again: nothing changes
				expect(await store.friendsOf(alice!.id)).toEqual([
					{ id: bob!.id, username: `${p}_Bob`, alias: null },
					{ id: carl!.id, username: `${p}_carl`, alias: null },
				]);
				expect(await store.friendsOf(bob!.id)).toEqual([{ id: alice!.id, username: `${p}_alice`, alias: null }]);
				expect(await store.friendsOf(dana!.id)).toEqual([]);
				expect(await store.friendOf(carl!.id, alice!.id)).toEqual({ id: alice!.id, username: `${p}_alice`, alias: null });
				expect(await store.friendOf(carl!.id, bob!.id)).toBeUndefined();

				expect(await store.removeFriendship(carl!.id, alice!.id)).toBe(true);
				expect(await store.removeFriendship(alice!.id, carl!.id)).toBe(false);
				expect(await store.friendOf(alice!.id, carl!.id)).toBeUndefined();
				expect(await store.friendOf(carl!.id, alice!.id)).toBeUndefined();
				expect((await store.friendsOf(alice!.id)).map((friend) => friend.id)).toEqual([bob!.id]);
			});

			it('keeps a private alias per owner, only between friends', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				await store.addFriendship(alice!.id, bob!.id);
				expect(await store.setAlias(alice!.id, bob!.id, 'Bobby')).toBe(true);
				expect(await store.friendOf(alice!.id, bob!.id)).toEqual({ id: bob!.id, username: `${p}_bob`, alias: 'Bobby' });
				expect(await store.friendOf(bob!.id, alice!.id)).toEqual({ id: alice!.id, username: `${p}_alice`, alias: null });
				expect(await store.friendsOf(alice!.id)).toEqual([{ id: bob!.id, username: `${p}_bob`, alias: 'Bobby' }]);
				expect(await store.setAlias(alice!.id, carl!.id, 'Carlos')).toBe(false);
				expect(await store.setAlias(alice!.id, bob!.id, null)).toBe(true);
				expect((await store.friendOf(alice!.id, bob!.id))?.alias).toBeNull();
			});

			it('keeps friend requests, one per direction, oldest first, and drops them on friendship', async () => {
				const p = prefix();
				const [alice, bob, carl, dana] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`, `${p}_dana`);
				expect(await store.addFriendRequest(bob!.id, alice!.id, '2024-01-02T00:00:00.000Z')).toBe(true);
				expect(await store.addFriendRequest(bob!.id, alice!.id, '2024-01-05T00:00:00.000Z')).toBe(false);
				expect(await store.addFriendRequest(alice!.id, carl!.id, '2024-01-01T00:00:00.000Z')).toBe(true);
				// Same time: ordered by the sender's name.
				expect(await store.addFriendRequest(dana!.id, alice!.id, '2024-01-03T00:00:00.000Z')).toBe(true);
				expect(await store.addFriendRequest(carl!.id, alice!.id, '2024-01-03T00:00:00.000Z')).toBe(true);
				expect(await store.hasFriendRequest(bob!.id, alice!.id)).toBe(true);
				expect(await store.hasFriendRequest(alice!.id, bob!.id)).toBe(false);
				expect(await store.friendRequestsOf(alice!.id)).toEqual([
					{ from: `${p}_alice`, to: `${p}_carl`, ts: '2024-01-01T00:00:00.000Z' },
					{ from: `${p}_bob`, to: `${p}_alice`, ts: '2024-01-02T00:00:00.000Z' },
					{ from: `${p}_carl`, to: `${p}_alice`, ts: '2024-01-03T00:00:00.000Z' },
					{ from: `${p}_dana`, to: `${p}_alice`, ts: '2024-01-03T00:00:00.000Z' },
				]);
				expect(await store.friendRequestsOf(bob!.id)).toEqual([
					{ from: `${p}_bob`, to: `${p}_alice`, ts: '2024-01-02T00:00:00.000Z' },
				]);

				expect(await store.deleteFriendRequest(dana!.id, alice!.id)).toBe(true);
				expect(await store.deleteFriendRequest(dana!.id, alice!.id)).toBe(false);
				expect(await store.hasFriendRequest(dana!.id, alice!.id)).toBe(false);

				// Friendship drops the requests between the two, in both directions, and no others.
				await store.addFriendRequest(carl!.id, bob!.id, '2024-01-04T00:00:00.000Z');
				await store.addFriendship(alice!.id, carl!.id);
				expect(await store.hasFriendRequest(alice!.id, carl!.id)).toBe(false);
				expect(await store.hasFriendRequest(carl!.id, alice!.id)).toBe(false);
				expect(await store.hasFriendRequest(carl!.id, bob!.id)).toBe(true);
				expect((await store.friendRequestsOf(alice!.id)).map((request) => request.from)).toEqual([`${p}_bob`]);
			});

			it('survives two people befriending each other at the same moment', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				await store.addFriendRequest(alice!.id, bob!.id, '2024-01-01T00:00:00.000Z');
				await store.addFriendRequest(bob!.id, alice!.id, '2024-01-01T00:00:00.000Z');
				await Promise.all(range(1, 10).map((i) => store.addFriendship(i % 2 ? alice!.id : bob!.id, i % 2 ? bob!.id : alice!.id)));
				expect((await store.friendsOf(alice!.id)).map((friend) => friend.id)).toEqual([bob!.id]);
				expect((await store.friendsOf(bob!.id)).map((friend) => friend.id)).toEqual([alice!.id]);
				expect(await store.friendRequestsOf(alice!.id)).toEqual([]);
			});
		});

		describe('groups', () => {
			it('creates a group with its creator as first member; names are unique case-insensitively', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const group = await store.createGroup(`${p}_Crew`, 'the crew', alice!.id);
				expect(group).toEqual({
					id: expect.any(Number),
					name: `${p}_Crew`,
					description: 'the crew',
					creator: `${p}_alice`,
					visibility: 'private',
					members: 1,
				});
				expect(await store.createGroup(`${p}_crew`, 'another', bob!.id)).toBeUndefined();
				expect(await store.createGroup(`${p}_CREW`, '', alice!.id)).toBeUndefined();
				expect(await store.groupByName(`${p}_cReW`)).toEqual(group);
				expect(await store.groupByName(`${p}_none`)).toBeUndefined();
				expect(await store.roleIn(group!.id, alice!.id)).toBe('creator');
				expect(await store.membersOf(group!.id)).toEqual([{ id: alice!.id, username: `${p}_alice`, role: 'creator' }]);
				// The failed creation left bob out of everything.
				expect(await store.groupsOf(bob!.id)).toEqual([]);
			});

			it('adds and removes members; lists members creator first then by name, and groups by name', async () => {
				const p = prefix();
				const [zed, alice, bob, carl] = await users(`${p}_zed`, `${p}_alice`, `${p}_Bob`, `${p}_carl`);
				const crew = (await store.createGroup(`${p}_crew`, '', zed!.id))!;
				const band = (await store.createGroup(`${p}_Band`, 'music', alice!.id))!;
				expect(await store.addMember(crew.id, carl!.id)).toBe(true);
				expect(await store.addMember(crew.id, alice!.id)).toBe(true);
				expect(await store.addMember(crew.id, bob!.id)).toBe(true);
				expect(await store.addMember(crew.id, bob!.id)).toBe(false);
				expect(await store.addMember(crew.id, zed!.id)).toBe(false);
				expect(await store.membersOf(crew.id)).toEqual([
					{ id: zed!.id, username: `${p}_zed`, role: 'creator' },
					{ id: alice!.id, username: `${p}_alice`, role: 'normal' },
					{ id: bob!.id, username: `${p}_Bob`, role: 'normal' },
					{ id: carl!.id, username: `${p}_carl`, role: 'normal' },
				]);
				expect((await store.memberIdsOf(crew.id)).sort((a, b) => a - b)).toEqual(
					[zed!.id, alice!.id, bob!.id, carl!.id].sort((a, b) => a - b),
				);
				expect(await store.memberIdsOf(band.id)).toEqual([alice!.id]);
				expect(await store.roleIn(crew.id, bob!.id)).toBe('normal');
				expect(await store.roleIn(band.id, bob!.id)).toBeUndefined();
				expect(await store.groupsOf(alice!.id)).toEqual([
					{
						group: { id: band.id, name: `${p}_Band`, description: 'music', creator: `${p}_alice`, visibility: 'private', members: 1 },
						role: 'creator',
					},
					{
						group: { id: crew.id, name: `${p}_crew`, description: '', creator: `${p}_zed`, visibility: 'private', members: 4 },
						role: 'normal',
					},
				]);

				expect(await store.removeMember(crew.id, bob!.id)).toBe(true);
				expect(await store.removeMember(crew.id, bob!.id)).toBe(false);
				expect(await store.roleIn(crew.id, bob!.id)).toBeUndefined();
				expect(await store.groupsOf(bob!.id)).toEqual([]);
				expect((await store.membersOf(crew.id)).map((member) => member.username)).toEqual([
					`${p}_zed`,
					`${p}_alice`,
					`${p}_carl`,
				]);
			});

			it('gives roles, transfers the creator (the old one becomes admin) and updates description and visibility', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				const crew = (await store.createGroup(`${p}_crew`, 'old', alice!.id, 'public'))!;
				expect(crew.visibility).toBe('public');
				await store.addMember(crew.id, bob!.id);
				expect(await store.setRole(crew.id, bob!.id, 'admin')).toBe(true);
				expect(await store.roleIn(crew.id, bob!.id)).toBe('admin');
				// Never to or from creator that way, nor for a non-member.
				expect(await store.setRole(crew.id, alice!.id, 'normal')).toBe(false);
				expect(await store.setRole(crew.id, carl!.id, 'admin')).toBe(false);
				expect(await store.transferGroup(crew.id, alice!.id, carl!.id)).toBe(false);
				expect(await store.transferGroup(crew.id, alice!.id, bob!.id)).toBe(true);
				expect(await store.roleIn(crew.id, bob!.id)).toBe('creator');
				expect(await store.roleIn(crew.id, alice!.id)).toBe('admin');
				expect((await store.groupByName(`${p}_crew`))!.creator).toBe(`${p}_bob`);
				expect(await store.membersOf(crew.id)).toEqual([
					{ id: bob!.id, username: `${p}_bob`, role: 'creator' },
					{ id: alice!.id, username: `${p}_alice`, role: 'admin' },
				]);
				expect(await store.updateGroup(crew.id, { description: 'new' })).toMatchObject({ description: 'new', visibility: 'public' });
				expect(await store.updateGroup(crew.id, { visibility: 'private' })).toMatchObject({ description: 'new', visibility: 'private' });
			});

			it('keeps invites until joined, declined or the group is deleted; lists them for the invitee oldest first', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				const band = (await store.createGroup(`${p}_band`, '', alice!.id))!;
				const gang = (await store.createGroup(`${p}_gang`, '', alice!.id))!;
				expect(await store.addInvite(crew.id, bob!.id, alice!.id, '2024-01-02T00:00:00.000Z')).toBe(true);
				expect(await store.addInvite(crew.id, bob!.id, alice!.id, '2024-01-05T00:00:00.000Z')).toBe(false);
				expect(await store.addInvite(band.id, bob!.id, alice!.id, '2024-01-01T00:00:00.000Z')).toBe(true);
				expect(await store.addInvite(gang.id, bob!.id, alice!.id, '2024-01-03T00:00:00.000Z')).toBe(true);
				expect(await store.invitesOf(bob!.id)).toEqual([
					{ group: `${p}_band`, from: `${p}_alice`, ts: '2024-01-01T00:00:00.000Z' },
					{ group: `${p}_crew`, from: `${p}_alice`, ts: '2024-01-02T00:00:00.000Z' },
					{ group: `${p}_gang`, from: `${p}_alice`, ts: '2024-01-03T00:00:00.000Z' },
				]);
				expect(await store.hasInvite(crew.id, bob!.id)).toBe(true);
				expect(await store.invitesTo(crew.id)).toEqual([{ groupId: crew.id, inviteeId: bob!.id, inviterId: alice!.id }]);
				await store.addMember(crew.id, bob!.id);
				expect(await store.hasInvite(crew.id, bob!.id)).toBe(false);
				expect(await store.deleteInvite(band.id, bob!.id)).toBe(true);
				expect(await store.deleteInvite(band.id, bob!.id)).toBe(false);
				await store.deleteGroup(gang.id);
				expect(await store.invitesOf(bob!.id)).toEqual([]);
			});

			it('bans: the member leaves, the invite ends, the ban outlives rejoining until lifted', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				await store.addMember(crew.id, bob!.id);
				await store.addInvite(crew.id, carl!.id, alice!.id, '2024-01-01T00:00:00.000Z');
				// Queued for bob in the group before the ban: dropped with his membership.
				await store.appendMessage(note(alice!, { groupId: crew.id }, { pendingFor: [bob!.id] }));
				expect(await store.pendingFor(bob!.id, 0, 10)).toHaveLength(1);
				expect(await store.addBan(crew.id, bob!.id, alice!.id, '2024-01-02T00:00:00.000Z')).toBe(true);
				expect(await store.addBan(crew.id, bob!.id, alice!.id, '2024-01-02T00:00:00.000Z')).toBe(false);
				expect(await store.addBan(crew.id, carl!.id, alice!.id, '2024-01-02T00:00:00.000Z')).toBe(true);
				expect(await store.roleIn(crew.id, bob!.id)).toBeUndefined();
				expect(await store.pendingFor(bob!.id, 0, 10)).toEqual([]);
				expect(await store.hasInvite(crew.id, carl!.id)).toBe(false);
				expect(await store.isBanned(crew.id, bob!.id)).toBe(true);
				expect(await store.bansOf(crew.id)).toEqual([
					{ id: bob!.id, username: `${p}_bob` },
					{ id: carl!.id, username: `${p}_carl` },
				]);
				expect(await store.removeBan(crew.id, bob!.id)).toBe(true);
				expect(await store.removeBan(crew.id, bob!.id)).toBe(false);
				expect(await store.isBanned(crew.id, bob!.id)).toBe(false);
				expect(await store.isBanned(crew.id, carl!.id)).toBe(true);
			});

			it('browses public groups by name or description, most members first, never a private one', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				const small = (await store.createGroup(`${p}_small`, 'chess club', alice!.id, 'public'))!;
				const big = (await store.createGroup(`${p}_big`, 'go and Chess', alice!.id, 'public'))!;
				await store.createGroup(`${p}_secret`, 'chess', alice!.id, 'private');
				await store.addMember(big.id, bob!.id);
				await store.addMember(big.id, carl!.id);
				const names = async (query: string) =>
					(await store.browseGroups(query, 50)).filter((group) => group.name.startsWith(p)).map((group) => [group.name, group.members]);
				expect(await names(p)).toEqual([[`${p}_big`, 3], [`${p}_small`, 1]]);
				expect((await store.browseGroups('CHESS', 50)).some((group) => group.name === `${p}_secret`)).toBe(false);
				expect((await store.browseGroups('CHESS', 50)).map((group) => group.name)).toEqual(
					expect.arrayContaining([`${p}_big`, `${p}_small`]),
				);
				expect(await names(`${p}_sm`)).toEqual([[`${p}_small`, 1]]);
				// % and _ are literal.
				expect(await store.browseGroups(`${p}%`, 50)).toEqual([]);
				expect((await store.browseGroups('', 1)).length).toBe(1);
				expect(small.members).toBe(1);
			});

			it('deletes a group with its members, messages and their pending deliveries', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				const other = (await store.createGroup(`${p}_other`, '', alice!.id))!;
				await store.addMember(crew.id, bob!.id);
				await store.addMember(other.id, bob!.id);
				await store.appendMessage(note(alice!, { groupId: crew.id }, { pendingFor: [bob!.id] }));
				await store.appendMessage(note(alice!, { groupId: crew.id }, { cid: `${p}-in-crew`, pendingFor: [bob!.id] }));
				const kept = await store.appendMessage(note(alice!, { groupId: other.id }, { pendingFor: [bob!.id] }));
				expect(await store.pendingFor(bob!.id, 0, 10)).toHaveLength(3);

				await store.deleteGroup(crew.id);
				expect(await store.groupByName(`${p}_crew`)).toBeUndefined();
				expect(await store.membersOf(crew.id)).toEqual([]);
				expect(await store.memberIdsOf(crew.id)).toEqual([]);
				expect(await store.roleIn(crew.id, alice!.id)).toBeUndefined();
				expect(await store.history({ userId: alice!.id, with: { groupId: crew.id }, limit: 10 })).toEqual([]);
				expect((await store.pendingFor(bob!.id, 0, 10)).map((pending) => pending.message)).toEqual([kept.message]);
				expect((await store.groupsOf(bob!.id)).map(({ group }) => group.name)).toEqual([`${p}_other`]);

				// The name is free again, and the new group's conversation starts afresh.
				const again = (await store.createGroup(`${p}_crew`, 'new', bob!.id))!;
				const first = await store.appendMessage(note(bob!, { groupId: again.id }));
				expect(first.message.seq).toBe(1);
				// A cid used in the deleted group may be used again.
				const reused = await store.appendMessage(note(alice!, { groupId: other.id }, { cid: `${p}-in-crew` }));
				expect(reused.duplicate).toBe(false);
				expect(reused.message.seq).toBe(2);
			});
		});

		describe('contacts', () => {
			it('are friends and co-members, each once, never the user', async () => {
				const p = prefix();
				const [me, friend, both, member, stranger] = await users(
					`${p}_me`,
					`${p}_friend`,
					`${p}_both`,
					`${p}_member`,
					`${p}_stranger`,
				);
				expect(await store.contactsOf(me!.id)).toEqual([]);
				await store.addFriendship(me!.id, friend!.id);
				await store.addFriendship(me!.id, both!.id);
				const crew = (await store.createGroup(`${p}_crew`, '', me!.id))!;
				await store.addMember(crew.id, both!.id);
				await store.addMember(crew.id, member!.id);
				const theirs = (await store.createGroup(`${p}_theirs`, '', stranger!.id))!;
				await store.addMember(theirs.id, member!.id);
				expect(sortNumbers(await store.contactsOf(me!.id))).toEqual(sortNumbers([friend!.id, both!.id, member!.id]));
				expect(sortNumbers(await store.contactsOf(member!.id))).toEqual(sortNumbers([me!.id, both!.id, stranger!.id]));
				expect(await store.contactsOf(friend!.id)).toEqual([me!.id]);
			});
		});

		describe('read state', () => {
			it('counts others’ messages after each user’s cursor, per conversation, and moves cursors only forward', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				await store.addFriendship(alice!.id, bob!.id);
				await store.addFriendship(alice!.id, carl!.id); // no messages with carl: not listed
				const crew = (await store.createGroup(`${p}_crew`, '', bob!.id))!;
				await store.addMember(crew.id, alice!.id);
				expect(await store.readStates(alice!.id)).toEqual([]);

				for (let i = 0; i < 3; i++) await store.appendMessage(note(bob!, { userId: alice!.id }));
				await store.appendMessage(note(alice!, { userId: bob!.id }));
				await store.appendMessage(note(bob!, { groupId: crew.id }));
				const dm = { userId: bob!.id, username: `${p}_bob` };
				const group = { groupId: crew.id, name: `${p}_crew` };
				expect(await store.readStates(alice!.id)).toEqual([
					{ with: dm, read: 0, last: 4, unread: 3 },
					{ with: group, read: 0, last: 1, unread: 1 },
				]);
				expect(await store.readStates(bob!.id)).toEqual([
					{ with: { userId: alice!.id, username: `${p}_alice` }, read: 0, last: 4, unread: 1 },
					{ with: group, read: 0, last: 1, unread: 0 },
				]);

				await store.setReadCursor(alice!.id, { userId: bob!.id }, 2);
				await store.setReadCursor(alice!.id, { userId: bob!.id }, 1); // never back
				expect((await store.readStates(alice!.id))[0]).toEqual({ with: dm, read: 2, last: 4, unread: 1 });
				await store.setReadCursor(alice!.id, { userId: bob!.id }, 50); // never past the newest
				expect((await store.readStates(alice!.id))[0]).toEqual({ with: dm, read: 4, last: 4, unread: 0 });
				// Bob's cursor is his own.
				expect((await store.readStates(bob!.id))[0]).toMatchObject({ read: 0, unread: 1 });
				// A conversation without messages has no cursor to set: nothing happens.
				await store.setReadCursor(alice!.id, { userId: carl!.id }, 3);
				expect((await store.readStates(alice!.id)).map((state) => state.with)).toEqual([dm, group]);

				// Leaving the group drops it from the list; a friendship ending drops the conversation.
				await store.removeMember(crew.id, alice!.id);
				await store.removeFriendship(alice!.id, bob!.id);
				expect(await store.readStates(alice!.id)).toEqual([]);
			});
		});

		describe('messages', () => {
			it('numbers each conversation from 1; a direct conversation is shared by both directions', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				const sent = note(alice!, { userId: bob!.id }, { text: 'hi bob', ts: '2024-02-29T23:59:59.123Z' });
				const first = await store.appendMessage(sent);
				expect(first).toEqual({
					duplicate: false,
					queuedFor: expect.any(Array),
					message: {
						id: expect.stringMatching(/^[1-9]\d*$/),
						seq: 1,
						from: `${p}_alice`,
						to: { user: `${p}_bob` },
						text: 'hi bob',
						ts: '2024-02-29T23:59:59.123Z',
						cid: sent.cid,
					},
				});
				const reply = await store.appendMessage(note(bob!, { userId: alice!.id }, { text: 'hi alice' }));
				expect(reply.message).toMatchObject({ seq: 2, from: `${p}_bob`, to: { user: `${p}_alice` }, text: 'hi alice' });
				expect((await store.appendMessage(note(alice!, { userId: carl!.id }))).message.seq).toBe(1);
				const inGroup = await store.appendMessage(note(carl!, { groupId: crew.id }, { text: 'hello crew' }));
				expect(inGroup.message).toMatchObject({ seq: 1, from: `${p}_carl`, to: { group: `${p}_crew` } });
				expect((await store.appendMessage(note(alice!, { groupId: crew.id }))).message.seq).toBe(2);
				expect((await store.appendMessage(note(alice!, { userId: bob!.id }))).message.seq).toBe(3);
				expect(new Set([first, reply, inGroup].map((result) => result.message.id)).size).toBe(3);
			});

			it('is idempotent on sender and cid: the first message comes back as a duplicate', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				const original = await store.appendMessage(
					note(alice!, { userId: bob!.id }, { cid: 'same', text: 'first', pendingFor: [bob!.id] }),
				);
				const again = await store.appendMessage(
					note(alice!, { userId: bob!.id }, { cid: 'same', text: 'second', ts: '2030-01-01T00:00:00.000Z', pendingFor: [bob!.id] }),
				);
				expect(again).toEqual({ duplicate: true, message: original.message, queuedFor: [] });
				expect(original.queuedFor).toEqual([bob!.id]);
				// Even addressed elsewhere: (sender, cid) is the key.
				const elsewhere = await store.appendMessage(note(alice!, { userId: carl!.id }, { cid: 'same' }));
				expect(elsewhere).toEqual({ duplicate: true, message: original.message, queuedFor: [] });
				// Another sender may use the same cid.
				const bobs = await store.appendMessage(note(bob!, { userId: alice!.id }, { cid: 'same' }));
				expect(bobs.duplicate).toBe(false);
				expect(bobs.message.seq).toBe(2);
				// Nothing of the duplicates was stored or queued, and no seq was used up.
				expect((await store.history({ userId: alice!.id, with: { userId: bob!.id }, limit: 10 })).map((m) => m.text)).toEqual([
					'first',
					bobs.message.text,
				]);
				expect(await store.history({ userId: alice!.id, with: { userId: carl!.id }, limit: 10 })).toEqual([]);
				expect(await store.pendingFor(bob!.id, 0, 10)).toEqual([{ pendingId: expect.any(Number), message: original.message }]);
			});

			it('queues messages for offline recipients, in order, and pages and clears them', async () => {
				const p = prefix();
				const [alice, bob, carl, dana] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`, `${p}_dana`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				for (const member of [bob!, carl!, dana!]) await store.addMember(crew.id, member.id);
				const sent = [];
				for (let i = 0; i < 7; i++) {
					const to = i % 2 ? { groupId: crew.id } : { userId: bob!.id };
					const pendingFor = i % 2 ? [bob!.id, carl!.id] : [bob!.id];
					sent.push((await store.appendMessage(note(i % 3 ? alice! : dana!, to, { pendingFor }))).message);
				}
				expect(await store.pendingFor(dana!.id, 0, 10)).toEqual([]);

				const page1 = await store.pendingFor(bob!.id, 0, 3);
				expect(page1.map((pending) => pending.message)).toEqual(sent.slice(0, 3));
				const ids1 = page1.map((pending) => pending.pendingId);
				expect(ids1).toEqual(sortNumbers(ids1));
				const page2 = await store.pendingFor(bob!.id, page1.at(-1)!.pendingId, 3);
				expect(page2.map((pending) => pending.message)).toEqual(sent.slice(3, 6));
				expect(page2[0]!.pendingId).toBeGreaterThan(page1.at(-1)!.pendingId);
				// Paging does not consume: the first page is still there.
				expect(await store.pendingFor(bob!.id, 0, 3)).toEqual(page1);

				await store.clearPending(bob!.id, page2.at(-1)!.pendingId);
				const rest = await store.pendingFor(bob!.id, 0, 10);
				expect(rest.map((pending) => pending.message)).toEqual(sent.slice(6));
				// Carl's queue (the group messages) is his own.
				expect((await store.pendingFor(carl!.id, 0, 10)).map((pending) => pending.message)).toEqual([
					sent[1],
					sent[3],
					sent[5],
				]);
				await store.clearPending(bob!.id, rest[0]!.pendingId);
				expect(await store.pendingFor(bob!.id, 0, 10)).toEqual([]);
				expect(await store.pendingFor(carl!.id, 0, 10)).toHaveLength(3);
			});

			it('pages history backwards, each page oldest first', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				for (let i = 1; i <= 10; i++) {
					const [from, to] = i % 2 ? [alice!, bob!] : [bob!, alice!];
					await store.appendMessage(note(from, { userId: to.id }, { text: `m${i}` }));
				}
				const texts = async (userId: number, withId: number, before: number | undefined, limit: number) =>
					(await store.history({ userId, with: { userId: withId }, before, limit })).map((m) => `${m.seq}:${m.text}`);
				expect(await texts(alice!.id, bob!.id, undefined, 3)).toEqual(['8:m8', '9:m9', '10:m10']);
				expect(await texts(bob!.id, alice!.id, undefined, 3)).toEqual(['8:m8', '9:m9', '10:m10']);
				expect(await texts(alice!.id, bob!.id, 8, 3)).toEqual(['5:m5', '6:m6', '7:m7']);
				expect(await texts(alice!.id, bob!.id, 3, 5)).toEqual(['1:m1', '2:m2']);
				expect(await texts(alice!.id, bob!.id, 1, 5)).toEqual([]);
				expect(await texts(alice!.id, bob!.id, undefined, 100)).toEqual(range(1, 10).map((i) => `${i}:m${i}`));
				const all = await store.history({ userId: bob!.id, with: { userId: alice!.id }, limit: 100 });
				expect(all[0]).toMatchObject({ from: `${p}_alice`, to: { user: `${p}_bob` } });
				expect(all[1]).toMatchObject({ from: `${p}_bob`, to: { user: `${p}_alice` } });
			});
		});

		// search
		describe('search', () => {
			/** Alice and Bob's direct conversation, holding `texts` in order (Alice and Bob taking turns). */
			async function chat(...texts: string[]) {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const sent = [];
				for (const [index, text] of texts.entries()) {
					const [from, to] = index % 2 ? [bob!, alice!] : [alice!, bob!];
					sent.push((await store.appendMessage(note(from, { userId: to.id }, { text }))).message);
				}
				const find = async (text: string, extra: { before?: number; limit?: number; userId?: number } = {}) =>
					(await store.search({ userId: alice!.id, text, limit: 50, ...extra })).map((message) => message.text);
				return { alice: alice!, bob: bob!, sent, find };
			}

			it('finds whole words and prefixes, and needs every word', async () => {
				const { alice, find, sent } = await chat('the deployment failed', 'deploy again tomorrow', 'lunch at noon', 'Failed lunch');
				expect(await find('deployment')).toEqual(['the deployment failed']);
				expect(await find('deplo')).toEqual(['deploy again tomorrow', 'the deployment failed']);
				expect(await find('failed deplo')).toEqual(['the deployment failed']);
				expect(await find('lunch failed')).toEqual(['Failed lunch']);
				expect(await find('lunch tomorrow')).toEqual([]);
				// A prefix of a word, not a piece from its middle.
				expect(await find('ployment')).toEqual([]);
				// Messages come back as history gives them.
				expect(await store.search({ userId: alice.id, text: 'the', limit: 5 })).toEqual([sent[0]]);
			});

			it('ignores case and accents, in the text and in the search', async () => {
				const { find } = await chat('Café crème at the École', 'naïve über ÑANDÚ', 'plain cafe');
				expect(await find('cafe')).toEqual(['plain cafe', 'Café crème at the École']);
				expect(await find('CAFÉ')).toEqual(['plain cafe', 'Café crème at the École']);
				expect(await find('ecole creme')).toEqual(['Café crème at the École']);
				expect(await find('Uber nandu NAIVE')).toEqual(['naïve über ÑANDÚ']);
				// Decomposed input (an accent typed as a combining mark) is the same word.
				expect(await find('E\u0301cole')).toEqual(['Café crème at the École']);
			});

			it('takes quotes, stars, minus signs, colons and other punctuation as plain separators', async () => {
				const { find } = await chat('ship it: "now" or never', 'it\'s deploy-prod time', 'back\\slash and a:b', 'NEAR the end');
				expect(await find('"now"')).toEqual(['ship it: "now" or never']);
				expect(await find('now" OR "never')).toEqual(['ship it: "now" or never']);
				expect(await find('ship*')).toEqual(['ship it: "now" or never']);
				expect(await find('-prod')).toEqual(['it\'s deploy-prod time']);
				expect(await find('deploy-prod')).toEqual(['it\'s deploy-prod time']);
				expect(await find('text:ship')).toEqual([]);
				expect(await find('it:')).toEqual(['it\'s deploy-prod time', 'ship it: "now" or never']);
				// "it's" is the words "it" and "s", and "s" is a prefix of "ship".
				expect(await find("it's")).toEqual(['it\'s deploy-prod time', 'ship it: "now" or never']);
				expect(await find("it's tim")).toEqual(['it\'s deploy-prod time']);
				expect(await find('back\\slash')).toEqual(['back\\slash and a:b']);
				expect(await find("'a':* & !b")).toEqual(['back\\slash and a:b']);
				expect(await find('NEAR(the end)')).toEqual(['NEAR the end']);
				expect(await find('AND')).toEqual(['back\\slash and a:b']);
				// Nothing but punctuation finds nothing, and is not an error.
				for (const query of ['"', '*', '-', ':', '"*', "'", '\\', '&|!()', ' . , ; ']) expect(await find(query)).toEqual([]);
			});

			it('answers newest first, and pages back with before', async () => {
				const { find, sent } = await chat(...range(1, 7).map((i) => `page note ${i}`), 'something else');
				expect(await find('note', { limit: 3 })).toEqual(['page note 7', 'page note 6', 'page note 5']);
				const third = Number(sent[4]!.id);
				expect(await find('note', { limit: 3, before: third })).toEqual(['page note 4', 'page note 3', 'page note 2']);
				expect(await find('note', { limit: 3, before: Number(sent[1]!.id) })).toEqual(['page note 1']);
				expect(await find('note', { before: Number(sent[0]!.id) })).toEqual([]);
			});

			it('searches one conversation, or only those the user may read', async () => {
				const p = prefix();
				const [alice, bob, carl, dana] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`, `${p}_dana`);
				const crew = (await store.createGroup(`${p}_crew`, '', carl!.id))!;
				const other = (await store.createGroup(`${p}_other`, '', carl!.id))!;
				const left = (await store.createGroup(`${p}_left`, '', carl!.id))!;
				await store.addMember(crew.id, alice!.id);
				await store.addMember(left.id, alice!.id);
				const send = async (from: UserRecord, to: NewMessage['to'], text: string) =>
					(await store.appendMessage(note(from, to, { text: `${p} ${text}` }))).message;
				await send(alice!, { userId: bob!.id }, 'secret to bob');
				await send(bob!, { userId: alice!.id }, 'secret from bob');
				await send(carl!, { userId: dana!.id }, 'secret between others');
				await send(carl!, { groupId: crew.id }, 'secret in crew');
				await send(carl!, { groupId: other.id }, 'secret in other');
				await send(carl!, { groupId: left.id }, 'secret before leaving');
				await store.removeMember(left.id, alice!.id);
				await send(alice!, { userId: carl!.id }, 'secret to carl');
				const find = async (userId: number, extra: Partial<Parameters<Store['search']>[0]> = {}) =>
					(await store.search({ userId, text: `${p} secret`, limit: 50, ...extra })).map((m) => m.text.slice(p.length + 1));
				expect(await find(alice!.id)).toEqual(['secret to carl', 'secret in crew', 'secret from bob', 'secret to bob']);
				expect(await find(alice!.id, { with: { userId: bob!.id } })).toEqual(['secret from bob', 'secret to bob']);
				expect(await find(alice!.id, { with: { groupId: crew.id } })).toEqual(['secret in crew']);
				expect(await find(dana!.id)).toEqual(['secret between others']);
				expect(await find(carl!.id)).toEqual([
					'secret to carl',
					'secret before leaving',
					'secret in other',
					'secret in crew',
					'secret between others',
				]);
				// Deleting a group takes its messages out of search too.
				await store.deleteGroup(crew.id);
				expect(await find(alice!.id)).toEqual(['secret to carl', 'secret from bob', 'secret to bob']);
			});
		});

		// files
		describe('ignore lists', () => {
			it('adds, lists by name, finds ignorers among recipients and removes', async () => {
				const p = prefix();
				const [alice, bob, carl, zed] = await users(`${p}_alice`, `${p}_Bob`, `${p}_carl`, `${p}_zed`);
				expect(await store.addIgnore(alice!.id, zed!.id, '2024-01-01T00:00:00.000Z')).toBe(true);
				expect(await store.addIgnore(alice!.id, bob!.id, '2024-01-01T00:00:00.000Z')).toBe(true);
				expect(await store.addIgnore(alice!.id, bob!.id, '2024-01-02T00:00:00.000Z')).toBe(false);
				expect(await store.addIgnore(carl!.id, bob!.id, '2024-01-01T00:00:00.000Z')).toBe(true);
				expect(await store.ignoredBy(alice!.id)).toEqual([
					{ id: bob!.id, username: `${p}_Bob` },
					{ id: zed!.id, username: `${p}_zed` },
				]);
				expect(await store.ignoredBy(bob!.id)).toEqual([]);
				expect(sortNumbers(await store.ignorersAmong(bob!.id, [alice!.id, carl!.id, zed!.id]))).toEqual(sortNumbers([alice!.id, carl!.id]));
				expect(await store.ignorersAmong(bob!.id, [zed!.id])).toEqual([]);
				expect(await store.ignorersAmong(bob!.id, [])).toEqual([]);
				expect(await store.ignorersAmong(alice!.id, [bob!.id, carl!.id])).toEqual([]);
				expect(await store.removeIgnore(alice!.id, bob!.id)).toBe(true);
				expect(await store.removeIgnore(alice!.id, bob!.id)).toBe(false);
				expect(await store.ignorersAmong(bob!.id, [alice!.id, carl!.id])).toEqual([carl!.id]);
				expect((await store.ignoredBy(alice!.id)).map((user) => user.username)).toEqual([`${p}_zed`]);
			});

			it('reads a direct peer by name (any case, deleted ones too) with the friendship and whether they ignore the writer', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_Bob`, `${p}_carl`);
				const peer = (writer: UserRecord, name: string) => store.directPeer(writer.id, name);
				expect(await peer(alice!, `${p}_bob`)).toMatchObject({ id: bob!.id, username: `${p}_Bob`, deleted: false, friend: false, ignoresWriter: false });
				await store.addFriendship(alice!.id, bob!.id);
				await store.addIgnore(bob!.id, alice!.id, '2024-01-01T00:00:00.000Z');
				expect(await peer(alice!, `${p}_BOB`)).toMatchObject({ id: bob!.id, friend: true, ignoresWriter: true });
				// Whom the writer ignores does not matter, nor others' friendships.
				expect(await peer(bob!, `${p}_alice`)).toMatchObject({ id: alice!.id, friend: true, ignoresWriter: false });
				expect(await peer(carl!, `${p}_bob`)).toMatchObject({ friend: false, ignoresWriter: false });
				await store.deleteUser(carl!.id, new Date().toISOString());
				expect(await peer(alice!, `${p}_carl`)).toMatchObject({ id: carl!.id, deleted: true, friend: false });
				expect(await peer(alice!, `${p}_nobody`)).toBeUndefined();
			});

			it('reads a group by name as a writer sees it: their role (none for a stranger) and the other members who do not ignore them', async () => {
				const p = prefix();
				const [alice, bob, carl, dana] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`, `${p}_dana`);
				const crew = (await store.createGroup(`${p}_Crew`, 'the crew', alice!.id))!;
				await store.addMember(crew.id, bob!.id);
				await store.addMember(crew.id, carl!.id);
				await store.addIgnore(carl!.id, alice!.id, '2024-01-01T00:00:00.000Z');
				await store.addIgnore(alice!.id, bob!.id, '2024-01-01T00:00:00.000Z');
				expect(await store.groupAudience(alice!.id, `${p}_crew`)).toMatchObject({ id: crew.id, name: `${p}_Crew`, role: 'creator', members: 3, audience: [bob!.id] });
				// Alice ignores bob: nothing of his reaches her; carl ignoring alice does not keep bob from him.
				expect(await store.groupAudience(bob!.id, `${p}_crew`)).toMatchObject({ role: 'normal', audience: [carl!.id] });
				expect(await store.groupAudience(dana!.id, `${p}_crew`)).toMatchObject({ role: undefined, audience: sortNumbers([alice!.id, bob!.id, carl!.id]) });
				expect(await store.groupAudience(alice!.id, `${p}_nothing`)).toBeUndefined();
			});

			it('hides an ignored sender’s messages from the ignorer’s history, search, unread counts and queue; others see them', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				await store.addFriendship(alice!.id, bob!.id);
				const crew = (await store.createGroup(`${p}_crew`, '', carl!.id))!;
				await store.addMember(crew.id, alice!.id);
				await store.addMember(crew.id, bob!.id);
				const word = `${p}word`;
				const fromBob = await store.appendMessage(note(bob!, { userId: alice!.id }, { text: `${word} direct`, pendingFor: [alice!.id] }));
				await store.appendMessage(note(bob!, { groupId: crew.id }, { text: `${word} bob in crew`, pendingFor: [alice!.id] }));
				await store.appendMessage(note(carl!, { groupId: crew.id }, { text: `${word} carl in crew`, pendingFor: [alice!.id] }));
				await store.addIgnore(alice!.id, bob!.id, new Date().toISOString());

				const texts = (messages: Array<{ text: string }>) => messages.map((message) => message.text);
				expect(await store.history({ userId: alice!.id, with: { userId: bob!.id }, limit: 50 })).toEqual([]);
				expect(texts(await store.history({ userId: alice!.id, with: { groupId: crew.id }, limit: 50 }))).toEqual([`${word} carl in crew`]);
				expect(texts(await store.search({ userId: alice!.id, text: word, limit: 50 }))).toEqual([`${word} carl in crew`]);
				expect(await store.search({ userId: alice!.id, text: word, with: { userId: bob!.id }, limit: 50 })).toEqual([]);
				expect(await store.readStates(alice!.id)).toEqual([
					{ with: { userId: bob!.id, username: `${p}_bob` }, read: 0, last: 1, unread: 0 },
					{ with: { groupId: crew.id, name: `${p}_crew` }, read: 0, last: 2, unread: 1 },
				]);
				// Queued before the ignore: dropped by it, so they do not come back when it is lifted.
				expect(texts((await store.pendingFor(alice!.id, 0, 50)).map((pending) => pending.message))).toEqual([`${word} carl in crew`]);

				// The ignored user and the others see everything.
				expect(await store.history({ userId: bob!.id, with: { userId: alice!.id }, limit: 50 })).toEqual([fromBob.message]);
				expect(texts(await store.search({ userId: carl!.id, text: word, limit: 50 }))).toEqual([`${word} carl in crew`, `${word} bob in crew`]);
				expect((await store.readStates(carl!.id))[0]).toMatchObject({ unread: 1 });

				// Queued after the ignore (a send that routed before it): still not handed out.
				await store.appendMessage(note(bob!, { userId: alice!.id }, { text: `${word} late`, pendingFor: [alice!.id] }));
				expect((await store.pendingFor(alice!.id, 0, 50)).map((pending) => pending.message.text)).toEqual([`${word} carl in crew`]);

				// Lifted: what is stored shows again, the dropped queue entries stay dropped.
				await store.removeIgnore(alice!.id, bob!.id);
				expect(texts(await store.history({ userId: alice!.id, with: { userId: bob!.id }, limit: 50 }))).toEqual([`${word} direct`, `${word} late`]);
				expect(texts(await store.search({ userId: alice!.id, text: word, limit: 50 }))).toHaveLength(4);
				expect((await store.readStates(alice!.id))[0]).toMatchObject({ unread: 2 });
				expect((await store.pendingFor(alice!.id, 0, 50)).map((pending) => pending.message.text)).toEqual([`${word} carl in crew`, `${word} late`]);
			});
		});

		describe('files', () => {
			const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
			async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
				const parts: Buffer[] = [];
				for await (const chunk of chunks) parts.push(Buffer.from(chunk));
				return Buffer.concat(parts);
			}
			function upload(uploader: UserRecord, conversation: string, bytes: Buffer, name = 'notes.txt'): NewUpload {
				return { uploaderId: uploader.id, conversation, name, size: bytes.length, mime: 'text/plain', sha256: sha(bytes), createdAt: new Date().toISOString() };
			}

			it('appends chunks only at the received offset, completes on a matching checksum and reads from any offset', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const bytes = randomBytes(MAX_FILE_CHUNK_BYTES + 1000);
				const key = conversationKey(alice!.id, { userId: bob!.id });
				const file = await store.createOrResumeUpload(upload(alice!, key, bytes));
				expect(file).toMatchObject({ uploaderId: alice!.id, conversation: key, size: bytes.length, received: 0, complete: false });
				expect(await store.appendFileChunk(file.id, 0, bytes.subarray(0, MAX_FILE_CHUNK_BYTES))).toBe(MAX_FILE_CHUNK_BYTES);
				// The wrong offset, a repeat of the same one, too big a chunk or past the size: refused, nothing stored.
				expect(await store.appendFileChunk(file.id, 0, bytes.subarray(0, 10))).toBeUndefined();
				expect(await store.appendFileChunk(file.id, MAX_FILE_CHUNK_BYTES + 1, bytes.subarray(0, 10))).toBeUndefined();
				expect(await store.appendFileChunk(file.id, MAX_FILE_CHUNK_BYTES, randomBytes(MAX_FILE_CHUNK_BYTES + 1))).toBeUndefined();
				expect(await store.appendFileChunk(file.id, MAX_FILE_CHUNK_BYTES, randomBytes(1001))).toBeUndefined();
				expect((await store.fileById(file.id))!.received).toBe(MAX_FILE_CHUNK_BYTES);
				// Asked again while incomplete: the same upload, with what it has.
				const resumed = await store.createOrResumeUpload(upload(alice!, key, bytes));
				expect(resumed).toMatchObject({ id: file.id, received: MAX_FILE_CHUNK_BYTES });
				expect(await store.appendFileChunk(file.id, MAX_FILE_CHUNK_BYTES, bytes.subarray(MAX_FILE_CHUNK_BYTES))).toBe(bytes.length);
				expect(await store.completeFile(file.id)).toBe('complete');
				expect(await store.fileById(file.id)).toMatchObject({ received: bytes.length, complete: true });
				expect(await store.appendFileChunk(file.id, bytes.length, Buffer.from('x'))).toBeUndefined();
				expect((await collect(store.readFile(file.id, 0))).equals(bytes)).toBe(true);
				expect((await collect(store.readFile(file.id, 12345))).equals(bytes.subarray(12345))).toBe(true);
				expect((await collect(store.readFile(file.id, MAX_FILE_CHUNK_BYTES + 1))).equals(bytes.subarray(MAX_FILE_CHUNK_BYTES + 1))).toBe(true);
				expect((await collect(store.readFile(file.id, bytes.length))).length).toBe(0);
				// Complete, the same file again is a new upload.
				expect((await store.createOrResumeUpload(upload(alice!, key, bytes))).id).not.toBe(file.id);
			});

			it('resets an upload whose bytes do not match its checksum', async () => {
				const p = prefix();
				const [alice] = await users(`${p}_alice`);
				const bytes = randomBytes(5000);
				const file = await store.createOrResumeUpload(upload(alice!, 'g:1', bytes));
				const wrong = Buffer.from(bytes);
				wrong[100] = wrong[100]! ^ 1;
				expect(await store.appendFileChunk(file.id, 0, wrong)).toBe(5000);
				expect(await store.completeFile(file.id)).toBe('mismatch');
				expect(await store.fileById(file.id)).toMatchObject({ received: 0, complete: false });
				expect((await collect(store.readFile(file.id, 0))).length).toBe(0);
				expect(await store.appendFileChunk(file.id, 0, bytes)).toBe(5000);
				expect(await store.completeFile(file.id)).toBe('complete');
			});

			it('deletes a group\'s files with the group, sent or not', async () => {
				const p = prefix();
				const [alice] = await users(`${p}_alice`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				const bytes = randomBytes(3000);
				const sent = await store.createOrResumeUpload(upload(alice!, `g:${crew.id}`, bytes, 'a.bin'));
				await store.appendFileChunk(sent.id, 0, bytes);
				await store.completeFile(sent.id);
				await store.appendMessage(note(alice!, { groupId: crew.id }, { fileId: sent.id }));
				const unsent = await store.createOrResumeUpload(upload(alice!, `g:${crew.id}`, randomBytes(10), 'b.bin'));
				const elsewhere = await store.createOrResumeUpload(upload(alice!, 'g:0', bytes, 'c.bin'));
				await store.deleteGroup(crew.id);
				expect(await store.fileById(sent.id)).toBeUndefined();
				expect(await store.fileById(unsent.id)).toBeUndefined();
				expect((await collect(store.readFile(sent.id, 0))).length).toBe(0);
				expect(await store.fileById(elsewhere.id)).toBeDefined();
			});

			it('lets only one of two concurrent appends at one offset in', async () => {
				const p = prefix();
				const [alice] = await users(`${p}_alice`);
				const bytes = randomBytes(2000);
				const file = await store.createOrResumeUpload(upload(alice!, 'g:2', bytes));
				const results = await Promise.all([store.appendFileChunk(file.id, 0, bytes.subarray(0, 1000)), store.appendFileChunk(file.id, 0, bytes.subarray(0, 1000))]);
				expect(results.filter((received) => received === 1000)).toHaveLength(1);
				expect(results.filter((received) => received === undefined)).toHaveLength(1);
				expect((await collect(store.readFile(file.id, 0))).length).toBe(1000);
			});

			it('carries the file in every message read back: appended, duplicate, history and pending', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const bytes = Buffer.from('hello file');
				const key = conversationKey(alice!.id, { userId: bob!.id });
				const file = await store.createOrResumeUpload(upload(alice!, key, bytes, 'hello.txt'));
				await store.appendFileChunk(file.id, 0, bytes);
				await store.completeFile(file.id);
				const info = { id: String(file.id), name: 'hello.txt', size: bytes.length, mime: 'text/plain', sha256: sha(bytes) };
				const sent = note(alice!, { userId: bob!.id }, { text: 'hello.txt', fileId: file.id, pendingFor: [bob!.id] });
				const appended = await store.appendMessage(sent);
				expect(appended.message.file).toEqual(info);
				expect((await store.appendMessage(sent)).message.file).toEqual(info);
				const plain = await store.appendMessage(note(bob!, { userId: alice!.id }));
				expect(plain.message).not.toHaveProperty('file');
				const history = await store.history({ userId: bob!.id, with: { userId: alice!.id }, limit: 10 });
				expect(history.map((message) => message.file)).toEqual([info, undefined]);
				expect(history[0]).toEqual(appended.message);
				expect((await store.pendingFor(bob!.id, 0, 10))[0]!.message).toEqual(appended.message);
			});
		});

		describe('concurrency', () => {
			it('gives 50 concurrent appends to one conversation the seqs 1..50', async () => {
				const p = prefix();
				const [alice, bob, carl] = await users(`${p}_alice`, `${p}_bob`, `${p}_carl`);
				const crew = (await store.createGroup(`${p}_crew`, '', alice!.id))!;
				await store.addMember(crew.id, bob!.id);
				await store.addMember(crew.id, carl!.id);
				const senders = [alice!, bob!, carl!];
				const results = await Promise.all(
					range(1, 50).map((i) => store.appendMessage(note(senders[i % 3]!, { groupId: crew.id }, { pendingFor: [carl!.id] }))),
				);
				expect(results.every((result) => !result.duplicate)).toBe(true);
				expect(sortNumbers(results.map((result) => result.message.seq))).toEqual(range(1, 50));
				expect(new Set(results.map((result) => result.message.id)).size).toBe(50);
				const history = await store.history({ userId: bob!.id, with: { groupId: crew.id }, limit: 100 });
				expect(history.map((message) => message.seq)).toEqual(range(1, 50));
				// Pending deliveries follow the conversation's order.
				const pending = await store.pendingFor(carl!.id, 0, 100);
				expect(pending.map((entry) => entry.message.seq)).toEqual(range(1, 50));
			});

			it('stores one message for concurrent duplicates of one cid, and uses up no seq', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const results = await Promise.all(
					range(1, 20).map((i) =>
						store.appendMessage(note(alice!, { userId: bob!.id }, { cid: 'retry', text: `try ${i}`, pendingFor: [bob!.id] })),
					),
				);
				expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
				const stored = results.find((result) => !result.duplicate)!.message;
				for (const result of results) expect(result.message).toEqual(stored);
				expect(stored.seq).toBe(1);
				expect(await store.history({ userId: bob!.id, with: { userId: alice!.id }, limit: 100 })).toEqual([stored]);
				expect(await store.pendingFor(bob!.id, 0, 100)).toEqual([{ pendingId: expect.any(Number), message: stored }]);
				expect((await store.appendMessage(note(bob!, { userId: alice!.id }))).message.seq).toBe(2);
			});
			it('lets the other appends of a busy moment succeed when one of them fails', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				const results = await Promise.allSettled([
					store.appendMessage(note(alice!, { userId: bob!.id }, { text: 'first' })),
					// Queued for a user who does not exist: the foreign key refuses it.
					store.appendMessage(note(alice!, { userId: bob!.id }, { text: 'broken', pendingFor: [987_654_321] })),
					store.appendMessage(note(bob!, { userId: alice!.id }, { text: 'third' })),
				]);
				expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
				const history = await store.history({ userId: alice!.id, with: { userId: bob!.id }, limit: 10 });
				// Concurrent appends of two senders may be stored in either order.
				expect(history.map((message) => message.text).sort()).toEqual(['first', 'third']);
			});
		});

		describe('durability', () => {
			it('keeps everything across closing and opening again', async () => {
				const p = prefix();
				const [alice, bob] = await users(`${p}_alice`, `${p}_bob`);
				await store.addFriendship(alice!.id, bob!.id);
				await store.setAlias(alice!.id, bob!.id, 'B');
				const session = await store.saveToken(alice!.id, `${p}-token`, null, 'kept');
				const crew = (await store.createGroup(`${p}_crew`, 'kept', alice!.id))!;
				await store.addMember(crew.id, bob!.id);
				const sent = await store.appendMessage(note(alice!, { userId: bob!.id }, { pendingFor: [bob!.id] }));

				await store.close();
				store = await open();

				expect(await store.userByName(`${p}_ALICE`)).toEqual(alice);
				expect(await store.userByToken(`${p}-token`, new Date().toISOString())).toEqual({ ...alice, sessionId: session });
				expect(await store.friendOf(alice!.id, bob!.id)).toEqual({ id: bob!.id, username: `${p}_bob`, alias: 'B' });
				expect(await store.groupsOf(bob!.id)).toEqual([{ group: { ...crew, members: 2 }, role: 'normal' }]);
				expect(await store.history({ userId: bob!.id, with: { userId: alice!.id }, limit: 10 })).toEqual([sent.message]);
				expect((await store.pendingFor(bob!.id, 0, 10)).map((entry) => entry.message)).toEqual([sent.message]);
				// Numbering and idempotency carry on where they were.
				const next = await store.appendMessage(note(bob!, { userId: alice!.id }));
				expect(next.message.seq).toBe(2);
				expect(await store.appendMessage({ ...note(alice!, { userId: bob!.id }), cid: sent.message.cid })).toEqual({
					duplicate: true,
					queuedFor: [],
					message: sent.message,
				});
				expect(await store.createUser(`${p}_Bob`, 'x')).toBeUndefined();
			});
		});
	});
}

// SQLite: a temporary directory.
{
	const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-store-'));
	describeStore(
		'SqliteStore',
		async () => new SqliteStore({ dataDir }),
		async () => rmSync(dataDir, { recursive: true, force: true }),
	);
}

// PostgreSQL: a schema of this run's own, dropped at the end.
if (PG_MISSING_MESSAGE && IN_CI) {
	describe('PostgresStore', () => {
		it('needs PostgreSQL under CI', () => {
			throw new Error(`${PG_MISSING_MESSAGE}. CI must run them.`);
		});
	});
} else {
	describe.skipIf(PG_MISSING_MESSAGE !== undefined)('PostgreSQL', () => {
		const schema = testSchemaName();
		describeStore(
			'PostgresStore',
			() => openPostgresStore({ connectionString: PG_URL, schema }),
			() => dropSchema(schema),
		);

		describe('PostgresStore, several instances on one schema', () => {
			const schema = testSchemaName();
			const stores: PostgresStore[] = [];
			const open = async () => {
				const store = await openPostgresStore({ connectionString: PG_URL, schema });
				stores.push(store);
				return store;
			};

			afterAll(async () => {
				await Promise.all(stores.map((store) => store.close()));
				await dropSchema(schema);
			});

			it('migrate once when they start at the same moment on a new schema', async () => {
				const [a] = await Promise.all(range(1, 4).map(() => open()));
				expect(a).toBeDefined();
				const versions = await adminQuery<{ version: number }>(
					`SELECT version FROM ${pg.escapeIdentifier(schema)}.schema_migrations ORDER BY version`,
				);
				expect(versions.map((row) => row.version)).toEqual(range(1, POSTGRES_MIGRATIONS.length));
			});

			it("see each other's writes, and concurrent appends from both keep seq unique", async () => {
				const [a, b] = [stores[0]!, stores[1]!];
				const alice = (await a.createUser('alice', 'hash-a'))!;
				expect(await b.createUser('ALICE', 'hash-b')).toBeUndefined();
				const bob = (await b.createUser('bob', 'hash-b'))!;
				expect(await a.userByName('Bob')).toEqual(bob);
				await b.addFriendship(alice.id, bob.id);
				expect(await a.friendOf(alice.id, bob.id)).toEqual({ id: bob.id, username: 'bob', alias: null });
				const crew = (await a.createGroup('crew', '', alice.id))!;
				expect(await b.addMember(crew.id, bob.id)).toBe(true);
				expect(await a.addMember(crew.id, bob.id)).toBe(false);

				const results = await Promise.all(
					range(1, 60).map((i) =>
						(i % 2 ? a : b).appendMessage({
							senderId: i % 3 ? alice.id : bob.id,
							to: { groupId: crew.id },
							text: `m${i}`,
							cid: `c${i}`,
							ts: new Date().toISOString(),
							pendingFor: [bob.id],
						}),
					),
				);
				expect(sortNumbers(results.map((result) => result.message.seq))).toEqual(range(1, 60));
				// The same cid through both instances at once: one message.
				const twice = await Promise.all(
					[a, b, a, b].map((store) =>
						store.appendMessage({
							senderId: alice.id,
							to: { userId: bob.id },
							text: 'once',
							cid: 'both',
							ts: '2024-01-01T00:00:00.000Z',
							pendingFor: [],
						}),
					),
				);
				expect(twice.filter((result) => !result.duplicate)).toHaveLength(1);
				expect(new Set(twice.map((result) => result.message.id)).size).toBe(1);

				const fromA = await a.history({ userId: alice.id, with: { groupId: crew.id }, limit: 100 });
				const fromB = await b.history({ userId: bob.id, with: { groupId: crew.id }, limit: 100 });
				expect(fromA.map((message) => message.seq)).toEqual(range(1, 60));
				expect(fromB).toEqual(fromA);
				expect((await b.pendingFor(bob.id, 0, 100)).map((entry) => entry.message)).toEqual(fromA);
				await a.clearPending(bob.id, Number.MAX_SAFE_INTEGER);
				expect(await b.pendingFor(bob.id, 0, 100)).toEqual([]);
			});
		});

		it('PostgresStore: makes a group from before private groups public, keeping its members (a schema at step 4, upgraded)', async () => {
			const schema = testSchemaName();
			const client = new pg.Client({ connectionString: PG_URL });
			await client.connect();
			try {
				await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}; SET search_path TO ${pg.escapeIdentifier(schema)}`);
				for (const step of POSTGRES_MIGRATIONS.slice(0, 4)) await client.query(step);
				await client.query(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
				await client.query(`INSERT INTO schema_migrations VALUES (1, 'x'), (2, 'x'), (3, 'x'), (4, 'x')`);
				await client.query(OLD_GROUP_SQL);
			} finally {
				await client.end();
			}
			const store = await openPostgresStore({ connectionString: PG_URL, schema });
			try {
				await expectOldGroupPublic(store);
			} finally {
				await store.close();
				await dropSchema(schema);
			}
		});

		// search
		it('PostgresStore: finds messages stored before the search index existed (a schema at step 1, upgraded)', async () => {
			const schema = testSchemaName();
			const client = new pg.Client({ connectionString: PG_URL });
			await client.connect();
			try {
				await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}; SET search_path TO ${pg.escapeIdentifier(schema)}`);
				await client.query(POSTGRES_MIGRATIONS[0]!);
				await client.query(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
				await client.query(`INSERT INTO schema_migrations VALUES (1, '2024-01-01T00:00:00.000Z')`);
				await client.query(OLD_MESSAGES_SQL);
			} finally {
				await client.end();
			}
			const store = await openPostgresStore({ connectionString: PG_URL, schema });
			try {
				await expectOldMessagesFound(store);
			} finally {
				await store.close();
				await dropSchema(schema);
			}
		});
	});
}

// groups: a database from before private groups (issue 15), upgraded by opening it
const OLD_GROUP_SQL = `
	INSERT INTO users (username, username_key, password_hash, created_at) VALUES
		('olda', 'olda', 'h', '2024-01-01T00:00:00.000Z'), ('oldb', 'oldb', 'h', '2024-01-01T00:00:00.000Z');
	INSERT INTO groups (name, name_key, description, creator_id, created_at)
		SELECT 'Oldies', 'oldies', 'from before', id, '2024-01-01T00:00:00.000Z' FROM users WHERE username = 'olda';
	INSERT INTO members (group_id, user_id, role, joined_at)
		SELECT g.id, u.id, CASE u.username WHEN 'olda' THEN 'creator' ELSE 'normal' END, '2024-01-01T00:00:00.000Z'
		FROM groups g, users u;
`;

/** What a group from before private groups is after the upgrade: public, its members and roles kept, admins possible. */
async function expectOldGroupPublic(store: Store): Promise<void> {
	const group = await store.groupByName('oldies');
	expect(group).toMatchObject({ name: 'Oldies', description: 'from before', creator: 'olda', visibility: 'public', members: 2 });
	expect((await store.membersOf(group!.id)).map(({ username, role }) => [username, role])).toEqual([
		['olda', 'creator'],
		['oldb', 'normal'],
	]);
	const oldb = (await store.userByName('oldb'))!;
	expect(await store.setRole(group!.id, oldb.id, 'admin')).toBe(true);
	expect(await store.roleIn(group!.id, oldb.id)).toBe('admin');
	const newer = await store.createGroup('newer', '', oldb.id);
	expect(newer?.visibility).toBe('private');
}

describe('SqliteStore: groups after an upgrade', () => {
	it('makes a group from before private groups public, keeping its members (a database at step 3, upgraded)', async () => {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-store-upgrade-'));
		try {
			const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
			for (const step of SQLITE_MIGRATIONS.slice(0, 3)) db.exec(step);
			db.exec(OLD_GROUP_SQL);
			db.pragma('user_version = 3');
			db.close();
			const store = new SqliteStore({ dataDir });
			try {
				await expectOldGroupPublic(store);
			} finally {
				await store.close();
			}
		} finally {
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

// search: a database from before search, upgraded by opening it
describe('SqliteStore: search after an upgrade', () => {
	it('finds messages stored before the search index existed (a database at step 1, upgraded)', async () => {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-store-upgrade-'));
		try {
			const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
			db.exec(SQLITE_MIGRATIONS[0]!);
			db.exec(OLD_MESSAGES_SQL);
			db.pragma('user_version = 1');
			db.close();
			const store = new SqliteStore({ dataDir });
			try {
				await expectOldMessagesFound(store);
			} finally {
				await store.close();
			}
		} finally {
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

describe('SqliteStore: words indexed in batches, off the send path', () => {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-store-fts-'));
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
	/** The store's file, opened beside it (WAL: a second connection sees what is committed). */
	const peek = <T>(read: (db: Database.Database) => T): T => {
		const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
		try {
			return read(db);
		} finally {
			db.close();
		}
	};
	const waiting = () => peek((db) => db.prepare('SELECT count(*) FROM fts_pending').pluck().get() as number);
	/** FTS5's own check of the index against the messages (throws SQLITE_CORRUPT_VTAB when they differ). */
	const intact = () => peek((db) => db.prepare(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).run());

	it('an acknowledged message waits for its batch, yet a search at once finds it; the batch then empties the queue', async () => {
		const store = new SqliteStore({ dataDir });
		try {
			const [alice, bob] = [(await store.createUser('fts_alice', 'h'))!, (await store.createUser('fts_bob', 'h'))!];
			const send = (text: string, cid: string) =>
				store.appendMessage({ senderId: alice.id, to: { userId: bob.id }, text, cid, ts: new Date().toISOString(), pendingFor: [] });
			await send('the quarterly budget', 'fts-1');
			expect(waiting()).toBe(1);
			expect((await store.search({ userId: bob.id, text: 'budget', limit: 10 })).map((m) => m.text)).toEqual(['the quarterly budget']);
			expect(waiting()).toBe(0);
			await send('a second budget line', 'fts-2');
			await send('lunch at noon', 'fts-3');
			expect(waiting()).toBe(2);
			await new Promise((resolve) => setTimeout(resolve, FTS_BATCH_MS + 200));
			expect(waiting()).toBe(0);
			expect((await store.search({ userId: bob.id, text: 'budget', limit: 10 })).map((m) => m.text)).toEqual(['a second budget line', 'the quarterly budget']);
		} finally {
			await store.close();
		}
	});

	it('deleting a group whose messages are partly indexed, partly waiting, leaves the index whole', async () => {
		const store = new SqliteStore({ dataDir });
		try {
			const carol = (await store.createUser('fts_carol', 'h'))!;
			const crew = (await store.createGroup('fts_crew', '', carol.id))!;
			const post = (text: string, cid: string) =>
				store.appendMessage({ senderId: carol.id, to: { groupId: crew.id }, text, cid, ts: new Date().toISOString(), pendingFor: [] });
			await post('indexed words', 'g-1');
			await store.search({ userId: carol.id, text: 'indexed', limit: 1 });
			await post('waiting words', 'g-2');
			expect(waiting()).toBe(1);
			await store.deleteGroup(crew.id);
			expect(waiting()).toBe(0);
			expect(() => intact()).not.toThrow();
			expect(await store.search({ userId: carol.id, text: 'words', limit: 10 })).toEqual([]);
		} finally {
			await store.close();
		}
	});

	it('what was waiting when the process died is indexed by the next search', async () => {
		const store = new SqliteStore({ dataDir });
		const dave = (await store.createUser('fts_dave', 'h'))!;
		const erin = (await store.createUser('fts_erin', 'h'))!;
		await store.close();
		// As a crash would leave it: a committed message whose words were never indexed.
		const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
		db.prepare(`INSERT INTO messages (conversation, seq, sender_id, to_user_id, text, cid, ts) VALUES (?, 1, ?, ?, 'survived the crash', 'crash-1', ?)`).run(
			conversationKey(dave.id, { userId: erin.id }),
			dave.id,
			erin.id,
			new Date().toISOString(),
		);
		db.close();
		expect(waiting()).toBe(1);
		const reopened = new SqliteStore({ dataDir });
		try {
			expect((await reopened.search({ userId: erin.id, text: 'crash', limit: 10 })).map((m) => m.text)).toEqual(['survived the crash']);
			expect(() => intact()).not.toThrow();
		} finally {
			await reopened.close();
		}
	});
});

describe('SqliteStore: group commit waits for company only when company is due', () => {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-store-commit-'));
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
	afterEach(() => vi.useRealTimers());

	/**
	 * Senders appending `together` messages at once every `everyMs`, on fake
	 * clocks: true for each round whose appends were committed without the
	 * commit delay's timer (in the same turn of the event loop).
	 */
	async function roundsCommittedAtOnce(together: number, everyMs: number, rounds: number): Promise<boolean[]> {
		vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'performance'] });
		const store = new SqliteStore({ dataDir, commitDelayMs: 2 });
		try {
			const users: UserRecord[] = [];
			for (let index = 0; index < together + 1; index++) users.push((await store.createUser(uniqueUser(), 'h'))!);
			const atOnce: boolean[] = [];
			for (let round = 0; round < rounds; round++) {
				let committed = false;
				const appends = users.slice(1).map((sender, index) =>
					store.appendMessage({
						senderId: sender.id,
						to: { userId: users[0]!.id },
						text: `round ${round}`,
						cid: `commit-${round}-${index}-${randomBytes(4).toString('hex')}`,
						ts: new Date().toISOString(),
						pendingFor: [],
					}),
				);
				void Promise.all(appends).then(() => (committed = true));
				await vi.advanceTimersByTimeAsync(0);
				atOnce.push(committed);
				await vi.advanceTimersByTimeAsync(everyMs);
				while (!committed) await vi.advanceTimersByTimeAsync(1);
			}
			return atOnce;
		} finally {
			vi.useRealTimers();
			await store.close();
		}
	}
	let users = 0;
	const uniqueUser = () => `commit_${process.pid}_${users++}`;

	it('two senders every 10 ms (200 appends a second): each commits at once; they share no more by waiting', async () => {
		expect(await roundsCommittedAtOnce(2, 10, 40)).toEqual(Array(40).fill(true));
	});

	it('ten senders every millisecond or two (over 5,000 a second): once the rate is known, appends wait the delay to share a commit', async () => {
		const rounds = await roundsCommittedAtOnce(10, 1, 40);
		expect(rounds[0]).toBe(true); // nothing known yet of the rate, nor of other senders
		expect(rounds.slice(-20)).toEqual(Array(20).fill(false));
	});

	it('a hundred at once every 15 ms (the bursts of a busy event loop, over 6,000 a second): the burst after each gap waits too', async () => {
		const rounds = await roundsCommittedAtOnce(100, 15, 12);
		expect(rounds.slice(-8)).toEqual(Array(8).fill(false));
	});
});
