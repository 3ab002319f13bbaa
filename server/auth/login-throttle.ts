/**
 * Slows password guessing: after a few free failures for one username, or
 * more from one address, each further attempt must wait, twice as long each
 * time. It keys by the name asked for, whether or not it exists, so its
 * answers reveal nothing about which names are registered.
 */
export interface LoginThrottleOptions {
	freeFailures: number;
	freeFailuresPerAddress: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

interface Failures {
	count: number;
	/** Until when the next attempt must wait (ms since the epoch). */
	blockedUntil: number;
}

/** Entries idle longer than this are forgotten, so the maps cannot grow without bound. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

export class LoginThrottle {
	private readonly byName = new Map<string, Failures & { at: number }>();
	private readonly byAddress = new Map<string, Failures & { at: number }>();

	constructor(
		private readonly options: LoginThrottleOptions,
		private readonly now: () => number = Date.now,
	) {}

	/** Milliseconds until a login for this name from this address may be tried; 0 when it may now. */
	waitFor(username: string | undefined, address: string): number {
		const now = this.now();
		const blocked = Math.max(
			username === undefined ? 0 : (this.byName.get(username.toLowerCase())?.blockedUntil ?? 0),
			this.byAddress.get(address)?.blockedUntil ?? 0,
		);
		return Math.max(0, blocked - now);
	}

	failed(username: string | undefined, address: string): void {
		const now = this.now();
		this.prune(now);
		if (username !== undefined) this.record(this.byName, username.toLowerCase(), this.options.freeFailures, now);
		this.record(this.byAddress, address, this.options.freeFailuresPerAddress, now);
	}

	/** A correct password clears the name's failures (the address keeps its record). */
	succeeded(username: string): void {
		this.byName.delete(username.toLowerCase());
	}

	private record(map: Map<string, Failures & { at: number }>, key: string, free: number, now: number): void {
		const entry = map.get(key) ?? { count: 0, blockedUntil: 0, at: now };
		entry.count += 1;
		entry.at = now;
		// After the last free failure, each further attempt waits: base, then twice as long each time.
		const over = entry.count - free + 1;
		if (over > 0) entry.blockedUntil = now + Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (over - 1));
		map.set(key, entry);
	}

	private prune(now: number): void {
		for (const map of [this.byName, this.byAddress]) {
			if (map.size < 10_000) continue;
			for (const [key, entry] of map) if (now - entry.at > FORGET_AFTER_MS) map.delete(key);
		}
	}
}
