import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { DEFAULT_MISSED_TTL_MS, MARK_MISSED_LUA, missedKeyPrefix } from '../presence/redis-presence.js';
import { emptyStats, type Bus, type BusStats, type Delivery, type DeliveryHandler } from './bus.js';
import { connectRedis, DEFAULT_REDIS_PREFIX, quit } from './redis-connection.js';

export { connectRedis, DEFAULT_REDIS_PREFIX, quit, redactUrl } from './redis-connection.js';

export interface RedisBusOptions {
	/** redis://[user:password@]host:port[/db] */
	url: string;
	/** Put before every key and channel name, so several clusters (or test runs) can share one Redis. */
	prefix?: string;
	/** This instance's name in the cluster (the presence's): its channel is named after it. */
	instanceId: string;
	/** How often the instance checks that its routes in Redis are all there (rewriting them if not). */
	checkMs?: number;
	/** How long a "may have missed" mark waits for the user's next login (as the presence's). */
	missedTtlMs?: number;
	logger?: Logger;
}

const DEFAULT_CHECK_MS = 5_000;

/**
 * Routes one delivery, in one atomic step: finds the instances holding a
 * session of its users (KEYS[1..n], `route:u:<id>`), publishes it once on
 * each one's channel but this one's (which delivered it itself), and for the
 * users to mark (KEYS[n+1..], their "missed" keys; ARGV[6+j] the index of
 * their route key) of whom no instance received it, marks the message missed.
 * Returns {instances published to, subscribers that got it, users marked}.
 */
const ROUTE_SCRIPT = `${MARK_MISSED_LUA}
local me, channelPrefix, payload, at, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local users = tonumber(ARGV[6])
local holders, order, seen = {}, {}, {}
for i = 1, users do
	local ids = redis.call('HKEYS', KEYS[i])
	holders[i] = ids
	for _, id in ipairs(ids) do
		if id ~= me and not seen[id] then
			seen[id] = true
			table.insert(order, id)
		end
	end
end
local reached, receivers = {}, 0
for _, id in ipairs(order) do
	local got = redis.call('PUBLISH', channelPrefix .. id, payload)
	receivers = receivers + got
	reached[id] = got > 0
end
local marked = 0
for j = users + 1, #KEYS do
	local any = false
	for _, id in ipairs(holders[tonumber(ARGV[6 + j - users])]) do
		if reached[id] then
			any = true
			break
		end
	end
	if not any then
		markMissed(KEYS[j], at, at, ttl)
		marked = marked + 1
	end
end
return {#order, receivers, marked}
`;

/** One session more (ARGV[3] = 1) or fewer (-1) of user ARGV[2] here: its route (KEYS[1]) and this instance's table (KEYS[2]). */
const COUNT_SCRIPT = `
local routed = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
if routed <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
local mine = redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3])
if mine <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
return routed
`;

/** Removes instance ARGV[1] from the route of every user in its table (KEYS[1]), and the table. */
const FORGET_LUA = `
local function forget(table_, id, routePrefix)
	local users = redis.call('HKEYS', table_)
	for _, userId in ipairs(users) do redis.call('HDEL', routePrefix .. userId, id) end
	redis.call('DEL', table_)
	return #users
end
`;

const FORGET_SCRIPT = `${FORGET_LUA}
return forget(KEYS[1], ARGV[1], ARGV[2])
`;

/** Replaces this instance's routes with the ones given (ARGV[3], JSON [[userId, sessions]]), in one step. */
const SYNC_SCRIPT = `${FORGET_LUA}
forget(KEYS[1], ARGV[1], ARGV[2])
for _, entry in ipairs(cjson.decode(ARGV[3])) do
	local userId = tostring(entry[1])
	redis.call('HSET', ARGV[2] .. userId, ARGV[1], entry[2])
	redis.call('HSET', KEYS[1], userId, entry[2])
end
return 1
`;

type Scripted = Redis & {
	chatRoute(numKeys: number, ...args: Array<string | number>): Promise<[number, number, number]>;
	chatCount(numKeys: number, ...args: Array<string | number>): Promise<number>;
	chatForget(numKeys: number, ...args: Array<string | number>): Promise<number>;
	chatSync(numKeys: number, ...args: Array<string | number>): Promise<number>;
};

/**
 * The cluster bus: each instance subscribes to a channel of its own,
 * `<prefix>bus:i:<instanceId>`, and a delivery is published only on the
 * channels of the instances that hold a session of one of its users.
 *
 * - Where users are: `<prefix>route:u:<userId>` (instance → sessions there),
 *   written by each instance for its own sessions (join/leave), with its own
 *   table `<prefix>route:i:<instanceId>` (user → sessions) so its routes can
 *   be dropped at once when it leaves, restarts or is reaped as dead.
 * - Routing is one Lua script per delivery: it reads the routes and
 *   publishes in the same atomic step, so there is no window between "where
 *   is U" and the publish. A session whose `join` has resolved gets every
 *   delivery routed after it; what was routed before was stored before, and
 *   a login reads it from the store: queued for the user if they were
 *   offline, or in the "missed" span the script marks for a user it found no
 *   instance for (a user moving between instances: the old one has left,
 *   the new one not yet joined). The login's join comes before its replay.
 * - This instance's own sessions get a delivery at once, without Redis.
 * - Order: one instance's deliveries go over one connection, and Redis runs
 *   its scripts in that order and delivers each channel's messages in the
 *   order published, so every instance gets one publisher's deliveries (one
 *   sender's, in each conversation) in the order they were published.
 * - Fail-over as before: a delivery routed to an instance that has just died
 *   is lost only to its sessions, which are gone; its users are marked as
 *   having missed what was stored since shortly before its last heartbeat
 *   (Hub.recover), and its routes are forgotten by the instance that reaps it.
 */
export class RedisBus implements Bus {
	readonly channel: string;
	readonly instanceId: string;
	private readonly prefix: string;
	private readonly routePrefix: string;
	private readonly channelPrefix: string;
	private readonly missedPrefix: string;
	private readonly missedTtlMs: number;
	private handler: DeliveryHandler | undefined;
	/** Sessions here per user: what this instance's routes must say. */
	private readonly local = new Map<number, number>();
	private readonly counts = emptyStats();
	private checkTimer: NodeJS.Timeout | undefined;
	private checking: Promise<void> | undefined;
	/** Set when a route could not be written: the next check rewrites them all. */
	private dirty = false;
	private closed = false;

	private constructor(
		private readonly publisher: Scripted,
		private readonly subscriber: Redis,
		options: RedisBusOptions,
		private readonly logger: Logger | undefined,
	) {
		this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
		this.instanceId = options.instanceId;
		this.routePrefix = `${this.prefix}route:u:`;
		this.channelPrefix = `${this.prefix}bus:i:`;
		this.channel = `${this.channelPrefix}${this.instanceId}`;
		this.missedPrefix = missedKeyPrefix(this.prefix);
		this.missedTtlMs = options.missedTtlMs ?? DEFAULT_MISSED_TTL_MS;
		publisher.defineCommand('chatRoute', { lua: ROUTE_SCRIPT });
		publisher.defineCommand('chatCount', { lua: COUNT_SCRIPT });
		publisher.defineCommand('chatForget', { lua: FORGET_SCRIPT });
		publisher.defineCommand('chatSync', { lua: SYNC_SCRIPT });
		subscriber.on('message', (channel: string, payload: string) => {
			if (channel === this.channel) this.receive(payload);
		});
	}

	/** Connects both connections, drops what an earlier instance of this id left, and subscribes. */
	static async connect(options: RedisBusOptions): Promise<RedisBus> {
		const publisher = await connectRedis(options.url, 'chat-tui-bus-pub', options.logger);
		let subscriber: Redis;
		try {
			subscriber = await connectRedis(options.url, 'chat-tui-bus-sub', options.logger);
		} catch (error) {
			publisher.disconnect();
			throw error;
		}
		const bus = new RedisBus(publisher as Scripted, subscriber, options, options.logger);
		try {
			await bus.forget(bus.instanceId);
			// ioredis subscribes again by itself after a reconnect.
			await subscriber.subscribe(bus.channel);
		} catch (error) {
			await bus.close();
			throw error;
		}
		// Redis may have lost the routes while the connection was down (a restart): write them again.
		subscriber.on('ready', () => void bus.sync());
		const checkMs = options.checkMs ?? DEFAULT_CHECK_MS;
		bus.checkTimer = setInterval(() => {
			bus.checking ??= bus.check().finally(() => (bus.checking = undefined));
		}, checkMs);
		bus.checkTimer.unref();
		return bus;
	}

	subscribe(handler: DeliveryHandler): void {
		this.handler = handler;
	}

	/**
	 * Hands the delivery to this instance's sessions, then routes it to the
	 * other instances holding a session of its users; resolves once Redis has
	 * passed it to them.
	 */
	async publish(delivery: Delivery): Promise<void> {
		if (this.closed) throw new Error('the bus is closed');
		this.counts.published++;
		// What goes over the wire is the delivery without its missed-mark instruction, which is done here, in the routing script.
		const missedIfUnreached = 'replayMissed' in delivery ? undefined : delivery.missedIfUnreached;
		const routed: Delivery = 'replayMissed' in delivery ? delivery : { ...delivery, missedIfUnreached: undefined };
		const here = new Set(this.handler?.(routed) ?? []);
		if (routed.userIds.length === 0) return;
		const payload = JSON.stringify(routed);
		const toMark = (missedIfUnreached?.userIds ?? []).filter((id) => !here.has(id));
		const index = new Map(routed.userIds.map((id, at) => [id, at + 1]));
		const marks = toMark.filter((id) => index.has(id));
		const keys = [...routed.userIds.map((id) => `${this.routePrefix}${id}`), ...marks.map((id) => `${this.missedPrefix}${id}`)];
		const args = [
			this.instanceId,
			this.channelPrefix,
			payload,
			Math.round(missedIfUnreached?.at ?? 0),
			this.missedTtlMs,
			routed.userIds.length,
			...marks.map((id) => index.get(id)!),
		];
		this.counts.commands++;
		const bytes = Buffer.byteLength(payload);
		this.counts.bytesOut += bytes;
		const [instances] = await this.publisher.chatRoute(keys.length, ...keys, ...args);
		this.counts.forwarded += instances;
		this.counts.bytesForwarded += instances * bytes;
	}

	join(userId: number): Promise<void> {
		this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
		return this.count(userId, 1);
	}

	leave(userId: number): Promise<void> {
		const count = this.local.get(userId);
		if (count === undefined) return Promise.resolve();
		if (count > 1) this.local.set(userId, count - 1);
		else this.local.delete(userId);
		return this.count(userId, -1);
	}

	async forget(instanceId: string): Promise<void> {
		if (this.closed) return;
		this.counts.commands++;
		await this.publisher.chatForget(1, `${this.prefix}route:i:${instanceId}`, instanceId, this.routePrefix);
	}

	stats(): BusStats {
		return { ...this.counts };
	}

	/** Drops this instance's routes (its sessions are gone) and disconnects. */
	async close(): Promise<void> {
		if (this.closed) return;
		clearInterval(this.checkTimer);
		await this.checking?.catch(() => undefined);
		try {
			await this.forget(this.instanceId);
		} catch (error) {
			this.logger?.warn(`redis bus: could not drop this instance's routes: ${(error as Error).message}`);
		}
		this.closed = true;
		this.handler = undefined;
		await Promise.all([quit(this.subscriber), quit(this.publisher)]);
	}

	// --- internals ---

	private receive(payload: string): void {
		this.counts.received++;
		this.counts.bytesIn += Buffer.byteLength(payload);
		let delivery: Delivery;
		try {
			delivery = JSON.parse(payload) as Delivery;
		} catch {
			this.logger?.warn(`redis bus: dropped a payload that is not JSON on ${this.channel}`);
			return;
		}
		this.handler?.(delivery);
	}

	/**
	 * Writes one session's change of the user's route. Commands on one
	 * connection run in order, so once this resolves every earlier change
	 * has landed too.
	 */
	private async count(userId: number, delta: 1 | -1): Promise<void> {
		if (this.closed) return;
		this.counts.commands++;
		try {
			await this.publisher.chatCount(2, `${this.routePrefix}${userId}`, `${this.prefix}route:i:${this.instanceId}`, this.instanceId, userId, delta);
		} catch (error) {
			this.dirty = true;
			this.logger?.error(`redis bus: could not route user ${userId}; rewriting the routes at the next check`, error);
		}
	}

	/** Rewrites this instance's routes from its sessions, in one step. */
	private async sync(): Promise<void> {
		if (this.closed) return;
		this.dirty = false;
		this.counts.commands++;
		try {
			await this.publisher.chatSync(1, `${this.prefix}route:i:${this.instanceId}`, this.instanceId, this.routePrefix, JSON.stringify([...this.local]));
		} catch (error) {
			this.dirty = true;
			this.logger?.warn(`redis bus: could not rewrite the routes: ${(error as Error).message}`);
		}
	}

	/**
	 * Rewrites the routes if one could not be written, or if Redis does not
	 * hold as many as there are here: this instance was taken for dead while
	 * alive (a pause longer than the presence TTL) and reaped, or Redis lost them.
	 */
	private async check(): Promise<void> {
		if (this.closed) return;
		const expected = this.local.size;
		this.counts.commands++;
		try {
			const held = await this.publisher.hlen(`${this.prefix}route:i:${this.instanceId}`);
			if (this.dirty || held !== expected) await this.sync();
		} catch (error) {
			this.logger?.warn(`redis bus: could not check the routes: ${(error as Error).message}`);
		}
	}
}
