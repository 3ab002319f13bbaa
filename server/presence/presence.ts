import type { SessionUser } from '../session.js';

/**
 * Sessions that ended without their instance saying goodbye: the instance
 * died (SIGKILL, a crash, a lost machine) and a survivor reaped it, or it
 * left while sessions were still counted.
 */
export interface LostSessions {
	/** The instance whose sessions these were. */
	instanceId: string;
	/**
	 * When that instance was last known to be working (its last heartbeat,
	 * ms since the epoch, by its own clock). Events meant for its sessions
	 * after this may never have reached them.
	 */
	lastSeen: number;
	/** Every user who had a session there; `offline` when they now have none anywhere. */
	users: Array<SessionUser & { offline: boolean }>;
	/** True for a clean leave (shutdown), false for a reaped dead instance. */
	graceful: boolean;
	/**
	 * Not an instance but the stand-in a drained one left for its moving
	 * users (see RedisPresence.close): its TTL ran out. Users who did not
	 * come back are offline now; its work was done, so nothing is sent again.
	 */
	moved?: boolean;
}

/** A span of time, in ms since the epoch. */
export interface MissedSpan {
	from: number;
	to: number;
}

/** The smallest span holding both (the second alone when there is no first). */
export function widenSpan(known: MissedSpan | undefined, span: MissedSpan): MissedSpan {
	return known ? { from: Math.min(known.from, span.from), to: Math.max(known.to, span.to) } : span;
}

/**
 * Who is online, across every server instance. A user is online while any
 * of their sessions on any instance is. `opened`/`closed` count one session
 * each and say whether it was the first / last one cluster-wide, which is
 * when contacts hear a `presence` event. `isOnline` is synchronous, served
 * from a view each instance keeps current, so handlers can decide at once
 * whether a message must wait for a recipient's next login.
 */
export interface Presence {
	/** Gets the view ready (and, for a cluster, joins it); called once before serving. */
	start(): Promise<void>;
	/** Counts a session of the user; true when it is their first anywhere. */
	opened(user: SessionUser): Promise<boolean>;
	/** Forgets a session of the user; true when it was their last anywhere. */
	closed(user: SessionUser): Promise<boolean>;
	isOnline(userId: number): boolean;
	/**
	 * Called, on exactly one instance, for sessions that ended without a
	 * `closed`: the contacts of users now offline must hear of it, and events
	 * that may not have reached those sessions must go out again.
	 */
	onLost(handler: (lost: LostSessions) => Promise<void>): void;
	/**
	 * Remembers that the user may have missed messages stored between `from`
	 * and `to` (ms since the epoch), for their next login; several marks merge
	 * into one span.
	 */
	markMissed(userId: number, span: MissedSpan): Promise<void>;
	/** Takes (and forgets) the span in which the user may have missed messages, if any. */
	takeMissed(userId: number): Promise<MissedSpan | undefined>;
	/**
	 * Leaves: this instance's sessions stop counting. Further calls are no-ops.
	 * With `moving` (a drain for a restart) the sessions still counted here
	 * belong to users reconnecting elsewhere: they keep counting for a grace
	 * period, so contacts see no offline-then-online, and only those who have
	 * not come back by its end turn offline.
	 */
	close(options?: { moving?: boolean }): Promise<void>;
}
