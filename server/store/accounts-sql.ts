import { randomBytes } from 'node:crypto';
import type { SessionRecord } from './store.js';

/**
 * What both engines share about accounts and login sessions: how a session
 * id is made, how a session row reads, and how a deleted sender shows.
 */

/** A session id names a login to its owner only; it is no secret (the token is), just unguessable enough not to collide. */
export function newSessionId(): string {
	return randomBytes(12).toString('hex');
}

/** A tokens row as both engines select it for sessionsOf. */
export interface SessionRow {
	id: string;
	device: string;
	created_at: string;
	last_seen: string | null;
	connected: number;
}

export const SESSION_COLUMNS = `id, device, created_at, last_seen, connected`;

export function toSessionRecord(row: SessionRow): SessionRecord {
	return {
		id: row.id,
		device: row.device,
		createdAt: row.created_at,
		// A session that never connected since it logged in was last seen then.
		lastSeen: row.last_seen ?? row.created_at,
		connected: row.connected > 0,
	};
}

/** A message row's sender_deleted (users.deleted_at) as the Message field: present only when set. */
export function senderDeleted(deletedAt: string | null): { senderDeleted?: true } {
	return deletedAt === null ? {} : { senderDeleted: true };
}
