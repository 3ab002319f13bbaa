import type { EventFrame } from '../../source/protocol/index.js';

/** What the bus carries: an event for some users' sessions, or a request that they replay what they missed. */
export type Delivery = EventDelivery | ReplayRequest;

/** An event for every session of some users, wherever those sessions are. */
export interface EventDelivery {
	userIds: number[];
	event: EventFrame;
	/** The session that caused it, which already has its answer in the `ok` reply. */
	exceptSession?: string | undefined;
	/**
	 * For a message: the recipients it was queued for (offline when it was
	 * stored), so an instance can tell who may have missed it.
	 */
	queued?: number[] | undefined;
	/**
	 * Login sessions (store session ids) of `userIds` whose tokens were
	 * revoked: only their connections get `event` (session.revoked), and each
	 * is then closed with 4001. The user's other connections get nothing.
	 */
	revokeSessions?: string[] | undefined;
}

/**
 * A connection of these login sessions (store session ids) was cut, and what
 * it may have missed is now noted for the user. A connection of the same
 * login session that has already replayed what was noted (a quick reconnect,
 * perhaps to another instance, that logged in before the cut one was
 * detached) replays it now; one that has not yet will at its login.
 */
export interface ReplayRequest {
	userIds: number[];
	replayMissed: string[];
}

/**
 * Carries deliveries between server instances: in-process for one server,
 * Redis publish/subscribe for a cluster. Every instance, the publishing one
 * included, receives every delivery and hands it to its own sessions.
 */
export interface Bus {
	publish(delivery: Delivery): Promise<void>;
	subscribe(handler: (delivery: Delivery) => void): void;
	close(): Promise<void>;
}
