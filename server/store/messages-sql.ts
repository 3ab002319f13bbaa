import type { Message } from '../../source/protocol/index.js';
import { senderDeleted } from './accounts-sql.js';
import { messageFile, MESSAGE_FILE_COLUMNS, MESSAGE_FILE_JOIN, type MessageFileColumns } from './file-bytes.js';

/** A message as both engines read it: one row shape, one set of joins, one mapping to the wire's Message. */

export interface MessageRow extends MessageFileColumns {
	/** A number from SQLite; text from PostgreSQL, which selects its BIGINT ids as text. */
	id: number | string;
	seq: number;
	text: string;
	cid: string;
	ts: string;
	sender: string;
	to_user: string | null;
	to_group: string | null;
	sender_deleted: string | null;
}

/** The columns of a MessageRow; `id` is the engine's expression for the message id as it is to be read. */
export function messageColumns(id: string): string {
	return `
	${id} AS id, m.seq, m.text, m.cid, m.ts, s.username AS sender, s.deleted_at AS sender_deleted,
	tu.username AS to_user, g.name AS to_group` + MESSAGE_FILE_COLUMNS;
}

export const MESSAGE_JOINS = `
	JOIN users s ON s.id = m.sender_id
	LEFT JOIN users tu ON tu.id = m.to_user_id
	LEFT JOIN groups g ON g.id = m.to_group_id` + MESSAGE_FILE_JOIN;

export function toMessage(row: MessageRow): Message {
	return {
		id: String(row.id),
		seq: row.seq,
		from: row.sender,
		to: row.to_group === null ? { user: row.to_user ?? '' } : { group: row.to_group },
		text: row.text,
		ts: row.ts,
		cid: row.cid,
		...messageFile(row),
		...senderDeleted(row.sender_deleted),
	};
}
