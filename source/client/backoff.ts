/** Reconnect delays: exponential growth with a cap, and jitter so that clients cut off together do not return together. */
export interface BackoffOptions {
	initialMs: number;
	maxMs: number;
	factor: number;
	/** 0 = none; 0.5 = each delay is drawn from [50%, 100%] of the exponential value. */
	jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
	const exponential = Math.min(options.maxMs, options.initialMs * options.factor ** attempt);
	return Math.round(exponential * (1 - options.jitter * random()));
}
