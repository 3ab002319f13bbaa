import type { EventFrame } from '../../source/protocol/index.js';

/** An event for every session of some users, wherever those sessions are. */
export interface Delivery {
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
 * Carries deliveries between server instances: in-process for one server,
 * Redis publish/subscribe for a cluster. Every instance, the publishing one
 * included, receives every delivery and hands it to its own sessions.
 */
export interface Bus {
	publish(delivery: Delivery): Promise<void>;
	subscribe(handler: (delivery: Delivery) => void): void;
	close(): Promise<void>;
}
