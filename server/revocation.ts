import type { Hub } from './hub.js';

/** The connection asking for a revocation: its login session, and how it runs work after its `ok` reply. */
export interface Asking {
	session: { sessionId: string | undefined };
	afterReply(task: () => Promise<void>): void;
}

/**
 * Ends the live connections of login sessions whose tokens the store has
 * just revoked, on whichever instance holds them: the others at once, the
 * asking connection (if it is among them) only after its `ok` reply.
 */
export async function endRevoked(hub: Hub, asking: Asking, userId: number, sessionIds: string[]): Promise<void> {
	const own = asking.session.sessionId;
	await hub.revokeSessions(userId, sessionIds.filter((id) => id !== own));
	if (own !== undefined && sessionIds.includes(own)) asking.afterReply(() => hub.revokeSessions(userId, [own]));
}
