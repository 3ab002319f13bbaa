import { ProtocolError, type SessionInfo } from '../../source/protocol/index.js';
import { SESSION_SEEN } from '../settings.js';
import type { SessionRecord } from '../store/store.js';
import { endRevoked } from '../revocation.js';
import { me, type Handlers } from './context.js';

/**
 * Whether a session has a live connection: one here we know of, or one
 * another instance counted and has marked seen lately (a count left by an
 * instance that died stops being believed after SESSION_SEEN.staleAfterMs).
 */
function isOnline(record: SessionRecord, local: Set<string>, now: number): boolean {
	return local.has(record.id) || (record.connected && now - Date.parse(record.lastSeen) < SESSION_SEEN.staleAfterMs);
}

function sessionView(record: SessionRecord, current: string | undefined, local: Set<string>, now: number): SessionInfo {
	const online = isOnline(record, local, now);
	return {
		id: record.id,
		device: record.device,
		created: record.createdAt,
		lastSeen: online ? new Date(now).toISOString() : record.lastSeen,
		current: record.id === current,
		online,
	};
}

export const sessionHandlers: Handlers<'sessions.list' | 'sessions.revoke'> = {
	async 'sessions.list'(context) {
		const self = me(context);
		const now = Date.now();
		const records = await context.store.sessionsOf(self.id, new Date(now).toISOString());
		const local = context.hub.localSessionIds(self.id);
		return { sessions: records.map((record) => sessionView(record, context.session.sessionId, local, now)) };
	},

	async 'sessions.revoke'(context, request) {
		const self = me(context);
		// `all` spares the asking session: revoking it too is asking for it by id.
		const which = 'all' in request ? { allExcept: context.session.sessionId } : { sessionId: request.session };
		const revoked = await context.store.revokeSessions(self.id, which);
		if ('session' in request && revoked.length === 0) {
			throw new ProtocolError('NOT_FOUND', `you have no session "${request.session}"`);
		}
		await endRevoked(context.hub, context, self.id, revoked);
		return {};
	},
};
