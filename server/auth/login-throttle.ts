import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiters, type LimiterStore } from './limiter-store.js';

/**
 * Slows password guessing: after a few free failures for one username, or
 * more from one address, each further attempt must wait, twice as long each
 * time. It keys by the name asked for, whether or not it exists, so its
 * answers reveal nothing about which names are registered.
 *
 * The counts live in a LimiterStore: in a cluster that is Redis, so a guesser
 * gets the same free failures through any number of instances, and a restart
 * forgets nothing.
 */
export interface LoginThrottleOptions {
	freeFailures: number;
	freeFailuresPerAddress: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

/** Failures are forgotten this long after the first of them, so the stores cannot grow without bound. */
const FORGET_AFTER_SEC = 60 * 60;

/** The wait after a failure: none for the free ones, then base, then twice as long each time, up to max. */
export function delayAfter(failures: number, free: number, options: LoginThrottleOptions): number {
	const over = failures - free + 1;
	return over > 0 ? Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (over - 1)) : 0;
}

/** One kind of key (names, or addresses): how often each has failed, and until when it must wait. */
class Tally {
	private readonly failures: RateLimiterAbstract;
	/** Its value is the time (ms since the epoch) until which the key waits; it expires soon after. */
	private readonly blocked: RateLimiterAbstract;

	constructor(
		store: LimiterStore,
		kind: string,
		private readonly free: number,
		private readonly options: LoginThrottleOptions,
	) {
		this.failures = store(`login-failures:${kind}`, FORGET_AFTER_SEC);
		this.blocked = store(`login-blocked:${kind}`, FORGET_AFTER_SEC);
	}

	async blockedUntil(key: string): Promise<number> {
		return (await this.blocked.get(key))?.consumedPoints ?? 0;
	}

	async failed(key: string, now: number): Promise<void> {
		// One atomic increment in the store, so failures through several instances at once all count.
		const { consumedPoints } = await this.failures.penalty(key);
		const delay = delayAfter(consumedPoints, this.free, this.options);
		if (delay > 0) await this.blocked.set(key, Math.ceil(now + delay), Math.ceil(delay / 1000));
	}

	async forget(key: string): Promise<void> {
		await Promise.all([this.failures.delete(key), this.blocked.delete(key)]);
	}
}

export class LoginThrottle {
	private readonly byName: Tally;
	private readonly byAddress: Tally;

	constructor(
		options: LoginThrottleOptions,
		store: LimiterStore = memoryLimiters,
		private readonly now: () => number = Date.now,
	) {
		this.byName = new Tally(store, 'name', options.freeFailures, options);
		this.byAddress = new Tally(store, 'address', options.freeFailuresPerAddress, options);
	}

	/** Milliseconds until a login for this name from this address may be tried; 0 when it may now. */
	async waitFor(username: string | undefined, address: string): Promise<number> {
		const [name, from] = await Promise.all([
			username === undefined ? 0 : this.byName.blockedUntil(username.toLowerCase()),
			this.byAddress.blockedUntil(address),
		]);
		return Math.max(0, Math.max(name, from) - this.now());
	}

	async failed(username: string | undefined, address: string): Promise<void> {
		const now = this.now();
		await Promise.all([
			username === undefined ? undefined : this.byName.failed(username.toLowerCase(), now),
			this.byAddress.failed(address, now),
		]);
	}

	/** A correct password clears the name's failures (the address keeps its record). */
	async succeeded(username: string): Promise<void> {
		await this.byName.forget(username.toLowerCase());
	}
}
