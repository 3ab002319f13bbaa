import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Bus, Delivery } from './bus.js';

export const DEFAULT_REDIS_PREFIX = 'chat-tui:';

export interface RedisBusOptions {
	/** redis://[user:password@]host:port[/db] */
	url: string;
	/** Put before every channel name, so several clusters (or test runs) can share one Redis. */
	prefix?: string;
	logger?: Logger;
}

/** Opens a Redis connection and waits until it is usable; fails (instead of retrying forever) if it never is. */
export async function connectRedis(url: string, name: string, logger?: Logger): Promise<Redis> {
	const redis = new Redis(url, {
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

/**
 * The cluster bus: Redis publish/subscribe on one channel, `<prefix>bus`,
 * with one connection publishing and one subscribed. Every instance, the
 * publisher included, gets every delivery as JSON and hands it to its own
 * sessions. Redis delivers one connection's publishes in order, so one
 * instance's deliveries arrive everywhere in the order it published them.
 */
export class RedisBus implements Bus {
	readonly channel: string;
	private readonly handlers: Array<(delivery: Delivery) => void> = [];
	private closed = false;

	private constructor(
		private readonly publisher: Redis,
		private readonly subscriber: Redis,
		prefix: string,
		private readonly logger: Logger | undefined,
	) {
		this.channel = `${prefix}bus`;
		subscriber.on('message', (channel: string, payload: string) => {
			if (channel !== this.channel) return;
			let delivery: Delivery;
			try {
				delivery = JSON.parse(payload) as Delivery;
			} catch {
				this.logger?.warn(`redis bus: dropped a payload that is not JSON on ${channel}`);
				return;
			}
			for (const handler of this.handlers) handler(delivery);
		});
	}

	/** Connects both connections and subscribes; resolves once deliveries will arrive. */
	static async connect(options: RedisBusOptions): Promise<RedisBus> {
		const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
		const publisher = await connectRedis(options.url, 'chat-tui-bus-pub', options.logger);
		let subscriber: Redis;
		try {
			subscriber = await connectRedis(options.url, 'chat-tui-bus-sub', options.logger);
		} catch (error) {
			publisher.disconnect();
			throw error;
		}
		const bus = new RedisBus(publisher, subscriber, prefix, options.logger);
		// ioredis subscribes again by itself after a reconnect.
		await subscriber.subscribe(bus.channel);
		return bus;
	}

	/** Resolves once Redis has accepted the delivery (and so has passed it to every subscribed instance). */
	async publish(delivery: Delivery): Promise<void> {
		if (this.closed) throw new Error('the bus is closed');
		await this.publisher.publish(this.channel, JSON.stringify(delivery));
	}

	subscribe(handler: (delivery: Delivery) => void): void {
		this.handlers.push(handler);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.handlers.length = 0;
		await Promise.all([quit(this.subscriber), quit(this.publisher)]);
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
