import path from 'node:path';
import Database from 'better-sqlite3';
import type { Message } from '../protocol/index.js';
import { keyOfMessage, type ConversationKey } from '../client/conversation.js';
import { makePrivateFile } from './private-files.js';
import type { ProfileLocation } from './profile.js';

interface Row {
	message: string;
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

	close(): void {
		if (this.db.open) this.db.close();
	}
}
