import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MIN_PASSWORD_CHARS, MAX_FRAME_BYTES } from '../source/protocol/index.js';
import type { ScryptCost } from './auth/passwords.js';

/**
 * How a server behaves, and every limit it enforces. Each has a default in
 * DEFAULT_SETTINGS, chosen so one hostile peer cannot starve the others, and
 * each can be changed with a `chat-tui serve` flag. docs/SECURITY.md lists them.
 */
export interface ServerSettings {
	motd: string;
	/** How long a login token lasts, in days; 0 means until logout. */
	tokenTtlDays: number;
	/** Largest frame accepted; a bigger one closes the connection with 1009. */
	maxFrameBytes: number;
	/** Requests a connection may have waiting before it gets RATE_LIMITED. */
	maxQueuedRequests: number;
	/** Token bucket per connection: requests per second, sustained. */
	rateLimitPerSecond: number;
	/** Token bucket per connection: requests allowed in a burst. */
	rateLimitBurst: number;
	/** Refused requests in a row after which the connection is closed with 1008. */
	rateLimitStrikes: number;
	/** Failed logins for one username before each further attempt must wait. */
	loginFreeFailures: number;
	/** Failed logins from one address before each further attempt must wait. */
	loginFreeFailuresPerAddress: number;
	/** The first wait after the free failures; it doubles with each further failure. */
	loginBaseDelayMs: number;
	loginMaxDelayMs: number;
	/** A connection whose unsent data passes this (it does not read) is closed with 1013. */
	maxBufferedBytes: number;
	maxConnections: number;
	maxConnectionsPerAddress: number;
	/** Ping every this often; a peer that has not answered the previous ping is cut off. 0 turns heartbeats off. */
	heartbeatIntervalMs: number;
	/**
	 * Cluster mode: how long an instance's heartbeat key in Redis lives (it is
	 * refreshed every third of that). An instance silent this long is dead.
	 */
	presenceTtlMs: number;
	/**
	 * Cluster mode: how often each instance looks for dead ones. Users of an
	 * instance killed without warning turn offline for everyone within
	 * presenceTtlMs + presenceCheckMs of its last heartbeat.
	 */
	presenceCheckMs: number;
	/**
	 * Behind a reverse proxy (nginx): take the client's address from the last
	 * X-Forwarded-For entry, so per-address limits apply per client rather than
	 * to the proxy. Only with a proxy that sets it; otherwise clients could pick their address.
	 */
	trustProxy: boolean;
	/** files: the largest file `files.upload` accepts (TOO_LARGE past it); a PUT is cut off at it too. */
	maxFileBytes: number;
	/**
	 * scrypt cost for new password hashes (DEFAULT_PASSWORD_COST when unset);
	 * a login with a hash of another cost stores it again at this one.
	 */
	passwordCost?: ScryptCost | undefined;
	/** Shortest password `register` and `account.password` accept, in characters (see server/auth/password-rule.ts). */
	minPasswordLength: number;
}

export const DEFAULT_SETTINGS: ServerSettings = {
	motd: 'Welcome to chat-tui.',
	tokenTtlDays: 90,
	maxFrameBytes: MAX_FRAME_BYTES,
	maxQueuedRequests: 100,
	rateLimitPerSecond: 20,
	rateLimitBurst: 40,
	rateLimitStrikes: 40,
	loginFreeFailures: 5,
	loginFreeFailuresPerAddress: 20,
	loginBaseDelayMs: 1000,
	loginMaxDelayMs: 5 * 60 * 1000,
	maxBufferedBytes: 4 * 1024 * 1024,
	maxConnections: 10_000,
	maxConnectionsPerAddress: 50,
	heartbeatIntervalMs: 30_000,
	presenceTtlMs: 15_000,
	presenceCheckMs: 5_000,
	trustProxy: false,
	maxFileBytes: DEFAULT_MAX_FILE_BYTES,
	minPasswordLength: DEFAULT_MIN_PASSWORD_CHARS,
};

/**
 * Login sessions' liveness in the store (sessions.list's `online`). Each
 * instance counts its connections per session up and down; one that dies
 * cannot count its own down, so every instance also marks its live sessions
 * seen every `refreshMs`, and a count whose session was not seen for
 * `staleAfterMs` is not believed. A crashed instance's sessions thus show
 * offline within staleAfterMs.
 */
export const SESSION_SEEN = { refreshMs: 60_000, staleAfterMs: 180_000 } as const;

/** Close codes (RFC 6455) the server uses, by what they mean here. */
export const CLOSE = {
	goingAway: 1001,
	policyViolation: 1008,
	tooBig: 1009,
	/** Service restart: this instance is draining for a restart; reconnect at once (through the proxy, to another). */
	serviceRestart: 1012,
	tryAgainLater: 1013,
	/** The login this connection used was revoked (sessions.revoke, a password change, account deletion). */
	revoked: 4001,
} as const;
