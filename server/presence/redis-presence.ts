import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, DEFAULT_REDIS_PREFIX, quit } from '../bus/redis-connection.js';
import { silentLogger, type Logger } from '../logger.js';
import type { SessionUser } from '../session.js';
import type { LostSessions, MissedSpan, Presence } from './presence.js';

export interface RedisPresenceOptions {
	url: string;
	/** Put before every key and channel name (default `chat-tui:`). */
	prefix?: string;
	/** This instance's name in the cluster; unique among the running instances. */
	instanceId?: string;
	/**
	 * How long this instance's heartbeat key lives; it is refreshed every
	 * third of that. An instance silent this long is taken for dead.
	 */
	ttlMs?: number;
	/** How often this instance looks for instances whose heartbeat has expired. */
	checkMs?: number;
	/** How long a "may have missed messages since" mark waits for the user's next login. */
	missedTtlMs?: number;
	logger?: Logger;
}

export const DEFAULT_PRESENCE_TTL_MS = 15_000;
export const DEFAULT_PRESENCE_CHECK_MS = 5_000;
export const DEFAULT_MISSED_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** `host-pid-random`: unique enough that two instances never share one by accident. */
export function defaultInstanceId(): string {
	return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** A change of who is online, as broadcast on `<prefix>presence`: seq is global and has no gaps. */
interface PresenceEvent {
	seq: number;
	/** [userId, online] */
	changes: Array<[number, boolean]>;
}

// Every script is one atomic step in Redis; each that turns users on- or
// offline cluster-wide takes the next seq and publishes the change in that
// same step, so the channel carries changes in exactly the order they happened.

/** Counts one session (delta 1) or forgets one (delta -1). Returns {-1} when this instance is not a member (it was reaped). */
const COUNT_SCRIPT = `
local instances, mine, online, names, seqKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local me, userId, username, channel, delta = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if redis.call('ZSCORE', instances, me) == false then return {-1, 0} end
local count = redis.call('HINCRBY', mine, userId, delta)
if count < 0 then
	redis.call('HDEL', mine, userId)
	return {0, 0}
end
if count == 0 then redis.call('HDEL', mine, userId) end
if delta > 0 then redis.call('HSET', names, userId, username) end
local total = redis.call('HINCRBY', online, userId, delta)
if total <= 0 then redis.call('HDEL', online, userId) end
if (delta > 0 and total == 1) or (delta < 0 and total <= 0) then
	local seq = redis.call('INCR', seqKey)
	redis.call('PUBLISH', channel, cjson.encode({seq = seq, changes = {{tonumber(userId), delta > 0}}}))
	return {1, seq}
end
return {0, 0}
`;

/**
 * (Re)joins: heartbeat set, membership recorded, and this instance's counts
 * replaced by the ones given (JSON [[userId, count, username]]), totals adjusted.
 */
const SYNC_SCRIPT = `
local instances, mine, online, names, seqKey, alive = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local me, now, ttl, channel, wanted = ARGV[1], ARGV[2], ARGV[3], ARGV[4], cjson.decode(ARGV[5])
redis.call('SET', alive, now, 'PX', ttl)
redis.call('ZADD', instances, now, me)
local deltas = {}
local old = redis.call('HGETALL', mine)
for i = 1, #old, 2 do deltas[old[i]] = -tonumber(old[i + 1]) end
redis.call('DEL', mine)
for _, entry in ipairs(wanted) do
	local id = tostring(entry[1])
	deltas[id] = (deltas[id] or 0) + entry[2]
	redis.call('HSET', mine, id, entry[2])
	redis.call('HSET', names, id, entry[3])
end
local changes = {}
for id, delta in pairs(deltas) do
	if delta ~= 0 then
		local total = redis.call('HINCRBY', online, id, delta)
		if total <= 0 then redis.call('HDEL', online, id) end
		if delta > 0 and total == delta then table.insert(changes, {tonumber(id), true}) end
		if delta < 0 and total <= 0 then table.insert(changes, {tonumber(id), false}) end
	end
end
local seq = 0
if #changes > 0 then
	seq = redis.call('INCR', seqKey)
	redis.call('PUBLISH', channel, cjson.encode({seq = seq, changes = changes}))
end
return cjson.encode({seq = seq, changes = changes})
`;

/**
 * Removes an instance and its sessions, unless its heartbeat still lives
 * (ARGV[3] = '1' forces it: a clean leave, or a restart under the same id).
 * Only the caller that removes the membership gets an answer, so exactly one
 * instance handles a dead one; the others get nil.
 */
const REAP_SCRIPT = `
local instances, theirs, online, names, seqKey, alive = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id, channel, force = ARGV[1], ARGV[2], ARGV[3] == '1'
if not force and redis.call('EXISTS', alive) == 1 then return false end
local lastSeen = redis.call('ZSCORE', instances, id)
if lastSeen == false and not force then return false end
redis.call('ZREM', instances, id)
redis.call('DEL', alive)
local old = redis.call('HGETALL', theirs)
redis.call('DEL', theirs)
local users, changes = {}, {}
for i = 1, #old, 2 do
	local userId = old[i]
	local total = redis.call('HINCRBY', online, userId, -tonumber(old[i + 1]))
	local offline = total <= 0
	if offline then
		redis.call('HDEL', online, userId)
		table.insert(changes, {tonumber(userId), false})
	end
	table.insert(users, {tonumber(userId), redis.call('HGET', names, userId) or '', offline})
end
local seq = 0
if #changes > 0 then
	seq = redis.call('INCR', seqKey)
	redis.call('PUBLISH', channel, cjson.encode({seq = seq, changes = changes}))
end
return cjson.encode({lastSeen = tonumber(lastSeen or '0'), seq = seq, users = users, changes = changes})
`;

/**
 * Leaves for a restart: this instance's counts go, unchanged, to a stand-in
 * member (KEYS[4], ARGV[2]) whose heartbeat key (KEYS[5]) is set once and
 * left to expire; totals and presence stay as they are. Nothing when this
 * instance is no longer a member (it was reaped: its counts are gone).
 */
const HAND_OVER_SCRIPT = `
local instances, mine, alive, theirs, theirAlive = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local me, standIn, now, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('ZSCORE', instances, me) == false then return 0 end
redis.call('ZREM', instances, me)
redis.call('DEL', alive)
if redis.call('EXISTS', mine) == 0 then return 0 end
redis.call('RENAME', mine, theirs)
redis.call('ZADD', instances, now, standIn)
redis.call('SET', theirAlive, now, 'PX', ttl)
return redis.call('HLEN', theirs)
`;

/** A drained instance's stand-in for its moving users is named `<instance>~moving~<random>`. */
const STAND_IN = /~moving~[0-9a-f]+$/;

/** Refreshes the heartbeat; 0 when this instance is no longer a member (it was reaped while alive). */
const HEARTBEAT_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

/** Who is online now, and the seq of the last change that view includes. */
const SNAPSHOT_SCRIPT = `
return {tonumber(redis.call('GET', KEYS[2]) or '0'), redis.call('HKEYS', KEYS[1])}
`;

/**
 * Widens the user's "may have missed" span (from and to, ms) to take in the
 * new one. A Lua function, so the bus's routing script (which notes who a
 * message reached no session of) marks spans the same way.
 */
export const MARK_MISSED_LUA = `
local function markMissed(key, from, to, ttl)
	local current = redis.call('HMGET', key, 'from', 'to')
	if current[1] and tonumber(current[1]) < from then from = tonumber(current[1]) end
	if current[2] and tonumber(current[2]) > to then to = tonumber(current[2]) end
	redis.call('HSET', key, 'from', from, 'to', to)
	redis.call('PEXPIRE', key, ttl)
end
`;

const MARK_MISSED_SCRIPT = `${MARK_MISSED_LUA}
markMissed(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
return 1
`;

/** Where a user's "may have missed" span is kept: this followed by the user id. */
export function missedKeyPrefix(prefix: string): string {
	return `${prefix}presence:missed:`;
}

/** Takes the span and forgets it. */
const TAKE_MISSED_SCRIPT = `
local span = redis.call('HMGET', KEYS[1], 'from', 'to')
redis.call('DEL', KEYS[1])
return span
`;

/** cjson writes an empty Lua table as {}, not []. */
function list<T>(value: unknown): T[] {
	return Array.isArray(value) ? (value as T[]) : [];
}

/**
 * Cluster-wide presence in Redis.
 *
 * - Each instance keeps its session counts in a hash of its own
 *   (`presence:sessions:<id>`, user → sessions there), and the cluster's
 *   totals in `presence:online` (user → sessions anywhere); a Lua script
 *   changes both at once, so "first session anywhere" and "last one" are
 *   decided atomically.
 * - Each instance holds a heartbeat key (`presence:alive:<id>`) with a TTL,
 *   refreshed every ttl/3, and is listed in `presence:instances` with the
 *   time of its last heartbeat.
 * - Every change of who is online is published on `<prefix>presence` with a
 *   gap-free seq; every instance applies them to its own view (isOnline is
 *   synchronous), starting from a snapshot, and takes a new snapshot after a
 *   gap or a reconnect.
 * - Every checkMs each instance looks for members whose heartbeat key has
 *   expired and reaps them with one script; only the instance whose script
 *   removed the membership gets the dead instance's users back, and it alone
 *   tells their contacts and sends again what they may have missed. So the
 *   users of an instance killed without warning are offline for everyone
 *   within ttlMs + checkMs of its last heartbeat.
 */
export class RedisPresence implements Presence {
	readonly instanceId: string;
	readonly ttlMs: number;
	readonly checkMs: number;
	private readonly prefix: string;
	private readonly channel: string;
	private readonly missedTtlMs: number;
	private readonly missedPrefix: string;
	private readonly logger: Logger;

	/** Sessions on this instance, by user: what the cluster's counts for it must say. */
	private readonly local = new Map<number, { count: number; username: string }>();
	private online = new Set<number>();
	/** The seq of the last change applied per user, so an older one arriving late changes nothing. */
	private readonly userSeq = new Map<number, number>();
	/** Changes up to this seq are in the view already (the last snapshot's). */
	private floor = 0;
	/** The highest seq seen on the channel, to notice a gap. */
	private streamSeq = 0;
	private buffered: PresenceEvent[] | undefined;
	private resyncing: Promise<void> | undefined;
	private handlers: Array<(lost: LostSessions) => Promise<void>> = [];
	private heartbeatTimer: NodeJS.Timeout | undefined;
	private checkTimer: NodeJS.Timeout | undefined;
	private checking: Promise<void> | undefined;
	/** Set when a count could not be written: the next heartbeat rewrites them all. */
	private dirty = false;
	private started = false;
	private leaving = false;

	private constructor(
		private readonly redis: Redis,
		private readonly subscriber: Redis,
		options: RedisPresenceOptions,
	) {
		this.prefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}presence:`;
		this.channel = `${options.prefix ?? DEFAULT_REDIS_PREFIX}presence`;
		this.instanceId = options.instanceId ?? defaultInstanceId();
		this.ttlMs = options.ttlMs ?? DEFAULT_PRESENCE_TTL_MS;
		this.checkMs = options.checkMs ?? DEFAULT_PRESENCE_CHECK_MS;
		this.missedTtlMs = options.missedTtlMs ?? DEFAULT_MISSED_TTL_MS;
		this.missedPrefix = missedKeyPrefix(options.prefix ?? DEFAULT_REDIS_PREFIX);
		this.logger = options.logger ?? silentLogger;
		if (this.ttlMs < 300) throw new Error('the presence TTL must be at least 300 ms');
		if (this.checkMs < 50) throw new Error('the presence check interval must be at least 50 ms');
		subscriber.on('message', (channel: string, payload: string) => {
			if (channel !== this.channel) return;
			try {
				this.onEvent(JSON.parse(payload) as PresenceEvent);
			} catch (error) {
				this.logger.warn(`presence: dropped an unreadable change: ${(error as Error).message}`);
			}
		});
		// After a reconnect ioredis subscribes again, but changes made meanwhile were missed.
		subscriber.on('ready', () => {
			if (this.started && !this.leaving) void this.resync();
		});
	}

	/** Connects (a command connection and a subscriber). Call start() before using it. */
	static async connect(options: RedisPresenceOptions): Promise<RedisPresence> {
		const redis = await connectRedis(options.url, 'chat-tui-presence', options.logger);
		let subscriber: Redis;
		try {
			subscriber = await connectRedis(options.url, 'chat-tui-presence-sub', options.logger);
		} catch (error) {
			redis.disconnect();
			throw error;
		}
		return new RedisPresence(redis, subscriber, options);
	}

	private key(name: string): string {
		return `${this.prefix}${name}`;
	}

	/**
	 * Subscribes, loads the view, forgets what an earlier instance under the
	 * same id left behind (its users were lost), joins, and starts the
	 * heartbeat and the checks for dead instances.
	 */
	async start(): Promise<void> {
		await this.subscriber.subscribe(this.channel);
		await this.resync();
		await this.reap(this.instanceId, true);
		await this.sync();
		this.started = true;
		const heartbeatMs = Math.max(100, Math.floor(this.ttlMs / 3));
		this.heartbeatTimer = setInterval(() => void this.heartbeat(), heartbeatMs);
		this.heartbeatTimer.unref();
		this.checkTimer = setInterval(() => {
			this.checking ??= this.checkOthers().finally(() => (this.checking = undefined));
		}, this.checkMs);
		this.checkTimer.unref();
	}

	async opened(user: SessionUser): Promise<boolean> {
		if (this.leaving) return false;
		const entry = this.local.get(user.id) ?? { count: 0, username: user.username };
		entry.count++;
		entry.username = user.username;
		this.local.set(user.id, entry);
		return this.count(user, 1);
	}

	async closed(user: SessionUser): Promise<boolean> {
		if (this.leaving) return false;
		const entry = this.local.get(user.id);
		if (!entry) return false;
		if (--entry.count <= 0) this.local.delete(user.id);
		return this.count(user, -1);
	}

	isOnline(userId: number): boolean {
		return this.online.has(userId);
	}

	onLost(handler: (lost: LostSessions) => Promise<void>): void {
		this.handlers.push(handler);
	}

	async markMissed(userId: number, span: MissedSpan): Promise<void> {
		await this.redis.eval(
			MARK_MISSED_SCRIPT,
			1,
			`${this.missedPrefix}${userId}`,
			String(Math.floor(span.from)),
			String(Math.ceil(span.to)),
			String(this.missedTtlMs),
		);
	}

	async takeMissed(userId: number): Promise<MissedSpan | undefined> {
		const [from, to] = (await this.redis.eval(TAKE_MISSED_SCRIPT, 1, `${this.missedPrefix}${userId}`)) as Array<string | null>;
		return from && to ? { from: Number(from), to: Number(to) } : undefined;
	}

	/**
	 * Leaves the cluster: this instance's remaining sessions stop counting,
	 * and their contacts are told. With `moving` (a drain: its users are
	 * reconnecting elsewhere) they are handed to a stand-in instead, whose
	 * heartbeat key lives one TTL and is never refreshed. A user who logs in
	 * elsewhere meanwhile is counted there too, so their total never reaches
	 * 0 and nothing is announced; when the key expires, the stand-in is
	 * reaped like a dead instance (the usual path: one survivor wins), and
	 * only users who did not come back turn offline, once.
	 */
	async close(options: { moving?: boolean } = {}): Promise<void> {
		if (this.leaving) return;
		this.leaving = true;
		clearInterval(this.heartbeatTimer);
		clearInterval(this.checkTimer);
		await this.checking?.catch(() => undefined);
		try {
			if (this.started && options.moving) await this.handOver();
			if (this.started) await this.reap(this.instanceId, true, true);
		} catch (error) {
			this.logger.error('presence: could not leave the cluster cleanly (others will reap this instance)', error);
		}
		await Promise.all([quit(this.subscriber), quit(this.redis)]);
	}

	// --- internals ---

	/** Gives this instance's counts to a stand-in that expires after one TTL (see close). */
	private async handOver(): Promise<void> {
		const standIn = `${this.instanceId}~moving~${randomBytes(4).toString('hex')}`;
		const moved = (await this.redis.eval(
			HAND_OVER_SCRIPT,
			5,
			this.key('instances'),
			this.key(`sessions:${this.instanceId}`),
			this.key(`alive:${this.instanceId}`),
			this.key(`sessions:${standIn}`),
			this.key(`alive:${standIn}`),
			this.instanceId,
			standIn,
			String(Date.now()),
			String(this.ttlMs),
		)) as number;
		if (moved > 0) this.logger.info(`presence: ${moved} user(s) moving to other instances; offline for those not back within ${this.ttlMs} ms`);
	}

	private async count(user: SessionUser, delta: 1 | -1): Promise<boolean> {
		let result: [number, number];
		try {
			result = (await this.redis.eval(
				COUNT_SCRIPT,
				5,
				this.key('instances'),
				this.key(`sessions:${this.instanceId}`),
				this.key('online'),
				this.key('names'),
				this.key('seq'),
				this.instanceId,
				String(user.id),
				user.username,
				this.channel,
				String(delta),
			)) as [number, number];
		} catch (error) {
			this.dirty = true;
			this.logger.error(`presence: could not count a session of ${user.username}; rewriting the counts at the next heartbeat`, error);
			return false;
		}
		const [changed, seq] = result;
		if (changed === -1) {
			if (this.leaving) return false;
			// Reaped while alive (paused longer than the TTL): join again with what is here now.
			this.logger.warn(`presence: instance ${this.instanceId} had been taken for dead; joining again`);
			const changes = await this.sync();
			return changes.some(([id, online]) => id === user.id && online === delta > 0);
		}
		if (changed === 1) this.apply({ seq, changes: [[user.id, delta > 0]] });
		return changed === 1;
	}

	/** Writes this instance's counts as they are here, and joins (again). Returns the changes it made. */
	private async sync(): Promise<Array<[number, boolean]>> {
		if (this.leaving) return [];
		const wanted = [...this.local].map(([id, { count, username }]) => [id, count, username]);
		this.dirty = false;
		const reply = (await this.redis.eval(
			SYNC_SCRIPT,
			6,
			this.key('instances'),
			this.key(`sessions:${this.instanceId}`),
			this.key('online'),
			this.key('names'),
			this.key('seq'),
			this.key(`alive:${this.instanceId}`),
			this.instanceId,
			String(Date.now()),
			String(this.ttlMs),
			this.channel,
			JSON.stringify(wanted),
		)) as string;
		const { seq, changes } = JSON.parse(reply) as { seq: number; changes: unknown };
		const list_ = list<[number, boolean]>(changes);
		if (seq > 0) this.apply({ seq, changes: list_ });
		return list_;
	}

	private async heartbeat(): Promise<void> {
		if (this.leaving) return;
		try {
			if (this.dirty) {
				await this.sync();
				return;
			}
			const member = await this.redis.eval(
				HEARTBEAT_SCRIPT,
				2,
				this.key('instances'),
				this.key(`alive:${this.instanceId}`),
				this.instanceId,
				String(Date.now()),
				String(this.ttlMs),
			);
			if (member === 0 && !this.leaving) {
				this.logger.warn(`presence: instance ${this.instanceId} had been taken for dead; joining again`);
				await this.sync();
			}
		} catch (error) {
			this.logger.warn(`presence: heartbeat failed: ${(error as Error).message}`);
		}
	}

	/** Reaps every member whose heartbeat has expired. */
	private async checkOthers(): Promise<void> {
		if (this.leaving) return;
		try {
			const members = (await this.redis.zrange(this.key('instances'), '0', '-1')).filter((id) => id !== this.instanceId);
			if (members.length === 0) return;
			const pipeline = this.redis.pipeline();
			for (const id of members) pipeline.exists(this.key(`alive:${id}`));
			const alive = (await pipeline.exec()) ?? [];
			for (const [index, id] of members.entries()) {
				const [error, exists] = alive[index] ?? [null, 1];
				if (!error && exists === 0 && !this.leaving) await this.reap(id, false);
			}
		} catch (error) {
			this.logger.warn(`presence: checking for dead instances failed: ${(error as Error).message}`);
		}
	}

	/**
	 * Removes an instance's sessions: a dead one's (only if its heartbeat has
	 * expired, and only if no other instance got there first), or this one's
	 * when it leaves or starts. Tells the handlers about the users that were there.
	 */
	private async reap(id: string, force: boolean, leaving = false): Promise<void> {
		const reply = (await this.redis.eval(
			REAP_SCRIPT,
			6,
			this.key('instances'),
			this.key(`sessions:${id}`),
			this.key('online'),
			this.key('names'),
			this.key('seq'),
			this.key(`alive:${id}`),
			id,
			this.channel,
			force ? '1' : '0',
		)) as string | null;
		if (reply === null) return;
		const result = JSON.parse(reply) as { lastSeen: number; seq: number; users: unknown; changes: unknown };
		if (result.seq > 0) this.apply({ seq: result.seq, changes: list<[number, boolean]>(result.changes) });
		const users = list<[number, string, boolean]>(result.users).map(([userId, username, offline]) => ({
			id: userId,
			username,
			offline,
		}));
		if (users.length === 0) return;
		const moved = STAND_IN.test(id);
		if (!leaving && !moved) {
			this.logger.warn(
				id === this.instanceId
					? `presence: an earlier instance named ${id} had ${users.length} user(s) online; they were lost`
					: `presence: instance ${id} stopped without leaving; ${users.length} user(s) were online there`,
			);
		}
		const lost: LostSessions = { instanceId: id, lastSeen: result.lastSeen || Date.now(), users, graceful: leaving, moved };
		for (const handler of this.handlers) {
			await handler(lost).catch((error: unknown) => this.logger.error(`presence: handling the users of ${id} failed`, error));
		}
	}

	private onEvent(event: PresenceEvent): void {
		if (this.buffered) {
			this.buffered.push(event);
			return;
		}
		if (event.seq <= this.floor) return;
		const gap = this.streamSeq > 0 && event.seq > this.streamSeq + 1;
		this.streamSeq = Math.max(this.streamSeq, event.seq);
		this.apply(event);
		if (gap) {
			this.logger.warn(`presence: missed changes before ${event.seq}; reloading who is online`);
			void this.resync();
		}
	}

	private apply(event: PresenceEvent): void {
		if (event.seq <= this.floor) return;
		for (const [userId, online] of list<[number, boolean]>(event.changes)) {
			if ((this.userSeq.get(userId) ?? 0) >= event.seq) continue;
			this.userSeq.set(userId, event.seq);
			if (online) this.online.add(userId);
			else this.online.delete(userId);
		}
	}

	/** Reloads who is online; changes arriving meanwhile are held, then applied if newer. */
	private resync(): Promise<void> {
		this.resyncing ??= (async () => {
			this.buffered ??= [];
			try {
				const [seq, ids] = (await this.redis.eval(SNAPSHOT_SCRIPT, 2, this.key('online'), this.key('seq'))) as [
					number,
					string[],
				];
				const next = new Set(ids.map((id) => Number(id)));
				if (seq < this.floor) {
					// The counter went back: Redis lost its data (a restart without persistence).
					// The instances write their counts again at their next heartbeat.
					this.userSeq.clear();
					this.floor = 0;
				}
				for (const [userId, userSeq] of this.userSeq.entries()) {
					if (userSeq > seq) {
						// Applied here after the snapshot was taken (this instance's own change): it stands.
						if (this.online.has(userId)) next.add(userId);
						else next.delete(userId);
					} else {
						this.userSeq.delete(userId);
					}
				}
				this.online = next;
				this.floor = Math.max(this.floor, seq);
				this.streamSeq = this.floor;
			} catch (error) {
				this.logger.warn(`presence: could not load who is online: ${(error as Error).message}`);
			} finally {
				const held = this.buffered ?? [];
				this.buffered = undefined;
				this.resyncing = undefined;
				for (const event of held) this.onEvent(event);
			}
		})();
		return this.resyncing;
	}
}
