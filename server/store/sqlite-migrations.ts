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
];
