import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** Gives back the place a connection took. */
export type Release = () => void;

/**
 * The per-address connection cap: how many WebSocket connections one address
 * may hold at once. A single server counts in memory; a cluster counts in
 * Redis, so the cap holds for the whole cluster rather than per instance.
 */
export interface AddressCap {
	/** Counts a connection from `address` unless it already holds `max`; undefined when refused. */
	admit(address: string, max: number): Promise<Release | undefined>;
	close(): Promise<void>;
}

/** Counts held in this process. */
export class LocalAddressCap implements AddressCap {
	private readonly counts = new Map<string, number>();

	admitNow(address: string, max: number): Release | undefined {
		const count = this.counts.get(address) ?? 0;
		if (count >= max) return undefined;
		this.counts.set(address, count + 1);
		return once(() => {
			const left = (this.counts.get(address) ?? 1) - 1;
			if (left > 0) this.counts.set(address, left);
			else this.counts.delete(address);
		});
	}

	async admit(address: string, max: number): Promise<Release | undefined> {
		return this.admitNow(address, max);
	}

	async close(): Promise<void> {}
}

function once(release: () => void): Release {
	let done = false;
	return () => {
		if (done) return;
		done = true;
		release();
	};
}

/**
 * `<prefix>connections:<address>` is a hash: each running instance's count
 * for that address, under the instance's name for this start. An instance
 * that dies cannot count its connections down, so each keeps a heartbeat key
 * (`<prefix>connections-alive:<name>`); a count whose instance's heartbeat
 * has expired is dropped at the next admission from that address, and a hash
 * nobody touches for a day expires. (The script reads the heartbeat keys by
 * name, which a single Redis allows; Redis Cluster would need them in KEYS.)
 */
const ADMIT_SCRIPT = `
local counts = KEYS[1]
local me, max, alivePrefix, idleMs = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local total = 0
local fields = redis.call('HGETALL', counts)
for i = 1, #fields, 2 do
	local id = fields[i]
	if id == me or redis.call('EXISTS', alivePrefix .. id) == 1 then
		total = total + tonumber(fields[i + 1])
	else
		redis.call('HDEL', counts, id)
	end
end
if total >= max then return 0 end
redis.call('HINCRBY', counts, me, 1)
redis.call('PEXPIRE', counts, idleMs)
return 1
`;

/** Sets this instance's count for one address (dropping it at 0): the release, or a repair after a lost one. */
const SET_SCRIPT = `
local counts = KEYS[1]
local me, count, idleMs = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if count > 0 then
	redis.call('HSET', counts, me, count)
	redis.call('PEXPIRE', counts, idleMs)
else
	redis.call('HDEL', counts, me)
end
return 1
`;

const IDLE_MS = 24 * 60 * 60 * 1000;

export interface RedisAddressCapOptions {
	prefix: string;
	/** The instance's name in the cluster; a random suffix makes each start its own. */
	instanceId: string;
	/** How long the heartbeat key lives; refreshed every third of that. */
	ttlMs: number;
	logger: Logger;
}

/**
 * Counts in Redis, for the whole cluster. While Redis cannot answer, the
 * instance admits by its own counts (as a single server would) rather than
 * refusing everyone or nobody; those connections are not counted in Redis.
 */
export class RedisAddressCap implements AddressCap {
	private readonly me: string;
	private readonly local = new LocalAddressCap();
	/** What this instance has counted in Redis, per address: the truth its Redis fields should hold. */
	private readonly inRedis = new Map<string, number>();
	/** Addresses whose Redis count may be wrong (a release failed); written again at the next heartbeat. */
	private readonly stale = new Set<string>();
	private readonly heartbeat: NodeJS.Timeout;
	/** Redis did not answer the last admission (said once, not per connection). */
	private degraded = false;

	private constructor(
		private readonly redis: Redis,
		private readonly options: RedisAddressCapOptions,
	) {
		this.me = `${options.instanceId}:${randomBytes(4).toString('hex')}`;
		this.heartbeat = setInterval(() => void this.beat(), Math.max(50, options.ttlMs / 3));
		this.heartbeat.unref();
	}

	static async start(redis: Redis, options: RedisAddressCapOptions): Promise<RedisAddressCap> {
		const cap = new RedisAddressCap(redis, options);
		await cap.beat();
		return cap;
	}

	private key(address: string): string {
		return `${this.options.prefix}connections:${address}`;
	}

	private get aliveKey(): string {
		return `${this.options.prefix}connections-alive:${this.me}`;
	}

	async admit(address: string, max: number): Promise<Release | undefined> {
		const local = this.local.admitNow(address, Number.MAX_SAFE_INTEGER)!;
		let admitted: number;
		try {
			if (this.redis.status !== 'ready') throw new Error('not connected');
			admitted = Number(
				await this.redis.eval(ADMIT_SCRIPT, 1, this.key(address), this.me, String(max), `${this.options.prefix}connections-alive:`, String(IDLE_MS)),
			);
		} catch (error) {
			if (!this.degraded) this.options.logger.warn(`connection cap: Redis did not answer (${(error as Error).message}); counting this instance's connections only`);
			this.degraded = true;
			local();
			return this.local.admitNow(address, max);
		}
		this.degraded = false;
		if (admitted !== 1) {
			local();
			return undefined;
		}
		this.inRedis.set(address, (this.inRedis.get(address) ?? 0) + 1);
		return once(() => {
			local();
			const left = (this.inRedis.get(address) ?? 1) - 1;
			if (left > 0) this.inRedis.set(address, left);
			else this.inRedis.delete(address);
			void this.write(address);
		});
	}

	/** Writes this instance's count for the address; on failure it is written again at the next heartbeat. */
	private async write(address: string): Promise<void> {
		try {
			await this.redis.eval(SET_SCRIPT, 1, this.key(address), this.me, String(this.inRedis.get(address) ?? 0), String(IDLE_MS));
			this.stale.delete(address);
		} catch {
			this.stale.add(address);
		}
	}

	private async beat(): Promise<void> {
		try {
			await this.redis.set(this.aliveKey, '1', 'PX', this.options.ttlMs);
			for (const address of [...this.stale]) await this.write(address);
		} catch (error) {
			this.options.logger.warn(`connection cap: heartbeat failed: ${(error as Error).message}`);
		}
	}

	/** Leaves: the heartbeat goes, so the others stop counting this instance's connections at once. */
	async close(): Promise<void> {
		clearInterval(this.heartbeat);
		await this.redis.del(this.aliveKey).catch(() => undefined);
	}
}
