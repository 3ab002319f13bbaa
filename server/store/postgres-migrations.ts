import { searchVector } from './postgres-search.js';

/**
 * The PostgreSQL schema as a list of versioned steps: SQLite's schema
 * (sqlite-migrations.ts) translated. A database records each step it ran in
 * `schema_migrations`; opening runs the rest in order, in one transaction,
 * under an advisory lock so that servers starting together do not race.
 * Append new steps; never edit one that has shipped.
 *
 * Translation notes:
 * - ids are BIGINT identities; the store reads them back as JS numbers (message ids as decimal strings).
 * - timestamps stay ISO 8601 TEXT, as in SQLite, so both engines hand back the very strings they were given.
 * - keys that are sorted or compared (lower-cased names, timestamps, conversation keys) use the "C"
 *   collation: byte order, as SQLite's BINARY, whatever the database's locale.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
	// 1: accounts, friends, groups, messages
	`
	CREATE TABLE users (
		id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		username      TEXT NOT NULL,
		username_key  TEXT COLLATE "C" NOT NULL UNIQUE,  -- lower-cased: names are unique case-insensitively
		password_hash TEXT NOT NULL,
		created_at    TEXT NOT NULL
	);
	CREATE TABLE tokens (
		hash       TEXT PRIMARY KEY,           -- sha256 of the token; the token itself is never stored
		user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		created_at TEXT NOT NULL,
		expires_at TEXT COLLATE "C"
	);
	CREATE INDEX tokens_by_user ON tokens(user_id);
	CREATE TABLE friends (
		owner_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		friend_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		alias     TEXT,
		since     TEXT NOT NULL,
		PRIMARY KEY (owner_id, friend_id)
	);
	CREATE INDEX friends_by_friend ON friends(friend_id);
	CREATE TABLE friend_requests (
		from_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		to_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		ts      TEXT COLLATE "C" NOT NULL,
		PRIMARY KEY (from_id, to_id)
	);
	CREATE INDEX friend_requests_to ON friend_requests(to_id);
	CREATE TABLE groups (
		id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		name        TEXT NOT NULL,
		name_key    TEXT COLLATE "C" NOT NULL UNIQUE,
		description TEXT NOT NULL,
		creator_id  BIGINT NOT NULL REFERENCES users(id),
		created_at  TEXT NOT NULL
	);
	CREATE TABLE members (
		group_id  BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		role      TEXT NOT NULL CHECK (role IN ('creator', 'normal')),
		joined_at TEXT NOT NULL,
		PRIMARY KEY (group_id, user_id)
	);
	CREATE INDEX members_by_user ON members(user_id);
	-- One row per conversation: hands out the next seq. Its row lock serialises appends to one conversation.
	CREATE TABLE conversations (
		key      TEXT COLLATE "C" PRIMARY KEY,  -- "d:<low id>:<high id>" or "g:<group id>"
		last_seq BIGINT NOT NULL
	);
	CREATE TABLE messages (
		id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		conversation TEXT COLLATE "C" NOT NULL,
		seq          BIGINT NOT NULL,
		sender_id    BIGINT NOT NULL REFERENCES users(id),
		to_user_id   BIGINT REFERENCES users(id),
		to_group_id  BIGINT REFERENCES groups(id) ON DELETE CASCADE,
		text         TEXT NOT NULL,
		cid          TEXT NOT NULL,
		ts           TEXT NOT NULL,
		CONSTRAINT messages_conversation_seq UNIQUE (conversation, seq),
		CONSTRAINT messages_sender_cid UNIQUE (sender_id, cid)
	);
	CREATE INDEX messages_by_group ON messages(to_group_id) WHERE to_group_id IS NOT NULL;
	-- Messages stored for recipients that had no session when they were sent.
	CREATE TABLE pending (
		id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE
	);
	CREATE INDEX pending_by_user ON pending(user_id, id);
	CREATE INDEX pending_by_message ON pending(message_id);
	`,
	// 2: read cursors, files, full-text search
	`
	CREATE TABLE read_cursors (
		user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		conversation TEXT COLLATE "C" NOT NULL,
		seq          BIGINT NOT NULL,
		PRIMARY KEY (user_id, conversation)
	);
	CREATE TABLE files (
		id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		uploader_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		conversation TEXT COLLATE "C" NOT NULL,
		name         TEXT NOT NULL,
		size         BIGINT NOT NULL,
		mime         TEXT NOT NULL,
		sha256       TEXT NOT NULL,
		received     BIGINT NOT NULL DEFAULT 0,
		complete     BOOLEAN NOT NULL DEFAULT FALSE,
		created_at   TEXT NOT NULL
	);
	CREATE INDEX files_by_uploader ON files(uploader_id, sha256);
	CREATE TABLE file_chunks (
		id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		file_id  BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
		"offset" BIGINT NOT NULL,
		data     BYTEA NOT NULL,
		CONSTRAINT file_chunks_file_offset UNIQUE (file_id, "offset")
	);
	ALTER TABLE messages ADD COLUMN file_id BIGINT REFERENCES files(id);
	-- 'simple': words as written, no language's stemming (as SQLite's unicode61 tokenizer).
	CREATE INDEX messages_text_search ON messages USING GIN (to_tsvector('simple', text));
	`,
	// 3: search ignores accents, as SQLite's remove_diacritics does: the index of step 2 kept them,
	// so it is replaced by one on the folded text (see postgres-search.ts).
	`
	DROP INDEX IF EXISTS messages_text_search;
	CREATE INDEX messages_text_search_folded ON messages USING GIN (${searchVector('text')});
	`,
	// 4: sessions (a label, when last seen, whether connected), deleted accounts, ignore lists (SQLite's step 3)
	`
	ALTER TABLE tokens ADD COLUMN id TEXT;
	UPDATE tokens SET id = md5(random()::text || hash);
	CREATE UNIQUE INDEX tokens_by_id ON tokens(id);
	ALTER TABLE tokens ADD COLUMN device TEXT NOT NULL DEFAULT '';
	ALTER TABLE tokens ADD COLUMN last_seen TEXT;
	ALTER TABLE tokens ADD COLUMN connected INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE users ADD COLUMN deleted_at TEXT;
	CREATE TABLE ignores (
		owner_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		ignored_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		since      TEXT NOT NULL,
		PRIMARY KEY (owner_id, ignored_id)
	);
	CREATE INDEX ignores_by_ignored ON ignores(ignored_id);
	`,
	// 5: private groups, admins, invites and bans (SQLite's step 4)
	`
	ALTER TABLE groups ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('private', 'public'));
	ALTER TABLE groups ALTER COLUMN visibility SET DEFAULT 'private';
	ALTER TABLE members DROP CONSTRAINT members_role_check;
	ALTER TABLE members ADD CONSTRAINT members_role_check CHECK (role IN ('creator', 'admin', 'normal'));
	CREATE TABLE group_invites (
		group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		invitee_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		inviter_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		ts         TEXT COLLATE "C" NOT NULL,
		PRIMARY KEY (group_id, invitee_id)
	);
	CREATE INDEX group_invites_by_invitee ON group_invites(invitee_id);
	CREATE TABLE group_bans (
		group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		by_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
		ts       TEXT NOT NULL,
		PRIMARY KEY (group_id, user_id)
	);
	`,
];
