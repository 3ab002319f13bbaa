import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Where limits keep their counts, chosen once at start-up: this process's
 * memory on a single server, Redis in a cluster so that every instance (and
 * the next start of each) sees the same counts. `name` tells one count apart
 * from another; `durationSec` is how long a count lives after its first step.
 */
export type LimiterStore = (name: string, durationSec: number) => RateLimiterAbstract;

/** `points` is not used: the throttle reads the counts itself rather than letting the library refuse. */
const UNUSED_POINTS = 1;

export const memoryLimiters: LimiterStore = (name, durationSec) =>
	new RateLimiterMemory({ keyPrefix: name, points: UNUSED_POINTS, duration: durationSec });

/**
 * Counts in Redis under `<prefix><name>:`. While Redis cannot answer, each
 * instance falls back to its own memory (the library's insurance limiter):
 * logins keep working and are still limited, per instance, rather than all
 * refused (fail closed) or all let through (fail open). Counts made meanwhile
 * are not copied to Redis afterwards.
 */
export function redisLimiters(redis: Redis, prefix: string): LimiterStore {
	return (name, durationSec) =>
		new RateLimiterRedis({
			storeClient: redis,
			keyPrefix: `${prefix}${name}`,
			points: UNUSED_POINTS,
			duration: durationSec,
			// Not connected: go to the insurance at once instead of waiting through ioredis's retries.
			rejectIfRedisNotReady: true,
			insuranceLimiter: memoryLimiters(name, durationSec),
		});
}
