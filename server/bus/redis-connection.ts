import type { Redis } from 'ioredis';
import { loadClusterModule } from '../cluster-packages.js';
import type { Logger } from '../logger.js';

export const DEFAULT_REDIS_PREFIX = 'chat-tui:';

/** Opens a Redis connection and waits until it is usable; fails (instead of retrying forever) if it never is. */
export async function connectRedis(url: string, name: string, logger?: Logger): Promise<Redis> {
	const ioredis = await loadClusterModule(() => import('ioredis'));
	const redis = new ioredis.Redis(url, {
		lazyConnect: true,
		connectionName: name,
		// A command waits through a few reconnect attempts, then fails rather than hanging a request.
		maxRetriesPerRequest: 5,
	});
	let lastError: string | undefined;
	redis.on('error', (error: Error) => {
		// ioredis reconnects on its own; say it once per distinct problem.
		if (error.message !== lastError) logger?.warn(`redis (${name}): ${error.message}`);
		lastError = error.message;
	});
	redis.on('ready', () => (lastError = undefined));
	try {
		await redis.connect();
	} catch (error) {
		redis.disconnect();
		throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}`);
	}
	return redis;
}

/** The URL without a password, for messages. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return '(unparsable URL)';
	}
}

/** QUIT, or a plain disconnect when Redis is not answering. */
export async function quit(redis: Redis): Promise<void> {
	try {
		await Promise.race([
			redis.quit(),
			new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
		]);
	} catch {
		redis.disconnect();
	}
}
