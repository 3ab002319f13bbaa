/**
 * The SQLite schema as a list of versioned steps. A database records the
 * last step it ran in `PRAGMA user_version`; opening runs the rest in order.
 * Append new steps; never edit one that has shipped.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
	// 1: accounts, friends, groups, messages
	`
	CREATE TABLE users (
		id            INTEGER PRIMARY KEY,
		username      TEXT NOT NULL,
		username_key  TEXT NOT NULL UNIQUE,  -- lower-cased: names are unique case-insensitively
		password_hash TEXT NOT NULL,
		created_at    TEXT NOT NULL
	);
	CREATE TABLE tokens (
		hash       TEXT PRIMARY KEY,           -- sha256 of the token; the token itself is never stored
		user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		created_at TEXT NOT NULL,
		expires_at TEXT
	);
	CREATE INDEX tokens_by_user ON tokens(user_id);
	CREATE TABLE friends (
		owner_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		friend_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		alias     TEXT,
		since     TEXT NOT NULL,
		PRIMARY KEY (owner_id, friend_id)
	) WITHOUT ROWID;
	CREATE TABLE friend_requests (
		from_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		to_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		ts      TEXT NOT NULL,
		PRIMARY KEY (from_id, to_id)
	) WITHOUT ROWID;
	CREATE INDEX friend_requests_to ON friend_requests(to_id);
	CREATE TABLE groups (
		id          INTEGER PRIMARY KEY,
		name        TEXT NOT NULL,
		name_key    TEXT NOT NULL UNIQUE,
		description TEXT NOT NULL,
		creator_id  INTEGER NOT NULL REFERENCES users(id),
		created_at  TEXT NOT NULL
	);
	CREATE TABLE members (
		group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		role      TEXT NOT NULL CHECK (role IN ('creator', 'normal')),
		joined_at TEXT NOT NULL,
		PRIMARY KEY (group_id, user_id)
	) WITHOUT ROWID;
	CREATE INDEX members_by_user ON members(user_id);
	-- One row per conversation: hands out the next seq.
	CREATE TABLE conversations (
		key      TEXT PRIMARY KEY,              -- "d:<low id>:<high id>" or "g:<group id>"
		last_seq INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE messages (
		id           INTEGER PRIMARY KEY,
		conversation TEXT NOT NULL,
		seq          INTEGER NOT NULL,
		sender_id    INTEGER NOT NULL REFERENCES users(id),
		to_user_id   INTEGER REFERENCES users(id),
		to_group_id  INTEGER REFERENCES groups(id) ON DELETE CASCADE,
		text         TEXT NOT NULL,
		cid          TEXT NOT NULL,
		ts           TEXT NOT NULL,
		UNIQUE (conversation, seq),
		UNIQUE (sender_id, cid)
	);
	-- Messages stored for recipients that had no session when they were sent.
	CREATE TABLE pending (
		id         INTEGER PRIMARY KEY,
		user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE
	);
	CREATE INDEX pending_by_user ON pending(user_id, id);
	`,
	// 2: read cursors, files, full-text search
	`
	-- How far each user has read each conversation (the newest seq read).
	CREATE TABLE read_cursors (
		user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		conversation TEXT NOT NULL,
		seq          INTEGER NOT NULL,
		PRIMARY KEY (user_id, conversation)
	) WITHOUT ROWID;
	-- A file announced for a conversation; complete once every byte arrived and the checksum matched.
	CREATE TABLE files (
		id           INTEGER PRIMARY KEY,
		uploader_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		conversation TEXT NOT NULL,
		name         TEXT NOT NULL,
		size         INTEGER NOT NULL,
		mime         TEXT NOT NULL,
		sha256       TEXT NOT NULL,
		received     INTEGER NOT NULL DEFAULT 0,
		complete     INTEGER NOT NULL DEFAULT 0,
		created_at   TEXT NOT NULL
	);
	CREATE INDEX files_by_uploader ON files(uploader_id, sha256);
	-- A file's bytes, in the chunks they arrived in ("offset" is where each begins).
	CREATE TABLE file_chunks (
		id       INTEGER PRIMARY KEY,
		file_id  INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
		"offset" INTEGER NOT NULL,
		data     BLOB NOT NULL,
		UNIQUE (file_id, "offset")
	);
	ALTER TABLE messages ADD COLUMN file_id INTEGER REFERENCES files(id);
	-- Words of every message, kept in step with messages by the triggers.
	CREATE VIRTUAL TABLE messages_fts USING fts5(
		text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
	);
	INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages;
	CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
		INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
	END;
	CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
		INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
	END;
	`,
	// 3: sessions (a label, when last seen, whether connected), deleted accounts, ignore lists
	`
	-- A token is one login session: "id" names it to its owner (sessions.list / sessions.revoke).
	ALTER TABLE tokens ADD COLUMN id TEXT;
	UPDATE tokens SET id = lower(hex(randomblob(12)));
	CREATE UNIQUE INDEX tokens_by_id ON tokens(id);
	ALTER TABLE tokens ADD COLUMN device TEXT NOT NULL DEFAULT '';
	ALTER TABLE tokens ADD COLUMN last_seen TEXT;
	-- Live connections using the token, counted by the instances that hold them.
	ALTER TABLE tokens ADD COLUMN connected INTEGER NOT NULL DEFAULT 0;
	-- A deleted account keeps its row: its name stays taken and its messages keep their sender.
	ALTER TABLE users ADD COLUMN deleted_at TEXT;
	CREATE TABLE ignores (
		owner_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		ignored_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		since      TEXT NOT NULL,
		PRIMARY KEY (owner_id, ignored_id)
	) WITHOUT ROWID;
	`,
	// 4: private groups, admins, invites and bans (issue 15)
	`
	-- Groups that exist now stay open to anyone, as they were; new ones say what they are.
	ALTER TABLE groups ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('private', 'public'));
	-- The role check gains 'admin': SQLite changes a CHECK only by rebuilding the table.
	CREATE TABLE members_new (
		group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		role      TEXT NOT NULL CHECK (role IN ('creator', 'admin', 'normal')),
		joined_at TEXT NOT NULL,
		PRIMARY KEY (group_id, user_id)
	) WITHOUT ROWID;
	INSERT INTO members_new (group_id, user_id, role, joined_at) SELECT group_id, user_id, role, joined_at FROM members;
	DROP TABLE members;
	ALTER TABLE members_new RENAME TO members;
	CREATE INDEX members_by_user ON members(user_id);
	-- A pending invite: joining accepts it, declining ends it; one per group and invitee.
	CREATE TABLE group_invites (
		group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		invitee_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		inviter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		ts         TEXT NOT NULL,
		PRIMARY KEY (group_id, invitee_id)
	) WITHOUT ROWID;
	CREATE INDEX group_invites_by_invitee ON group_invites(invitee_id);
	-- A ban outlives leaving and rejoining: it is kept apart from membership.
	CREATE TABLE group_bans (
		group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
		user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		by_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
		ts       TEXT NOT NULL,
		PRIMARY KEY (group_id, user_id)
	) WITHOUT ROWID;
	`,
	// 5: full-text indexing in batches, off the send path (issue 16)
	`
	-- A new message waits here until the next batch (or a search) puts its words in messages_fts:
	-- tokenising in the send's transaction cost about a third of an append's CPU.
	CREATE TABLE fts_pending (id INTEGER PRIMARY KEY);
	DROP TRIGGER messages_fts_insert;
	CREATE TRIGGER messages_fts_pending AFTER INSERT ON messages BEGIN
		INSERT INTO fts_pending (id) VALUES (new.id);
	END;
	-- Only words that are in the index are taken out of it (an external-content table must never be told to delete what it lacks).
	DROP TRIGGER messages_fts_delete;
	CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
		INSERT INTO messages_fts (messages_fts, rowid, text)
			SELECT 'delete', old.id, old.text WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
		DELETE FROM fts_pending WHERE id = old.id;
	END;
	`,
];
