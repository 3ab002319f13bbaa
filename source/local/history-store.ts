import path from 'node:path';
import Database from 'better-sqlite3';
import type { Message, RequestInput } from '../protocol/index.js';
import { keyOfMessage, keyOfPeer, peerOfKey, type ConversationKey } from '../client/conversation.js';
import { makePrivateFile } from './private-files.js';
import type { ProfileLocation } from './profile.js';

interface Row {
	message: string;
}

interface UnsentRow {
	cid: string;
	conversation: ConversationKey;
	text: string;
	file: string | null;
	queued_at: number;
}

/** A send the server has not acknowledged, as kept on disk: the fields to send again, and when it was typed. */
export interface UnsentSend {
	fields: RequestInput<'send'>;
	queuedAt: number;
}

/**
 * Every message the client has seen, per profile, server and conversation.
 * One SQLite file per profile: adding a message is one row, never a rewrite
 * of the rest, and a message seen twice is stored once.
 */
export class HistoryStore {
	private readonly db: Database.Database;
	private readonly insert: Database.Statement;

	constructor(location: ProfileLocation) {
		const file = path.join(location.configDir, `${location.profile}.history.db`);
		// History is private: created 0600 before SQLite opens it, so its -wal and -shm files are 0600 too.
		makePrivateFile(file);
		this.db = new Database(file);
		this.db.pragma('journal_mode = WAL');
		this.db.exec(`
			CREATE TABLE IF NOT EXISTS messages (
				server       TEXT NOT NULL,
				conversation TEXT NOT NULL,
				seq          INTEGER NOT NULL,
				message      TEXT NOT NULL,   -- the message as the server sent it (JSON)
				PRIMARY KEY (server, conversation, seq)
			) WITHOUT ROWID;
			-- The outbox: sends not yet acknowledged, so a quit or a crash loses none (sent again, same cid, at the next start).
			CREATE TABLE IF NOT EXISTS outbox (
				server       TEXT NOT NULL,
				username     TEXT NOT NULL,
				cid          TEXT NOT NULL,
				conversation TEXT NOT NULL,
				text         TEXT NOT NULL,
				file         TEXT,
				queued_at    INTEGER NOT NULL,   -- ms since the epoch
				PRIMARY KEY (server, username, cid)
			);   -- with a rowid: the order they were typed in
			-- What the next start picks up again: drafts per conversation, the conversation that was open,
			-- the last lists the server gave (shown while it cannot be reached). Small values, by name.
			CREATE TABLE IF NOT EXISTS kept (
				server       TEXT NOT NULL,
				username     TEXT NOT NULL,
				name         TEXT NOT NULL,
				value        TEXT NOT NULL,
				PRIMARY KEY (server, username, name)
			) WITHOUT ROWID;
		`);
		this.insert = this.db.prepare(
			`INSERT INTO messages (server, conversation, seq, message) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		);
	}

	add(server: string, me: string, messages: Message[]): void {
		this.db.transaction(() => {
			for (const message of messages) {
				this.insert.run(server, keyOfMessage(message, me), message.seq, JSON.stringify(message));
			}
		})();
	}

	/** The newest `limit` messages before `beforeSeq` (or the newest overall), oldest first. */
	page(server: string, conversation: ConversationKey, limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): Message[] {
		const rows = this.db
			.prepare(
				`SELECT message FROM messages WHERE server = ? AND conversation = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
			)
			.all(server, conversation, beforeSeq, limit) as Row[];
		return rows.reverse().map((row) => JSON.parse(row.message) as Message);
	}

	/** A send was queued: kept until the server acknowledges or refuses it (the same cid again is one row). */
	addUnsent(server: string, me: string, fields: RequestInput<'send'>, queuedAt = Date.now()): void {
		this.db
			.prepare(
				`INSERT INTO outbox (server, username, cid, conversation, text, file, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			)
			.run(server, me, fields.cid, keyOfPeer(fields.to), fields.text, fields.file ?? null, queuedAt);
	}

	removeUnsent(server: string, me: string, cid: string): void {
		this.db.prepare(`DELETE FROM outbox WHERE server = ? AND username = ? AND cid = ?`).run(server, me, cid);
	}

	/** What `me` queued on `server` and the server never acknowledged, oldest first. */
	unsent(server: string, me: string): UnsentSend[] {
		const rows = this.db
			.prepare(`SELECT cid, conversation, text, file, queued_at FROM outbox WHERE server = ? AND username = ? ORDER BY rowid`)
			.all(server, me) as UnsentRow[];
		return rows.map((row) => ({
			fields: { to: peerOfKey(row.conversation), text: row.text, cid: row.cid, ...(row.file !== null && { file: row.file }) },
			queuedAt: row.queued_at,
		}));
	}

	/** A value kept for the next start under `name` (see the `kept` table); an empty value forgets it. */
	keep(server: string, me: string, name: string, value: string): void {
		// A draft's timer may fire after the window closed the database on its way out; the quit kept it already.
		if (!this.db.open) return;
		if (value === '') {
			this.db.prepare(`DELETE FROM kept WHERE server = ? AND username = ? AND name = ?`).run(server, me, name);
			return;
		}
		this.db
			.prepare(`INSERT INTO kept (server, username, name, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`)
			.run(server, me, name, value);
	}

	kept(server: string, me: string, name: string): string | undefined {
		const row = this.db.prepare(`SELECT value FROM kept WHERE server = ? AND username = ? AND name = ?`).get(server, me, name) as
			| { value: string }
			| undefined;
		return row?.value;
	}

	/** Every kept value whose name starts with `prefix`, by name. */
	keptWith(server: string, me: string, prefix: string): Map<string, string> {
		const rows = this.db
			.prepare(`SELECT name, value FROM kept WHERE server = ? AND username = ? AND substr(name, 1, ?) = ?`)
			.all(server, me, prefix.length, prefix) as Array<{ name: string; value: string }>;
		return new Map(rows.map((row) => [row.name, row.value]));
	}

	close(): void {
		if (this.db.open) this.db.close();
	}
}
