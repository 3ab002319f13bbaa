import { participationsOf } from './conversations/access.js';
import type { Hub } from './hub.js';
import { messagesSince } from './recovery.js';
import type { Session } from './session.js';
import type { Store } from './store/store.js';

/** What a login sends after its reply: the messages stored for the user while away, then those they may have missed. */

/** Stored messages go out in pages so a long absence does not load everything at once. */
const REPLAY_PAGE = 500;

/** Sends a user's stored messages to the session, in order, forgetting each page once it is written out. */
export async function replayPending(store: Store, session: Session, userId: number): Promise<void> {
	let after = 0;
	for (;;) {
		const page = await store.pendingFor(userId, after, REPLAY_PAGE);
		if (page.length === 0) return;
		const sent = await Promise.all(page.map(({ message }) => session.send({ type: 'message', message })));
		if (!sent.every(Boolean)) return; // the connection went away: keep them for the next login
		after = page.at(-1)!.pendingId;
		await store.clearPending(userId, after);
	}
}

/**
 * In a cluster: messages the user may have missed because the instance they
 * were on died (they were counted online, so nothing was queued for them).
 * Sent after the pending ones; the client drops any it already has, by id.
 */
export async function replayMissed(store: Store, hub: Hub, session: Session, userId: number): Promise<void> {
	const span = await hub.takeMissed(session, userId);
	if (span === undefined) return;
	for (const conversation of await participationsOf(store, userId)) {
		for (const message of await messagesSince(store, userId, conversation, span.from, span.to)) {
			if (!(await session.send({ type: 'message', message }))) {
				// The connection went away: keep the mark for the next login.
				await hub.presence.markMissed(userId, span);
				return;
			}
		}
	}
}
