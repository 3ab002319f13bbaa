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
	/**
	 * For a message counted delivered live to these users (not queued): if no
	 * session of theirs anywhere gets it, the bus notes that they missed it
	 * at `at` (ms), in the same step as it routes it, so their next login,
	 * wherever it lands, replays it (see Presence.markMissed).
	 */
	missedIfUnreached?: { userIds: number[]; at: number } | undefined;
}

/** What a bus has carried so far, for tests and the benchmark (all counts since it started). */
export interface BusStats {
	/** Deliveries published by this instance. */
	published: number;
	/** Redis commands sent (routing, session bookkeeping, checks); 0 for the local bus. */
	commands: number;
	/** Bytes of deliveries sent to Redis (the payloads of the routing commands). */
	bytesOut: number;
	/** Copies of deliveries Redis handed to other instances on this one's behalf (one per instance reached). */
	forwarded: number;
	/** Bytes Redis sent to other instances for this one's deliveries. */
	bytesForwarded: number;
	/** Deliveries this instance received from other instances. */
	received: number;
	/** Bytes of deliveries this instance received from other instances. */
	bytesIn: number;
}

/** Hands a delivery to this instance's sessions; returns the users of it that had a session here. */
export type DeliveryHandler = (delivery: Delivery) => number[];

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
 * Redis for a cluster. A delivery goes to this instance's handler at once
 * and, in a cluster, to the other instances holding a session of one of its
 * users (and only to those), which hand it to their own sessions. The bus
 * therefore learns which users have sessions here (`join`/`leave`, once per
 * session), before a login's replay and as a session ends.
 */
export interface Bus {
	publish(delivery: Delivery): Promise<void>;
	/** The one handler for this instance's sessions. */
	subscribe(handler: DeliveryHandler): void;
	/** This instance now holds one more session of the user; resolves once deliveries for them are routed here. */
	join(userId: number): Promise<void>;
	/** This instance holds one session fewer of the user. */
	leave(userId: number): Promise<void>;
	/** Drops the routes of an instance that died (its sessions are gone). */
	forget(instanceId: string): Promise<void>;
	stats(): BusStats;
	close(): Promise<void>;
}

export function emptyStats(): BusStats {
	return { published: 0, commands: 0, bytesOut: 0, forwarded: 0, bytesForwarded: 0, received: 0, bytesIn: 0 };
}
