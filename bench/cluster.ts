/**
 * The `cluster` section (issue 14 item 2): does an instance do only its own
 * users' work? Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL;
 * by default the local ones the cluster tests use); without them the section
 * is skipped with a note.
 *
 * 1. CPU: three `chat-tui serve` processes on one PostgreSQL schema and one
 *    Redis prefix; 20 users on instance A exchange direct messages for a few
 *    seconds; B and C hold none of them. Each instance's CPU time over the
 *    window, from /proc; target: B and C each ≤ 5 % of A's.
 * 2. Redis cost per delivered message with N = 1, 2, 4 instances (in-process
 *    servers, read from each bus's counters): routing commands, payload bytes
 *    sent, copies Redis fans out, deliveries other instances receive; with the
 *    recipient on the sender's instance and on another one.
 * 3. The cost of a direct message on a cluster instance against the SQLite
 *    server, side by side at one light rate: each server process's CPU per
 *    1,000 delivered, and PostgreSQL's (its backends' CPU) beside it; target:
 *    the instance ≤ 1.5 × the SQLite server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { BusStats } from '../server/bus/bus.js';
import { silentLogger } from '../server/logger.js';
import { startServer, type RunningServer } from '../server/server.js';
import { ChatClient } from '../source/client/index.js';
import { cpuTimeMs, sleep, spawnPinned, stopProcess, waitForOutput, type Pinned } from './proc.js';
import { note, record, recordTarget, ROOT, setTitle } from './results.js';
import { CHAT_TUI_OPEN_LIMITS } from './systems.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const SECTION = 'cluster';
const PASSWORD = 'bench-password-1';
const USERS = 20;
/** Sends each user keeps in flight. */
const WINDOW = 8;
const TARGET_SHARE = 0.05;

interface Run {
	schema: string;
	prefix: string;
	databaseUrl: string;
}

function newRun(): Run {
	const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
	const schema = `chat_tui_bench_${id}`;
	const url = new URL(DATABASE_URL);
	url.searchParams.set('options', `-c search_path=${schema}`);
	return { schema, prefix: `chat-tui-bench:${id}:`, databaseUrl: url.toString() };
}

/** What is missing ("" when PostgreSQL and Redis both answer). */
async function missing(): Promise<string> {
	const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
	redis.on('error', () => undefined);
	const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
	try {
		await redis.connect();
		await redis.ping();
		await client.connect();
		await client.query('SELECT 1');
		return '';
	} catch (error) {
		return (error as Error).message;
	} finally {
		redis.disconnect();
		await client.end().catch(() => undefined);
	}
}

async function withPg(run: (client: pg.Client) => Promise<unknown>): Promise<void> {
	const client = new pg.Client({ connectionString: DATABASE_URL });
	await client.connect();
	try {
		await run(client);
	} finally {
		await client.end();
	}
}

async function prepare(run: Run): Promise<void> {
	await withPg((client) => client.query(`CREATE SCHEMA ${pg.escapeIdentifier(run.schema)}`));
}

async function cleanup(run: Run): Promise<void> {
	await withPg((client) => client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(run.schema)} CASCADE`)).catch(() => undefined);
	const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${run.prefix}*`, 'COUNT', 1000);
			cursor = next;
			if (keys.length > 0) await redis.del(...keys);
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
}

interface Instance {
	name: string;
	url: string;
	process: Pinned;
}

async function spawnInstance(run: Run, name: string): Promise<Instance> {
	const env = { ...process.env, DATABASE_URL: run.databaseUrl, REDIS_URL, REDIS_PREFIX: run.prefix, INSTANCE_ID: `${name}-${run.prefix}` };
	const args = [path.join(ROOT, 'dist', 'source', 'cli.js'), 'serve', '--port', '0', '--host', '127.0.0.1', ...CHAT_TUI_OPEN_LIMITS];
	const pinned = spawnPinned(process.execPath, args, { env });
	const [, url] = await waitForOutput(pinned, /listening on (ws:\/\/\S+)[\s\S]*cluster: instance/, 30_000, `cluster instance ${name}`);
	return { name, url: url!, process: pinned };
}

type User = ChatClient & { name: string };

async function user(url: string, name: string): Promise<User> {
	const client = new ChatClient({ url, reconnect: false });
	await client.connect();
	await client.register(name, PASSWORD);
	return Object.assign(client, { name });
}

/**
 * USERS users registered on one server into `users`, befriended in pairs
 * (0 with 1, 2 with 3, …); returns how many messages they have received so far.
 */
async function pairs(url: string, prefix: string, users: User[]): Promise<() => number> {
	const tag = randomBytes(3).toString('hex');
	for (let i = 0; i < USERS; i++) users.push(await user(url, `${prefix}${tag}${i}`));
	for (let i = 0; i < USERS; i += 2) {
		await users[i]!.request('friends.request', { username: users[i + 1]!.name });
		await users[i + 1]!.request('friends.accept', { username: users[i]!.name });
	}
	let delivered = 0;
	for (const client of users) client.on('message', () => delivered++);
	await sleep(500);
	return () => delivered;
}

/** CPU ms of each process, now. */
function cpuOf(instances: Instance[]): number[] {
	return instances.map((instance) => cpuTimeMs(instance.process.pid) ?? Number.NaN);
}

/** Every user sends to its pair's other half, WINDOW sends in flight each, until `ms` is up; returns the messages sent. */
async function exchange(users: User[], ms: number): Promise<number> {
	const end = performance.now() + ms;
	let sent = 0;
	await Promise.all(
		users.map(async (from, i) => {
			const to = users[i % 2 === 0 ? i + 1 : i - 1]!.name;
			await Promise.all(
				Array.from({ length: WINDOW }, async (_, lane) => {
					for (let n = 0; performance.now() < end; n++) {
						await from.send({ user: to }, `bench ${lane}.${n} ${'x'.repeat(40)}`);
						sent++;
					}
				}),
			);
		}),
	);
	return sent;
}

/** Rejects when one of the instances exits (a client would wait for it forever), or after `ms`. */
function guard(instances: Instance[], ms: number): { failed: Promise<never>; stop(): void } {
	let timer: NodeJS.Timeout | undefined;
	const listeners: Array<() => void> = [];
	const failed = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => reject(new Error(`the cluster section did not finish within ${ms / 1000} s`)), ms);
		for (const instance of instances) {
			const onExit = (code: number | null, signal: string | null) =>
				reject(new Error(`cluster instance ${instance.name} exited (${signal ?? code}):\n${instance.process.log.tail()}`));
			instance.process.child.once('exit', onExit);
			listeners.push(() => instance.process.child.off('exit', onExit));
		}
	});
	failed.catch(() => undefined);
	return {
		failed,
		stop: () => {
			clearTimeout(timer);
			for (const off of listeners) off();
		},
	};
}

/** Part 1: three processes, traffic only among A's users; each one's CPU. */
async function cpuShares(quick: boolean, log: (line: string) => void): Promise<void> {
	const run = newRun();
	await prepare(run);
	const instances: Instance[] = [];
	const users: User[] = [];
	let watch: ReturnType<typeof guard> | undefined;
	try {
		for (const name of ['a', 'b', 'c']) instances.push(await spawnInstance(run, name));
		log(`  cluster: instances up (pids ${instances.map((instance) => instance.process.pid).join(', ')})`);
		watch = guard(instances, 120_000);
		await Promise.race([measureShares(instances, users, quick, log), watch.failed]);
	} finally {
		watch?.stop();
		await Promise.all(users.map((client) => client.close().catch(() => undefined)));
		await Promise.all(instances.map((instance) => stopProcess(instance.process, 10_000, 'SIGTERM')));
		await cleanup(run);
	}
}

async function measureShares(instances: Instance[], users: User[], quick: boolean, log: (line: string) => void): Promise<void> {
	const [a] = instances as [Instance];
	const received = await pairs(a.url, 'cb', users);
	const windowMs = quick ? 3000 : 5000;

	const idleFrom = cpuOf(instances);
	await sleep(windowMs);
	const idle = cpuOf(instances).map((ms, i) => ms - idleFrom[i]!);

	const from = cpuOf(instances);
	const started = performance.now();
	const sent = await exchange(users, windowMs);
	const busy = cpuOf(instances).map((ms, i) => ms - from[i]!);
	const seconds = (performance.now() - started) / 1000;
	await sleep(300);

	const [busyA, busyB, busyC] = busy as [number, number, number];
	const shareB = busyB / busyA;
	const shareC = busyC / busyA;
	log(
		`  cluster: ${sent} DMs among ${USERS} users on A in ${seconds.toFixed(1)} s (${received()} delivered); CPU ms A ${busyA}, B ${busyB}, C ${busyC} ` +
			`(idle over the same time: ${idle.join(', ')}); B/A ${shareB.toFixed(3)}, C/A ${shareC.toFixed(3)}`,
	);
	record(SECTION, 'dms_sent', sent, 'messages');
	record(SECTION, 'dms_per_s', sent / seconds, 'msg/s');
	for (const [i, name] of ['a', 'b', 'c'].entries()) {
		record(SECTION, `cpu_ms_busy`, busy[i]!, 'ms', name.toUpperCase());
		record(SECTION, `cpu_ms_idle`, idle[i]!, 'ms', name.toUpperCase());
	}
	record(SECTION, 'cpu_share_b_of_a', shareB, 'ratio');
	record(SECTION, 'cpu_share_c_of_a', shareC, 'ratio');
	recordTarget({
		id: 'cluster-idle-instances',
		text: `cluster, 3 instances, traffic only among one instance's users: the others' CPU ≤ ${TARGET_SHARE * 100} % of the busy one's`,
		value: Math.max(shareB, shareC),
		limit: TARGET_SHARE,
		op: '<=',
	});
	note(SECTION, `Three \`chat-tui serve\` processes (unpinned) on one PostgreSQL schema and one Redis; ${USERS} users on A in ${USERS / 2} pairs, each keeping ${WINDOW} direct messages in flight for ${windowMs / 1000} s; B and C hold no session. CPU from /proc (user + system); "idle" is each instance's CPU over an equal quiet span just before.`);
}

interface PerMessage {
	commands: number;
	bytesOut: number;
	forwarded: number;
	bytesForwarded: number;
	received: number;
}

/** Part 2: N in-process instances, DMs from instance 0 to a user on instance `to`; the buses' counts per message. */
async function costPerMessage(n: number, to: number, messages: number): Promise<PerMessage> {
	const run = newRun();
	await prepare(run);
	const servers: RunningServer[] = [];
	const users: User[] = [];
	try {
		for (let i = 0; i < n; i++) {
			servers.push(
				await startServer({
					port: 0,
					databaseUrl: run.databaseUrl,
					redisUrl: REDIS_URL,
					redisPrefix: run.prefix,
					instanceId: `n${i}-${run.prefix}`,
					logger: silentLogger,
					passwordCost: { N: 1024, r: 8, p: 1 },
					// No timer-driven route check inside the measured span.
					presenceCheckMs: 60_000,
					presenceTtlMs: 180_000,
				}),
			);
		}
		const tag = randomBytes(3).toString('hex');
		const alice = await user(servers[0]!.url, `ca${tag}`);
		const bob = await user(servers[to]!.url, `cb${tag}`);
		users.push(alice, bob);
		await alice.request('friends.request', { username: bob.name });
		await bob.request('friends.accept', { username: alice.name });
		let got = 0;
		bob.on('message', () => got++);
		await sleep(200);
		const received = () => servers.reduce((sum, server) => sum + server.bus.stats().received, 0);
		const before = servers[0]!.bus.stats();
		const receivedBefore = received();
		for (let i = 0; i < messages; i++) await alice.send({ user: bob.name }, `cost ${String(i).padStart(4, '0')}`);
		const deadline = performance.now() + 60_000;
		while (got < messages) {
			if (performance.now() > deadline) throw new Error(`cluster: ${got} of ${messages} messages delivered within 60 s (N=${n})`);
			await sleep(10);
		}
		const after = servers[0]!.bus.stats();
		const per = (key: keyof BusStats) => (after[key] - before[key]) / messages;
		return {
			commands: per('commands'),
			bytesOut: per('bytesOut'),
			forwarded: per('forwarded'),
			bytesForwarded: per('bytesForwarded'),
			received: (received() - receivedBefore) / messages,
		};
	} finally {
		await Promise.all(users.map((client) => client.close().catch(() => undefined)));
		await Promise.all(servers.map((server) => server.close()));
		await cleanup(run);
	}
}

async function redisCosts(quick: boolean, log: (line: string) => void): Promise<void> {
	const messages = quick ? 100 : 200;
	for (const n of [1, 2, 4]) {
		for (const across of n > 1 ? [false, true] : [false]) {
			const figures = await costPerMessage(n, across ? 1 : 0, messages);
			const label = `N${n}_${across ? 'other_instance' : 'same_instance'}`;
			log(
				`  cluster: N=${n}, recipient on ${across ? 'another' : 'the sender’s'} instance: per message ${figures.commands.toFixed(2)} Redis command(s), ` +
					`${figures.bytesOut.toFixed(0)} B sent, ${figures.forwarded.toFixed(2)} copies fanned out (${figures.bytesForwarded.toFixed(0)} B), ` +
					`${figures.received.toFixed(2)} received by other instances`,
			);
			record(SECTION, 'redis_commands_per_msg', figures.commands, 'commands', label);
			record(SECTION, 'redis_bytes_out_per_msg', figures.bytesOut, 'B', label);
			record(SECTION, 'redis_copies_per_msg', figures.forwarded, 'copies', label);
			record(SECTION, 'instances_receiving_per_msg', figures.received, 'deliveries', label);
		}
	}
	note(SECTION, `Redis cost per delivered direct message: ${messages} messages, one at a time, from a user on instance 1 of N (in-process servers) to a user on the same instance or on instance 2; counts from the buses (routing commands, payload bytes, copies Redis publishes to other instances, deliveries they receive). Session bookkeeping (login, logout) is not in the span.`);
}

/** Part 3's light load: messages per second in all, from USERS / 2 senders, for the window. */
const COST_RATE = 200;
const COST_TARGET = 1.5;

/** CPU ms of each PostgreSQL process now, by pid (the backends serving the instance do the store's work). */
function postgresCpu(): Map<number, number> {
	const byPid = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let command = '';
		try {
			command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
		} catch {
			continue;
		}
		if (command.startsWith('postgres')) byPid.set(Number(entry), cpuTimeMs(Number(entry)) ?? 0);
	}
	return byPid;
}

/** PostgreSQL's CPU since `from`: each process's growth (a backend that started since counts from 0; one that ended is lost). */
function postgresCpuSince(from: Map<number, number>): number {
	let used = 0;
	for (const [pid, now] of postgresCpu()) used += now - (from.get(pid) ?? 0);
	return used;
}

/** One server of part 3, its users logged in and paired, and what it has used so far. */
interface CostSide {
	pid: number;
	users: User[];
	received: () => number;
	cpuMs: number;
	postgresMs: number;
	delivered: number;
}

async function costSide(url: string, pid: number): Promise<CostSide> {
	const users: User[] = [];
	const received = await pairs(url, 'cc', users);
	return { pid, users, received, cpuMs: 0, postgresMs: 0, delivered: 0 };
}

/** The pairs of one side send COST_RATE messages a second in all for `ms` (and 1 s to settle); adds its CPU and deliveries. */
async function costWindow(side: CostSide, ms: number): Promise<void> {
	const serverFrom = cpuTimeMs(side.pid) ?? Number.NaN;
	const postgresFrom = postgresCpu();
	const deliveredFrom = side.received();
	const senders = side.users.filter((_, i) => i % 2 === 0);
	const interval = (1000 * senders.length) / COST_RATE;
	const timers = senders.map((from, i) =>
		setInterval(() => void from.send({ user: side.users[2 * i + 1]!.name }, `cost ${'x'.repeat(40)}`).catch(() => undefined), interval),
	);
	await sleep(ms);
	timers.forEach(clearInterval);
	await sleep(1000);
	side.cpuMs += (cpuTimeMs(side.pid) ?? Number.NaN) - serverFrom;
	side.postgresMs += postgresCpuSince(postgresFrom);
	side.delivered += side.received() - deliveredFrom;
}

const per1k = (used: number, delivered: number) => (used / delivered) * 1000;

/**
 * Part 3: a SQLite server and one cluster instance, both running, take turns
 * at the same light rate (short windows, alternating), so a change in the
 * machine's load during the run weighs on both alike.
 */
async function costAgainstSqlite(quick: boolean, log: (line: string) => void): Promise<void> {
	const rounds = quick ? 3 : 6;
	const windowMs = 2000;
	const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-bench-cost-'));
	const run = newRun();
	await prepare(run);
	const sqlite = spawnPinned(process.execPath, [path.join(ROOT, 'dist', 'source', 'cli.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...CHAT_TUI_OPEN_LIMITS]);
	let instance: Instance | undefined;
	const sides: CostSide[] = [];
	try {
		const [, url] = await waitForOutput(sqlite, /listening on (ws:\/\/\S+)/, 30_000, 'the SQLite server');
		instance = await spawnInstance(run, 'cost');
		sides.push(await costSide(url!, sqlite.pid), await costSide(instance.url, instance.process.pid));
		await sleep(500);
		for (let round = 0; round < rounds; round++) {
			// Which goes first alternates too.
			for (const side of round % 2 === 0 ? sides : [...sides].reverse()) await costWindow(side, windowMs);
		}
	} finally {
		await Promise.all(sides.flatMap((side) => side.users).map((client) => client.close().catch(() => undefined)));
		await stopProcess(sqlite, 10_000, 'SIGTERM');
		if (instance) await stopProcess(instance.process, 10_000, 'SIGTERM');
		await cleanup(run);
		rmSync(dataDir, { recursive: true, force: true });
	}
	const [alone, clustered] = sides as [CostSide, CostSide];
	const sqliteMs = per1k(alone.cpuMs, alone.delivered);
	const clusterMs = per1k(clustered.cpuMs, clustered.delivered);
	const postgresMs = per1k(clustered.postgresMs, clustered.delivered);
	const ratio = clusterMs / sqliteMs;
	log(
		`  cluster: at ${COST_RATE} DM/s, CPU ms per 1,000 delivered: SQLite server ${sqliteMs.toFixed(0)}; cluster instance ${clusterMs.toFixed(0)} ` +
			`(${ratio.toFixed(2)}×), PostgreSQL beside it ${postgresMs.toFixed(0)}`,
	);
	record(SECTION, 'cpu_ms_per_1k_dm', sqliteMs, 'ms', 'sqlite_server');
	record(SECTION, 'cpu_ms_per_1k_dm', clusterMs, 'ms', 'cluster_instance');
	record(SECTION, 'postgres_cpu_ms_per_1k_dm', postgresMs, 'ms', 'cluster_instance');
	recordTarget({
		id: 'cluster-cost-per-dm',
		text: `cluster instance (PostgreSQL + Redis): CPU per 1,000 DMs ≤ ${COST_TARGET} × the SQLite server's, at ${COST_RATE} DM/s`,
		value: ratio,
		limit: COST_TARGET,
		op: '<=',
	});
	note(SECTION, `Cost per DM: a SQLite \`serve\` and one cluster instance, both running, each with ${USERS / 2} pairs; they take turns, ${rounds} windows each of ${windowMs / 1000} s (and 1 s to settle) alternating, ${COST_RATE} DMs a second in all; each server process's CPU (and every PostgreSQL process's, beside the instance) over its windows, per 1,000 delivered. A direct message costs the instance two PostgreSQL statements (the peer read, the append) and one Redis script call.`);
}

/** The section: skipped with a note when PostgreSQL or Redis is not there. */
export async function runClusterBench(options: { quick: boolean; log: (line: string) => void }): Promise<void> {
	setTitle(SECTION, 'Cluster routing (3 instances on PostgreSQL + Redis; Redis cost per message for N = 1, 2, 4)');
	const why = await missing();
	if (why) {
		options.log(`  cluster: skipped (${why})`);
		note(SECTION, `Skipped: PostgreSQL at ${DATABASE_URL} or Redis at ${REDIS_URL} did not answer (${why}).`);
		return;
	}
	await cpuShares(options.quick, options.log);
	await redisCosts(options.quick, options.log);
	await costAgainstSqlite(options.quick, options.log);
}
