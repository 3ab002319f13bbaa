/**
 * `npm run bench [-- --quick] [-- options]`: the server benchmark of issue 6.
 *
 * The systems under test run one at a time, each in its own process pinned to
 * core 0; the load generators (bench/generator.ts, one or more processes) and
 * this orchestrator are pinned to core 1. Every system is driven by the same
 * generator code. See README.md, "Benchmarks", for what is measured.
 *
 * Options:
 *   --quick              smaller counts and shorter steps (under 3 minutes)
 *   --generators N       load generator processes (default 1; they share core 1)
 *   --systems a,b        only these of bare-relay,chat-tui,ngircd,mosquitto
 *   --workloads a,b      only these of direct,fanout,idle,login (the generator ceiling is always measured)
 *   --profile            also profile chat-tui (node --cpu-prof) under the direct and fan-out
 *                        workloads, and run the synchronous=NORMAL diagnostic variant
 *   --profile-only       just that: chat-tui's ladders (unrecorded, for its peak rates), the
 *                        profiles and the diagnostic; the other sections of latest.json are kept
 *   --no-tui             skip the TUI section module (bench/tui/) even when it is there
 *   --no-write           print only; leave latest.json and docs/BENCHMARKS.md alone
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Identity, SystemKind } from './clients.js';
import { Histogram } from './histogram.js';
import type { Command, ConnectReply, LoginReply, Reply, StepStats } from './messages.js';
import { cpuTimeMs, nowUs, otherCpuBetween, otherProcessesCpu, rssKiB, sleep, spawnedPids, spawnPinned, stopProcess, type Pinned } from './proc.js';
import { runPasswordBench } from './passwords.js';
import { formatProfile, newestProfile, SQLITE_COMMIT, SQLITE_STATEMENTS, summarizeProfile, type ProfileSummary } from './profile.js';
import {
	annotate,
	current,
	figureValue,
	formatText,
	note,
	ratio,
	record,
	recordTarget,
	ROOT,
	setAppendix,
	setDetails,
	setMode,
	setTitle,
	writeResults,
	type SectionContext,
} from './results.js';
import {
	CHAT_TUI_OPEN_LIMITS,
	IRC_OPER,
	NOFILE,
	distExists,
	ensureDebianProgram,
	programVersion,
	seedChatTui,
	startBareRelay,
	startChatTui,
	startMosquitto,
	startNgircd,
	forceGc,
	type RunningSystem,
} from './systems.js';

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string): string | undefined => {
	const at = argv.indexOf(name);
	return at >= 0 ? argv[at + 1] : undefined;
};

const QUICK = flag('--quick');
setMode(QUICK ? 'quick' : 'full');
const GENERATORS = Math.max(1, Number(value('--generators') ?? 1));
const ALL_SYSTEMS: SystemKind[] = ['bare-relay', 'chat-tui', 'ngircd', 'mosquitto'];
const SYSTEMS = new Set((value('--systems')?.split(',') ?? ALL_SYSTEMS) as SystemKind[]);
const WORKLOADS = new Set(value('--workloads')?.split(',') ?? ['direct', 'fanout', 'idle', 'login']);
/** `--profile-only`: only chat-tui's ladders (to find its peaks, not recorded) and the profile/diagnostic sections. */
const PROFILE_ONLY = flag('--profile-only');
const PROFILE = flag('--profile') || PROFILE_ONLY;
/** `--assume-ceiling DIRECT,FANOUT`: skip measuring the generator's ceiling (and the bare relay, unless asked for). For development. */
const ASSUMED_CEILING = value('--assume-ceiling')?.split(',').map(Number);

const PLAN = QUICK
	? {
			directClients: 200,
			fanoutMembers: 200,
			idleConnections: 1000,
			stepMs: 1200,
			drainMs: 300,
			warmupMs: 600,
			ceilingStepMs: 1200,
			settleMs: 1000,
			perClientMaxRate: 25,
			registerCount: 32,
			tokenLogins: 1000,
			profileMs: 6000,
		}
	: {
			directClients: 1000,
			fanoutMembers: 1000,
			idleConnections: 5000,
			stepMs: 5000,
			drainMs: 1000,
			warmupMs: 2000,
			ceilingStepMs: 3000,
			settleMs: 2000,
			perClientMaxRate: 5,
			registerCount: 120,
			tokenLogins: 5000,
			profileMs: 15000,
		};

/**
 * Offered direct rates (messages/s, all clients together), tried from the bottom up: first within
 * the per-client cap ("a few messages/s" each), then, if every step passed, beyond it (fewer,
 * busier clients than the workload intends: marked as such) to find where each server tops out.
 */
const DIRECT_LADDER = QUICK ? [1000, 2500, 5000] : [250, 500, 1000, 2000, 3000, 4000, 5000];
const DIRECT_BEYOND_CAP = QUICK ? [10000, 20000, 40000] : [8000, 12000, 16000, 24000, 32000, 48000];
/** Fan-out: deliveries/s offered (messages/s × members). */
const FANOUT_LADDER = QUICK
	? [4000, 16000, 32000, 64000, 96000, 128000]
	: [1000, 2000, 4000, 8000, 16000, 24000, 32000, 48000, 64000, 96000, 128000];
/** The generator's ceiling is measured with these (no per-client cap), stopping once its CPU passes CEILING_PROBE_CPU. */
const CEILING_DIRECT = [16000, 32000, 48000];
const CEILING_FANOUT = [32000, 64000, 96000];
const CEILING_PROBE_CPU = 0.5;

/** Pass criteria of a step, from the issue. */
const MIN_DELIVERY = 0.99;
const MAX_P99_MS = 100;
/** Offered load stays at or below this share of the generator's measured ceiling. */
const CEILING_SHARE = 0.7;
/** A step is invalid (the generator, not the server, was the limit) past these. */
const MAX_GENERATOR_CPU = 0.9;
const MIN_SENT_SHARE = 0.99;
const MAX_LATE_SHARE = 0.01;
/** Other processes using more than this share of a core during a step mark it as disturbed (noise; re-run). */
const DISTURBED_SHARE = 0.1;

const PASSWORD = 'bench-password-1';
const TEXT_BYTES = 64;
const DIRECT_ROOM = 'fan';

const pinning = (Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1) >= 2;
const SERVER_CORE = pinning ? 0 : undefined;
const GENERATOR_CORE = pinning ? 1 : undefined;

function log(line: string): void {
	process.stdout.write(`${line}\n`);
}

// --------------------------------------------------------------- generators

class Generator {
	private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
	private seq = 0;
	identities: Identity[] = [];

	private constructor(
		readonly index: number,
		readonly pinned: Pinned,
	) {
		pinned.child.on('message', (reply: Reply) => {
			const waiter = this.waiting.get(reply.seq);
			if (!waiter) return;
			this.waiting.delete(reply.seq);
			if (reply.kind === 'error') waiter.reject(new Error(`generator ${index}: ${reply.message}`));
			else waiter.resolve(reply);
		});
		pinned.child.on('exit', (code) => {
			for (const { reject } of this.waiting.values()) {
				reject(new Error(`generator ${index} exited (${code}):\n${pinned.log.tail()}`));
			}
			this.waiting.clear();
		});
	}

	static async start(index: number): Promise<Generator> {
		const pinned = spawnPinned(process.execPath, [path.join(ROOT, 'dist', 'bench', 'generator.js')], {
			core: GENERATOR_CORE,
			nofile: NOFILE,
			ipc: true,
		});
		const generator = new Generator(index, pinned);
		await new Promise<void>((resolve, reject) => {
			generator.waiting.set(-1, { resolve: () => resolve(), reject });
			setTimeout(() => reject(new Error(`generator ${index} did not start:\n${pinned.log.tail()}`)), 15_000).unref();
		});
		return generator;
	}

	call(command: Command extends infer C ? (C extends { seq: number } ? Omit<C, 'seq'> : never) : never): Promise<Reply> {
		const seq = this.seq++;
		return new Promise((resolve, reject) => {
			this.waiting.set(seq, { resolve, reject });
			this.pinned.child.send({ ...command, seq } as Command);
		});
	}

	async stop(): Promise<void> {
		try {
			await Promise.race([this.call({ cmd: 'close' }), sleep(5000)]);
		} catch {
			// already gone
		}
		await stopProcess(this.pinned, 3000, 'SIGTERM');
	}
}

async function startGenerators(count: number): Promise<Generator[]> {
	return Promise.all(Array.from({ length: count }, (_, i) => Generator.start(i)));
}

/** Splits identities into `parts` contiguous chunks of even length (direct pairs stay together). */
function split<T>(items: T[], parts: number): T[][] {
	const chunks: T[][] = [];
	let size = Math.ceil(items.length / parts);
	if (size % 2 === 1) size++;
	for (let i = 0; i < parts; i++) chunks.push(items.slice(i * size, (i + 1) * size));
	return chunks;
}

// --------------------------------------------------------------------- steps

type Workload = 'direct' | 'fanout';

interface StepResult {
	workload: Workload;
	system: string;
	step: number;
	/** Offered: messages/s (direct) or deliveries/s (fan-out). */
	offered: number;
	/** Messages/s the sender(s) were asked for. */
	messageRate: number;
	planned: number;
	sent: number;
	expected: number;
	delivered: number;
	deliveryRatio: number;
	/** Deliveries per second over the step. */
	deliveredPerSec: number;
	p50Ms: number | null;
	p99Ms: number | null;
	maxMs: number | null;
	serverCpuMs: number;
	cpuPer1kMs: number | null;
	serverCpuShare: number;
	generatorCpuShare: number;
	/** CPU other processes on the machine used during the step, as a share of one core (noise). */
	otherCpuShare: number;
	acks: number;
	refusals: Record<string, number>;
	dropped: number;
	lateSends: number;
	valid: boolean;
	pass: boolean;
	why?: string;
	/** Direct: offered beyond the per-client cap of the workload. */
	beyondCap?: boolean;
	/** Run a second time because the first failed while other processes were busy. */
	retried?: boolean;
}

interface Session {
	system: RunningSystem;
	generators: Generator[];
	/** Fan-out receivers (group members besides the sender). */
	members: number;
	/** Direct clients. */
	directClients: number;
	/** Per generator: the direct peer of each of its identities ('' for none). */
	peers: string[][];
	nextStep: number;
}

async function runStep(session: Session, workload: Workload, offered: number, durationMs: number, drainMs: number): Promise<StepResult> {
	const { system, generators } = session;
	const step = session.nextStep++;
	const messageRate = workload === 'direct' ? offered : offered / session.members;
	const startAtUs = nowUs() + 150_000;
	const ours = new Set([process.pid, ...spawnedPids()]);
	const othersBefore = otherProcessesCpu(ours);
	const cpuBefore = cpuTimeMs(system.pid) ?? 0;
	const replies = await Promise.all(
		generators.map((generator, g) => {
			const share = workload === 'direct' ? session.peers[g]!.filter(Boolean).length / session.directClients : 1;
			return generator.call({
				cmd: workload,
				step,
				rate: messageRate * share,
				durationMs,
				drainMs,
				startAtUs,
				peers: session.peers[g],
			});
		}),
	);
	const cpuAfter = cpuTimeMs(system.pid) ?? cpuBefore;
	const otherCpuMs = otherCpuBetween(othersBefore, otherProcessesCpu(ours));
	const stats = replies.map((r) => (r as { result: StepStats }).result);
	const histogram = new Histogram();
	let sent = 0;
	let planned = 0;
	let delivered = 0;
	let acks = 0;
	let dropped = 0;
	let lateSends = 0;
	let generatorCpuUs = 0;
	const refusals: Record<string, number> = {};
	for (const s of stats) {
		histogram.merge(s.histogram, s.maxLatencyUs);
		sent += s.sent;
		planned += s.planned;
		delivered += s.received;
		acks += s.acks;
		dropped += s.dropped;
		lateSends += s.lateSends;
		generatorCpuUs += s.cpuUs;
		for (const [code, n] of Object.entries(s.refusals)) refusals[code] = (refusals[code] ?? 0) + n;
	}
	const expected = workload === 'direct' ? sent : sent * session.members;
	const serverCpuMs = cpuAfter - cpuBefore;
	const windowMs = durationMs + drainMs + 150;
	const ms = (us: number | undefined) => (us === undefined ? null : us / 1000);
	const result: StepResult = {
		workload,
		system: system.label,
		step,
		offered,
		messageRate,
		planned,
		sent,
		expected,
		delivered,
		deliveryRatio: expected > 0 ? delivered / expected : 0,
		deliveredPerSec: delivered / (durationMs / 1000),
		p50Ms: ms(histogram.percentile(0.5)),
		p99Ms: ms(histogram.percentile(0.99)),
		maxMs: ms(histogram.count > 0 ? histogram.max : undefined),
		serverCpuMs,
		cpuPer1kMs: delivered > 0 ? (serverCpuMs / delivered) * 1000 : null,
		serverCpuShare: serverCpuMs / windowMs,
		generatorCpuShare: generatorCpuUs / 1000 / durationMs,
		otherCpuShare: otherCpuMs / windowMs,
		acks,
		refusals,
		dropped,
		lateSends,
		valid: true,
		pass: true,
	};
	const reasons: string[] = [];
	if (sent < planned * MIN_SENT_SHARE) reasons.push(`generator sent ${sent} of ${planned}`);
	if (lateSends > sent * MAX_LATE_SHARE) reasons.push(`generator late on ${lateSends} sends`);
	if (result.generatorCpuShare > MAX_GENERATOR_CPU) {
		reasons.push(`generator CPU ${(result.generatorCpuShare * 100).toFixed(0)}%`);
	}
	if (reasons.length > 0) {
		result.valid = false;
		result.pass = false;
		result.why = `INVALID (${reasons.join(', ')})`;
		return result;
	}
	const failures: string[] = [];
	if (result.deliveryRatio < MIN_DELIVERY) failures.push(`delivered ${(result.deliveryRatio * 100).toFixed(1)}%`);
	if (result.p99Ms === null || result.p99Ms > MAX_P99_MS) failures.push(`p99 ${result.p99Ms?.toFixed(0) ?? '—'} ms`);
	const refused = Object.entries(refusals).map(([code, n]) => `${code} ×${n}`);
	if (refused.length > 0) failures.push(`refused: ${refused.join(', ')}`);
	if (dropped > 0) failures.push(`${dropped} connections dropped`);
	if (failures.length > 0) {
		result.pass = false;
		result.why = failures.join(', ');
	}
	return result;
}

function formatStep(r: StepResult): string {
	return `${formatStepLine(r)}`;
}

function formatStepLine(r: StepResult): string {
	const f = (n: number | null, digits = 1) => (n === null ? '—' : n.toFixed(digits));
	return (
		`    ${r.workload.padEnd(6)} offered ${String(Math.round(r.offered)).padStart(6)}/s  ` +
		(r.sent < r.planned ? `achieved ${Math.round((r.offered * r.sent) / Math.max(1, r.planned))}/s  ` : '') +
		`delivered ${String(Math.round(r.deliveredPerSec)).padStart(6)}/s (${(r.deliveryRatio * 100).toFixed(1)}%)  ` +
		`p50 ${f(r.p50Ms, 2)} p99 ${f(r.p99Ms, 2)} ms  ` +
		`server CPU ${(r.serverCpuShare * 100).toFixed(0)}% ${f(r.cpuPer1kMs, 1)} ms/1k  ` +
		`gen CPU ${(r.generatorCpuShare * 100).toFixed(0)}%` +
		(r.otherCpuShare > DISTURBED_SHARE ? `  [disturbed: other processes ${(r.otherCpuShare * 100).toFixed(0)}% CPU]` : '') +
		(r.pass ? '' : `  ✗ ${r.why}`)
	);
}

/** Steps up the ladder until a step fails or is invalid; returns every step run. */
async function ladder(session: Session, workload: Workload, rates: number[], stepMs: number, drainMs: number, warmUp = true): Promise<StepResult[]> {
	// Warm-up at the lowest rate (JIT, caches), not recorded.
	if (rates.length > 0 && warmUp) {
		await runStep(session, workload, rates[0]!, PLAN.warmupMs, drainMs);
	}
	const results: StepResult[] = [];
	for (const rate of rates) {
		let result = await runStep(session, workload, rate, stepMs, drainMs);
		if (!result.pass && result.otherCpuShare > DISTURBED_SHARE) {
			// Other work on the machine may have caused the failure: once more, after a pause.
			log(`${formatStep(result)}  (retrying once)`);
			await sleep(2000);
			result = { ...(await runStep(session, workload, rate, stepMs, drainMs)), retried: true };
		}
		results.push(result);
		log(formatStep(result));
		if (!result.pass) break;
	}
	return results;
}

/** Ladder rates up to `cap`, with `cap` itself as the last step when it falls between two. */
function capLadder(rates: number[], cap: number): number[] {
	const below = rates.filter((r) => r <= cap);
	const last = below.at(-1);
	if (last === undefined) return [Math.floor(cap)];
	if (cap > last * 1.05) below.push(Math.floor(cap));
	return below;
}

// ----------------------------------------------------------------- sessions

interface SessionPlan {
	directClients: number;
	members: number;
	fanout: boolean;
	direct: boolean;
}

function directNames(count: number): string[] {
	return Array.from({ length: count }, (_, i) => `u${i}`);
}

async function startSystem(
	kind: SystemKind,
	tmp: string,
	label: string,
	opts: { cpuProfileDir?: string; synchronous?: 'NORMAL'; inspect?: boolean } = {},
): Promise<RunningSystem> {
	const dir = path.join(tmp, label);
	mkdirSync(dir, { recursive: true });
	switch (kind) {
		case 'bare-relay':
			return startBareRelay(SERVER_CORE, { inspect: opts.inspect });
		case 'chat-tui':
			return startChatTui(SERVER_CORE, { dataDir: path.join(dir, 'data'), ...opts });
		case 'ngircd':
			return startNgircd(SERVER_CORE, dir);
		case 'mosquitto':
			return startMosquitto(SERVER_CORE, dir);
	}
}

/** Starts the system (seeded for chat-tui), the generators, and connects every client. */
async function openSession(kind: SystemKind, tmp: string, label: string, plan: SessionPlan, opts: { cpuProfileDir?: string; synchronous?: 'NORMAL' } = {}): Promise<Session> {
	const names = plan.direct || kind !== 'mosquitto' ? directNames(Math.max(plan.directClients, plan.members)) : directNames(plan.members);
	const sender = 'fs';
	let tokens = new Map<string, string>();
	if (kind === 'chat-tui') {
		const dataDir = path.join(tmp, label, 'data');
		mkdirSync(dataDir, { recursive: true });
		const friends: Array<[string, string]> = [];
		for (let i = 0; i + 1 < plan.directClients; i += 2) friends.push([names[i]!, names[i + 1]!]);
		tokens = await seedChatTui(
			dataDir,
			{
				users: [...names, sender],
				friends,
				group: plan.fanout ? { name: DIRECT_ROOM, creator: sender, members: names.slice(0, plan.members) } : undefined,
			},
			PASSWORD,
		);
	}
	const system = await startSystem(kind, tmp, label, opts);
	const generators = await startGenerators(GENERATORS);
	const identities: Identity[] = names.map((name, index) => ({ index, name, token: tokens.get(name), password: PASSWORD }));
	const chunks = split(identities, generators.length);
	const peers: string[][] = [];
	await Promise.all(
		generators.map(async (generator, g) => {
			const own = [...chunks[g]!];
			let senderIndex: number | undefined;
			if (g === 0 && plan.fanout) {
				senderIndex = own.length;
				own.push({ index: identities.length, name: sender, token: tokens.get(sender), password: PASSWORD });
			}
			generator.identities = own;
			peers[g] = own.map((identity) =>
				identity.name !== sender && plan.direct && identity.index < plan.directClients
					? `u${identity.index ^ 1}`
					: '',
			);
			await generator.call({
				cmd: 'setup',
				target: system.target,
				identities: own,
				room: plan.fanout ? DIRECT_ROOM : undefined,
				senderIndex,
				ircOper: kind === 'ngircd' ? IRC_OPER : undefined,
				textBytes: TEXT_BYTES,
			});
		}),
	);
	const started = performance.now();
	const connected = await Promise.all(generators.map((g) => g.call({ cmd: 'connect', concurrency: 50 })));
	const failed = connected.reduce((n, r) => n + (r as { result: ConnectReply }).result.failed, 0);
	if (failed > 0) {
		const first = connected.map((r) => (r as { result: ConnectReply }).result.firstError).find(Boolean);
		throw new Error(`${label}: ${failed} clients could not connect: ${first}`);
	}
	const total = generators.reduce((n, g) => n + g.identities.length, 0);
	log(`  ${label}: ${total} clients connected and logged in (${((performance.now() - started) / 1000).toFixed(1)} s)`);
	return { system, generators, members: plan.members, directClients: plan.directClients, peers, nextStep: 0 };
}

async function closeSession(session: Session): Promise<void> {
	await Promise.all(session.generators.map((g) => g.stop()));
	await session.system.stop();
}

// ------------------------------------------------------------ the workloads

interface SystemSteps {
	direct: StepResult[];
	fanout: StepResult[];
}

const steps = new Map<string, SystemSteps>();
/** Per workload and system: true when every step offered passed (its peak is a lower bound, set by the offered load). */
const bounded = new Map<Workload, Map<string, boolean>>();
const unavailable = new Map<SystemKind, string>();

interface Ceiling {
	direct: number | null;
	fanout: number | null;
}

/** The load generator's own ceiling, against the bare relay: generator CPU per message, extrapolated to one whole core. */
async function measureCeiling(session: Session): Promise<Ceiling> {
	const estimate = (results: StepResult[], kind: string): number | null => {
		// The highest step the relay fully delivered: there the generator's CPU per delivery is the least disturbed.
		const good = results.filter((r) => r.deliveryRatio >= MIN_DELIVERY && r.generatorCpuShare > 0);
		const best = good.at(-1);
		if (!best) return null;
		const ceiling = best.deliveredPerSec / Math.max(best.generatorCpuShare, 0.01);
		log(
			`    generator ceiling (${kind}): ≈ ${Math.round(ceiling)} deliveries/s ` +
				`(${Math.round(best.deliveredPerSec)}/s at ${(best.generatorCpuShare * 100).toFixed(0)}% of its core)`,
		);
		setDetails('generator', `ceiling_${kind}_basis`, {
			deliveredPerSec: best.deliveredPerSec,
			generatorCpuShare: best.generatorCpuShare,
			relayCpuShare: best.serverCpuShare,
		});
		return ceiling;
	};
	const probe = async (workload: Workload, rates: number[]) => {
		await runStep(session, workload, rates[0]!, PLAN.warmupMs, PLAN.drainMs); // warm-up
		const results: StepResult[] = [];
		for (const rate of rates) {
			const result = await runStep(session, workload, rate, PLAN.ceilingStepMs, PLAN.drainMs);
			results.push(result);
			log(formatStep(result));
			// Past a full core on either side there is nothing more to learn.
			if (result.deliveryRatio < MIN_DELIVERY || result.generatorCpuShare > CEILING_PROBE_CPU || result.serverCpuShare > 0.9) break;
		}
		return results;
	};
	log('  generator ceiling against the bare relay (no per-client cap):');
	const direct = estimate(await probe('direct', CEILING_DIRECT), 'direct');
	const fanout = estimate(await probe('fanout', CEILING_FANOUT), 'fanout');
	return { direct, fanout };
}

async function runWorkloadSession(kind: SystemKind, tmp: string, ceiling: Ceiling, reuse?: Session): Promise<SystemSteps> {
	const direct = WORKLOADS.has('direct') && kind !== 'mosquitto';
	const fanout = WORKLOADS.has('fanout');
	const result: SystemSteps = { direct: [], fanout: [] };
	if (!direct && !fanout) return result;
	const session =
		reuse ??
		(await openSession(kind, tmp, `${kind}-load`, {
			directClients: PLAN.directClients,
			members: PLAN.fanoutMembers,
			direct,
			fanout,
		}));
	try {
		if (direct) {
			const limit = (ceiling.direct ?? Infinity) * CEILING_SHARE;
			const cap = Math.min(limit, PLAN.directClients * PLAN.perClientMaxRate);
			result.direct = await ladder(session, 'direct', capLadder(DIRECT_LADDER, cap), PLAN.stepMs, PLAN.drainMs);
			const beyond = DIRECT_BEYOND_CAP.filter((rate) => rate > cap && rate <= limit);
			if (result.direct.length > 0 && result.direct.every((r) => r.pass) && beyond.length > 0) {
				log(`    beyond the per-client cap (${PLAN.perClientMaxRate} msg/s each):`);
				for (const r of await ladder(session, 'direct', beyond, PLAN.stepMs, PLAN.drainMs, false)) {
					result.direct.push({ ...r, beyondCap: true });
				}
			}
		}
		if (fanout) {
			const cap = (ceiling.fanout ?? Infinity) * CEILING_SHARE;
			result.fanout = await ladder(session, 'fanout', capLadder(FANOUT_LADDER, cap), PLAN.stepMs, PLAN.drainMs);
		}
	} finally {
		await closeSession(session);
	}
	return result;
}

async function medianRss(pid: number, samples = 7): Promise<number> {
	const values: number[] = [];
	for (let i = 0; i < samples; i++) {
		values.push(rssKiB(pid) ?? 0);
		await sleep(150);
	}
	values.sort((a, b) => a - b);
	return values[Math.floor(values.length / 2)]!;
}

interface IdleAndLogin {
	rssBaselineKiB: number;
	/** After every connection logged in and (Node servers) a forced full garbage collection. */
	rssIdleKiB: number;
	/** The same before that collection. */
	rssIdleBeforeGcKiB: number;
	perConnectionKiB: number;
	perConnectionBeforeGcKiB: number;
	connections: number;
	/** Whether full garbage collections were forced (Node servers). */
	collected: boolean;
	logins: Record<string, LoginResult>;
}

interface LoginResult {
	perSec: number;
	/** Server CPU per login, ms. */
	cpuMsEach: number | null;
	/** The generators' CPU over the run as a share of their one core. */
	generatorCpuShare: number;
	done: number;
	failed: number;
	firstError?: string;
}

function formatLogin(what: string, run: LoginResult): string {
	return (
		`    ${what}: ${run.done} at ${run.perSec.toFixed(run.perSec < 100 ? 1 : 0)}/s, server CPU ${run.cpuMsEach?.toFixed(2) ?? '—'} ms each, ` +
		`gen CPU ${(run.generatorCpuShare * 100).toFixed(0)}% (${run.failed} failed${run.firstError ? `: ${run.firstError}` : ''})`
	);
}

async function loginRun(
	session: { system: RunningSystem; generators: Generator[] },
	how: 'token' | 'password' | 'register' | 'connect',
	identities: Identity[],
	concurrency: number,
): Promise<LoginResult & { tokens: Record<string, string> }> {
	const chunks = split(identities, session.generators.length);
	const cpuBefore = cpuTimeMs(session.system.pid) ?? 0;
	const started = performance.now();
	const replies = await Promise.all(
		session.generators.map((g, i) => g.call({ cmd: 'login', how, identities: chunks[i]!, concurrency })),
	);
	const elapsed = performance.now() - started;
	const cpu = (cpuTimeMs(session.system.pid) ?? cpuBefore) - cpuBefore;
	const results = replies.map((r) => (r as { result: LoginReply }).result);
	const done = results.reduce((n, r) => n + r.done, 0);
	const failed = results.reduce((n, r) => n + r.failed, 0);
	const tokens = Object.assign({}, ...results.map((r) => r.tokens ?? {})) as Record<string, string>;
	return {
		perSec: done / (elapsed / 1000),
		cpuMsEach: done > 0 ? cpu / done : null,
		generatorCpuShare: results.reduce((n, r) => n + r.cpuUs, 0) / 1000 / elapsed,
		done,
		failed,
		firstError: results.map((r) => r.firstError).find(Boolean),
		tokens,
	};
}

/** Idle memory (RSS growth per idle logged-in connection), then connect-and-login rates, on a fresh server. */
async function runIdleAndLogin(kind: SystemKind, tmp: string): Promise<IdleAndLogin | undefined> {
	if (kind === 'mosquitto' || (!WORKLOADS.has('idle') && !WORKLOADS.has('login'))) return undefined;
	const label = `${kind}-idle`;
	const count = PLAN.idleConnections;
	const names = Array.from({ length: count }, (_, i) => `i${i}`);
	let tokens = new Map<string, string>();
	if (kind === 'chat-tui') {
		const dataDir = path.join(tmp, label, 'data');
		mkdirSync(dataDir, { recursive: true });
		tokens = await seedChatTui(dataDir, { users: names }, PASSWORD);
	}
	// Node servers get their inspector on, to force full garbage collections around the measurement.
	const system = await startSystem(kind, tmp, label, { inspect: true });
	const generators = await startGenerators(GENERATORS);
	const session = { system, generators };
	const result: IdleAndLogin = {
		rssBaselineKiB: 0,
		rssIdleKiB: 0,
		rssIdleBeforeGcKiB: 0,
		perConnectionKiB: 0,
		perConnectionBeforeGcKiB: 0,
		connections: 0,
		collected: false,
		logins: {},
	};
	try {
		const identities: Identity[] = names.map((name, index) => ({ index, name, token: tokens.get(name), password: PASSWORD }));
		const chunks = split(identities, generators.length);
		await Promise.all(
			generators.map((g, i) => {
				g.identities = chunks[i]!;
				return g.call({ cmd: 'setup', target: system.target, identities: chunks[i]!, textBytes: TEXT_BYTES });
			}),
		);
		const how = kind === 'chat-tui' ? 'token' : 'connect';
		// Warm the server's code paths (and caches) with a few logins before the baseline.
		await loginRun(session, how, identities.slice(0, 50), 10);
		await sleep(500);
		if (WORKLOADS.has('idle')) {
			result.collected = await forceGc(system);
			await sleep(300);
			result.rssBaselineKiB = await medianRss(system.pid);
			const started = performance.now();
			const connected = await Promise.all(generators.map((g) => g.call({ cmd: 'connect', concurrency: 50 })));
			const replies = connected.map((r) => (r as { result: ConnectReply }).result);
			result.connections = replies.reduce((n, r) => n + r.connected, 0);
			const failed = replies.reduce((n, r) => n + r.failed, 0);
			if (failed > 0) log(`    ${failed} idle connections failed: ${replies.map((r) => r.firstError).find(Boolean)}`);
			const connectSeconds = (performance.now() - started) / 1000;
			await sleep(PLAN.settleMs);
			result.rssIdleBeforeGcKiB = await medianRss(system.pid);
			result.rssIdleKiB = (await forceGc(system)) ? (await sleep(300), await medianRss(system.pid)) : result.rssIdleBeforeGcKiB;
			const perConnection = (rss: number) => (rss - result.rssBaselineKiB) / Math.max(1, result.connections);
			result.perConnectionKiB = perConnection(result.rssIdleKiB);
			result.perConnectionBeforeGcKiB = perConnection(result.rssIdleBeforeGcKiB);
			log(
				`    idle: ${result.connections} logged-in connections in ${connectSeconds.toFixed(1)} s; ` +
					`RSS ${(result.rssBaselineKiB / 1024).toFixed(1)} → ${(result.rssIdleKiB / 1024).toFixed(1)} MiB = ` +
					`${result.perConnectionKiB.toFixed(2)} KiB per connection` +
					(result.collected ? ` after a full GC (${result.perConnectionBeforeGcKiB.toFixed(2)} before it)` : ''),
			);
			// Release them; the login runs use fresh connections.
			await Promise.all(generators.map((g) => g.stop()));
			generators.splice(0, generators.length, ...(await startGenerators(GENERATORS)));
			await Promise.all(
				generators.map((g, i) => {
					g.identities = chunks[i]!;
					return g.call({ cmd: 'setup', target: system.target, identities: chunks[i]!, textBytes: TEXT_BYTES });
				}),
			);
			await sleep(500);
		}
		if (WORKLOADS.has('login')) {
			const logins = identities.slice(0, PLAN.tokenLogins);
			const run = await loginRun(session, how, logins, 32);
			result.logins[kind === 'chat-tui' ? 'token' : 'connect'] = run;
			log(formatLogin(kind === 'chat-tui' ? 'token logins' : kind === 'ngircd' ? 'connect + NICK/USER' : 'connect', run));
			if (kind === 'chat-tui') {
				const fresh: Identity[] = Array.from({ length: PLAN.registerCount }, (_, i) => ({
					index: i,
					name: `r${i}`,
					password: PASSWORD,
				}));
				const registered = await loginRun(session, 'register', fresh, 16);
				result.logins.register = registered;
				log(formatLogin('register (scrypt hash)', registered));
				const password = await loginRun(session, 'password', fresh, 16);
				result.logins.password = password;
				log(formatLogin('password logins (scrypt verify)', password));
			}
		}
	} finally {
		await Promise.all(generators.map((g) => g.stop()));
		await system.stop();
	}
	return result;
}

// ------------------------------------------------------------------ figures

function best(results: StepResult[]): StepResult | undefined {
	return results.filter((r) => r.pass).at(-1);
}

/** The highest offered rate every listed system passed. */
function referenceRate(all: Array<StepResult[]>): number | undefined {
	const passedSets = all.filter((r) => r.length > 0).map((r) => new Set(r.filter((s) => s.pass).map((s) => s.offered)));
	if (passedSets.length === 0) return undefined;
	const common = [...passedSets[0]!].filter((rate) => passedSets.every((set) => set.has(rate)));
	return common.length > 0 ? Math.max(...common) : undefined;
}

function systemKey(label: string): string {
	return label === 'bare relay' ? 'bare-relay' : label;
}

function recordLoad(workload: Workload, perSystem: Map<string, StepResult[]>): void {
	const section = workload;
	const unit = workload === 'direct' ? 'msg/s' : 'deliveries/s';
	// Direct: the reference is within the workload's per-client cap (the workload as the issue defines it).
	const ref = referenceRate([...perSystem.values()].map((results) => results.filter((r) => !r.beyondCap)));
	record(section, 'reference_rate', ref ?? null, unit);
	for (const [label, results] of perSystem) {
		const system = systemKey(label);
		const peak = best(results);
		const last = results.at(-1);
		const capped = last !== undefined && last.pass;
		const atRef = results.find((r) => r.offered === ref && r.pass);
		record(section, 'peak_delivered_per_s', peak?.deliveredPerSec ?? null, unit, system);
		if (workload === 'direct') {
			const withinCap = best(results.filter((r) => !r.beyondCap));
			record(section, 'peak_within_client_cap_per_s', withinCap?.deliveredPerSec ?? null, unit, system);
		}
		record(section, 'cpu_ms_per_1k_at_ref', atRef?.cpuPer1kMs ?? null, 'ms CPU', system);
		record(section, 'p50_ms_at_ref', atRef?.p50Ms ?? null, 'ms', system);
		record(section, 'p99_ms_at_ref', atRef?.p99Ms ?? null, 'ms', system);
		record(section, 'cpu_ms_per_1k_at_peak', peak?.cpuPer1kMs ?? null, 'ms CPU', system);
		record(section, 'p99_ms_at_peak', peak?.p99Ms ?? null, 'ms', system);
		record(section, 'server_cpu_share_at_peak', peak ? peak.serverCpuShare * 100 : null, '% of a core', system);
		if (capped) note(section, `${label}: passed every step offered (peak ≥ ${Math.round(peak?.deliveredPerSec ?? 0)}/s: bounded by the offered load, ≤ 70% of the generator ceiling, not by the server).`);
		else if (last) note(section, `${label}: stopped at ${Math.round(last.offered)}/s offered: ${last.why}.`);
	}
	const disturbed = [...perSystem.values()].flat().filter((r) => r.otherCpuShare > DISTURBED_SHARE);
	if (disturbed.length > 0) {
		note(section, `${disturbed.length} step(s) ran while other processes used > ${DISTURBED_SHARE * 100}% of a core (noise): ${disturbed.map((r) => `${r.system} ${Math.round(r.offered)}/s`).join(', ')}.`);
	}
	setAppendix(
		section,
		[...perSystem]
			.map(([label, results]) => [`${label}:`, ...results.map((r) => (r.beyondCap ? `${formatStepLine(r)}  (beyond the per-client cap)` : formatStepLine(r)))].join('\n'))
			.join('\n'),
	);
	bounded.set(workload, new Map([...perSystem].map(([label, results]) => [systemKey(label), results.at(-1)?.pass === true])));
	setDetails(section, 'steps', Object.fromEntries([...perSystem].map(([label, results]) => [systemKey(label), results])));
}

function computeTargets(): void {
	const results = current();
	const v = (section: string, key: string, system: string) => figureValue(results, section, key, system);
	const add = (id: string, text: string, value: number | null, op: '<=' | '>=', limit: number) =>
		recordTarget({ id, text, value, op, limit });
	add('direct.cpu_vs_bare', 'direct: CPU per 1,000 delivered, chat-tui ÷ bare relay', ratio(v('direct', 'cpu_ms_per_1k_at_ref', 'chat-tui'), v('direct', 'cpu_ms_per_1k_at_ref', 'bare-relay')), '<=', 1.25);
	add('direct.cpu_vs_irc', 'direct: CPU per 1,000 delivered, chat-tui ÷ ngircd', ratio(v('direct', 'cpu_ms_per_1k_at_ref', 'chat-tui'), v('direct', 'cpu_ms_per_1k_at_ref', 'ngircd')), '<=', 1);
	const peakNote = (workload: Workload): string | undefined => {
		const chat = bounded.get(workload)?.get('chat-tui');
		const bare = bounded.get(workload)?.get('bare-relay');
		if (chat && bare) return 'both passed every step offered: neither peak was reached, the ratio is not conclusive';
		if (bare) return 'the bare relay passed every step offered: its real peak is higher, the real ratio lower';
		return undefined;
	};
	recordTarget({
		id: 'direct.peak_vs_bare',
		text: 'direct: peak delivered msg/s, chat-tui ÷ bare relay',
		value: ratio(v('direct', 'peak_delivered_per_s', 'chat-tui'), v('direct', 'peak_delivered_per_s', 'bare-relay')),
		op: '>=',
		limit: 0.8,
		note: peakNote('direct'),
	});
	add('direct.p99_vs_bare', 'direct: p99 at the reference rate, chat-tui ÷ bare relay', ratio(v('direct', 'p99_ms_at_ref', 'chat-tui'), v('direct', 'p99_ms_at_ref', 'bare-relay')), '<=', 1.5);
	recordTarget({
		id: 'fanout.rate_vs_bare',
		text: 'fan-out: peak deliveries/s, chat-tui ÷ bare relay',
		value: ratio(v('fanout', 'peak_delivered_per_s', 'chat-tui'), v('fanout', 'peak_delivered_per_s', 'bare-relay')),
		op: '>=',
		limit: 0.8,
		note: peakNote('fanout'),
	});
	add('fanout.cpu_vs_mqtt', 'fan-out: CPU per 1,000 deliveries, chat-tui ÷ mosquitto', ratio(v('fanout', 'cpu_ms_per_1k_at_ref', 'chat-tui'), v('fanout', 'cpu_ms_per_1k_at_ref', 'mosquitto')), '<=', 1);
	add('idle.memory_vs_bare', 'idle: RSS per connection, chat-tui ÷ bare relay', ratio(v('idle', 'rss_kib_per_connection', 'chat-tui'), v('idle', 'rss_kib_per_connection', 'bare-relay')), '<=', 1.5);
}

// ------------------------------------------------------------------ profile

/**
 * The server's system calls per message, recorded by strace (when installed) over a short
 * step: how many fsyncs (of the WAL, of the database file), page writes and socket writes one
 * message costs, and how long the fsyncs take.
 */
async function countSyscalls(
	session: Session,
	workload: Workload,
	tmp: string,
): Promise<{ rate: number; messages: number; calls: Record<string, number>; perMessage: Record<string, number>; fsyncMs: Record<string, number> } | undefined> {
	if (spawnSync('sh', ['-c', 'command -v strace'], { stdio: 'ignore' }).status !== 0) return undefined;
	const output = path.join(tmp, `strace-${workload}.txt`);
	const strace = spawnPinned(
		'strace',
		['-f', '-y', '-T', '-o', output, '-e', 'trace=fsync,fdatasync,pwrite64,writev,read', '-p', String(session.system.pid)],
		{ core: GENERATOR_CORE },
	);
	await sleep(500);
	const rate = workload === 'direct' ? 2000 : 20 * session.members;
	const result = await runStep(session, workload, rate, 2000, PLAN.drainMs);
	await stopProcess(strace, 5000, 'SIGINT');
	let text = '';
	try {
		text = readFileSync(output, 'utf8');
	} catch {
		return undefined;
	}
	// Sockets by kind, files by name (chat-tui.db-wal, chat-tui.db, the data directory).
	const kind = (file: string) => (file.includes('TCP') || file.startsWith('socket') ? 'socket' : path.basename(file));
	const calls: Record<string, number> = {};
	const fsyncUs: Record<string, number> = {};
	for (const line of text.split('\n')) {
		const match = line.match(/^\d+\s+(\w+)\(\d+<([^>]*)>.*<([\d.]+)>$/);
		if (!match) continue;
		const [, name, file, seconds] = match;
		const key = `${name}(${kind(file!)})`;
		calls[key] = (calls[key] ?? 0) + 1;
		if (name === 'fsync' || name === 'fdatasync') fsyncUs[key] = (fsyncUs[key] ?? 0) + Number(seconds) * 1e6;
	}
	// Messages the server got through while traced (strace slows it down: not all that were sent).
	const messages = workload === 'direct' ? result.delivered : result.delivered / session.members;
	if (messages < 1) return undefined;
	const perMessage = Object.fromEntries(
		Object.entries(calls)
			.filter(([key]) => !/^(read|writev)\((?!socket)/.test(key))
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([key, n]) => [key, n / messages]),
	);
	const fsyncMs = Object.fromEntries(Object.entries(fsyncUs).map(([key, us]) => [key, us / 1000 / (calls[key] ?? 1)]));
	return { rate, messages, calls, perMessage, fsyncMs };
}

async function profileChatTui(tmp: string, rates: { direct?: number; fanout?: number }): Promise<void> {
	setTitle('profile', 'chat-tui CPU profile (node --cpu-prof on the server; self time)');
	note('profile', `Each profile covers the server's whole life: start-up, the clients' token logins (for fan-out each login announces presence to every co-member: contactsOf), then ${PLAN.profileMs / 1000} s at the workload's highest passing rate. Shares are of the main thread's busy (non-idle) wall time, so time blocked in fsync counts; better-sqlite3's native calls have no frames of their own and show as the self time of the JS calling them.`);
	const profileText: string[] = [];
	for (const workload of ['direct', 'fanout'] as const) {
		const rate = rates[workload];
		if (!rate || !WORKLOADS.has(workload)) continue;
		const dir = path.join(tmp, `profile-${workload}`);
		mkdirSync(dir, { recursive: true });
		log(`  profiling chat-tui under ${workload} at ${Math.round(rate)}/s for ${PLAN.profileMs / 1000} s ...`);
		const session = await openSession('chat-tui', tmp, `chat-tui-profile-${workload}`, {
			directClients: PLAN.directClients,
			members: PLAN.fanoutMembers,
			direct: workload === 'direct',
			fanout: workload === 'fanout',
		}, { cpuProfileDir: dir });
		let result: StepResult;
		try {
			result = await runStep(session, workload, rate, PLAN.profileMs, PLAN.drainMs);
			log(formatStep(result));
		} finally {
			await closeSession(session);
		}
		const file = newestProfile(dir);
		if (!file) {
			note('profile', `${workload}: no profile was written`);
			continue;
		}
		const saved = path.join(ROOT, 'bench', 'results', 'profiles', `chat-tui-${workload}.cpuprofile`);
		mkdirSync(path.dirname(saved), { recursive: true });
		execFileSync('cp', [file, saved]);
		const summary: ProfileSummary = summarizeProfile(saved);
		const text = formatProfile(`chat-tui, ${workload} at ${Math.round(rate)}/s`, summary).replace(summary.file, `bench/results/profiles/chat-tui-${workload}.cpuprofile`);
		log(text);
		profileText.push(text);
		setAppendix('profile', profileText.join('\n\n'));
		setDetails('profile', workload, { rate, step: result, summary });
		const share = (category: string) => summary.categories.find((c) => c.category === category)?.percent ?? 0;
		record('profile', `${workload}.busy_share_sqlite_commit`, share(SQLITE_COMMIT), '% of busy');
		record('profile', `${workload}.busy_share_sqlite_statements`, share(SQLITE_STATEMENTS), '% of busy');
		record('profile', `${workload}.busy_share_zod`, share('zod (validation)'), '% of busy');
		record('profile', `${workload}.busy_share_gc`, share('garbage collection'), '% of busy');
		record('profile', `${workload}.busy_share_socket_writes`, share('socket writes (native)'), '% of busy');
		const top = summary.top.slice(0, 5).map((f) => `${f.name} ${f.percent.toFixed(1)}%`).join(', ');
		note('profile', `${workload}: top self time: ${top} (raw profile: bench/results/profiles/chat-tui-${workload}.cpuprofile)`);
		// System calls per message, on a fresh server without the profiler (strace slows it down a lot).
		// Fan-out only: its one sender's requests are handled one at a time, so each message has its own
		// commit with or without strace; with many senders (direct) strace's slowness would inflate
		// the group commit's batches and understate the fsyncs per message.
		if (workload !== 'fanout') continue;
		const traced = await openSession('chat-tui', tmp, `chat-tui-strace-${workload}`, {
			directClients: PLAN.directClients,
			members: PLAN.fanoutMembers,
			direct: false,
			fanout: true,
		});
		try {
			const syscalls = await countSyscalls(traced, workload, tmp);
			if (syscalls) {
				const per = 'message sent (each to every member)';
				const line =
					Object.entries(syscalls.perMessage)
						.map(([name, n]) => `${name} ${n.toFixed(2)}`)
						.join(', ') +
					`; mean fsync ${Object.entries(syscalls.fsyncMs)
						.map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`)
						.join(', ')} (under strace)`;
				log(`    strace at ${syscalls.rate}/s: syscalls per ${per}: ${line}`);
				note('profile', `${workload}: syscalls per ${per} (strace -f on a fresh server at ${syscalls.rate}/s offered, a separate step): ${line}.`);
				setDetails('profile', `${workload}_syscalls`, syscalls);
				for (const [name, n] of Object.entries(syscalls.perMessage)) {
					record('profile', `${workload}.${name.replace(/[^a-z0-9]+/gi, '_').replace(/_$/, '')}_per_message`, n, 'calls');
				}
			}
		} finally {
			await closeSession(traced);
		}
	}
	// What SQLite's fsync at every commit costs: the same server with synchronous=NORMAL.
	log('  diagnostic: chat-tui with SQLite synchronous=NORMAL (not a supported setting; shows the fsync cost)');
	const variant = await runWorkloadSession('chat-tui', tmp, { direct: null, fanout: null }, await openSession('chat-tui', tmp, 'chat-tui-normal', {
		directClients: PLAN.directClients,
		members: PLAN.fanoutMembers,
		direct: WORKLOADS.has('direct'),
		fanout: WORKLOADS.has('fanout'),
	}, { synchronous: 'NORMAL' }));
	setTitle('diagnostic', 'chat-tui with synchronous=NORMAL (what the per-message fsync costs; not a target)');
	for (const workload of ['direct', 'fanout'] as const) {
		const peak = best(variant[workload]);
		const full = steps.get('chat-tui');
		const fullPeak = full ? best(full[workload]) : undefined;
		const unit = workload === 'direct' ? 'msg/s' : 'deliveries/s';
		record('diagnostic', `${workload}.peak_delivered_per_s`, fullPeak?.deliveredPerSec ?? null, unit, 'chat-tui');
		record('diagnostic', `${workload}.peak_delivered_per_s`, peak?.deliveredPerSec ?? null, unit, 'chat-tui-normal');
		const sameRate = fullPeak ? variant[workload].find((r) => r.offered === fullPeak.offered) : undefined;
		record('diagnostic', `${workload}.cpu_ms_per_1k_at_chat_tui_peak`, fullPeak?.cpuPer1kMs ?? null, 'ms CPU', 'chat-tui');
		record('diagnostic', `${workload}.cpu_ms_per_1k_at_chat_tui_peak`, sameRate?.cpuPer1kMs ?? null, 'ms CPU', 'chat-tui-normal');
	}
	setDetails('diagnostic', 'steps', variant);
}

// --------------------------------------------------------------------- main

function filesystemOf(dir: string): string | undefined {
	try {
		const out = execFileSync('df', ['-PT', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)?.split(/\s+/);
		return out ? `${out[1]} (${out[0]})` : undefined;
	} catch {
		return undefined;
	}
}

async function runSectionModules(): Promise<void> {
	if (flag('--no-tui')) return;
	const module = path.join(ROOT, 'dist', 'bench', 'tui', 'index.js');
	if (!existsSync(module)) return;
	log('\nTUI benchmark (bench/tui/) ...');
	// Not pinned: the TUI half measures the UI as a user runs it, not against the servers.
	if (pinning) {
		try {
			execFileSync('taskset', ['-a', '-cp', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
		} catch {
			// stays pinned
		}
	}
	const loaded = (await import(pathToFileURL(module).href)) as { run?: (context: SectionContext) => Promise<void> };
	if (typeof loaded.run !== 'function') {
		log('  bench/tui/index exports no run(context); skipped');
		return;
	}
	await loaded.run({ quick: QUICK, record, note, root: ROOT, argv });
}

async function main(): Promise<void> {
	const started = performance.now();
	if (!distExists()) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.bench.json` first (npm run bench does)');
	const results = current(); // machine info (nproc) before this process pins itself to one core
	if (pinning) {
		try {
			execFileSync('taskset', ['-a', '-cp', String(GENERATOR_CORE), String(process.pid)], { stdio: 'ignore' });
		} catch {
			// taskset missing: the servers' pinning below fails loudly instead
		}
	}
	const tmp = mkdtempSync(path.join(tmpdir(), 'chat-tui-bench-'));
	results.machine.dataFilesystem = filesystemOf(tmp);
	log(`chat-tui server benchmark (${QUICK ? 'quick' : 'full'}), temporary data in ${tmp}`);

	for (const [program, pkg, kind] of [
		['ngircd', 'ngircd', 'ngircd'],
		['mosquitto', 'mosquitto', 'mosquitto'],
	] as const) {
		if (!SYSTEMS.has(kind)) continue;
		const why = ensureDebianProgram(program, pkg, log);
		if (why) {
			unavailable.set(kind, why);
			log(`${kind}: ${why}; its columns stay empty`);
		}
	}
	const versions: string[] = [`Node ${process.version}`];
	if (SYSTEMS.has('ngircd') && !unavailable.has('ngircd')) versions.push(`ngircd ${programVersion('ngircd', ['--version'], /ngIRCd ([0-9.]+)/)}`);
	if (SYSTEMS.has('mosquitto') && !unavailable.has('mosquitto')) versions.push(`mosquitto ${programVersion('mosquitto', ['-h'], /mosquitto version (\S+)/)}`);

	if (PROFILE_ONLY) {
		try {
			log('\nchat-tui ladders (to find the rates to profile at; not recorded)');
			const chat = await runWorkloadSession('chat-tui', tmp, { direct: null, fanout: null });
			steps.set('chat-tui', chat); // the diagnostic compares with these
			const rateFor = (workload: Workload) => best(chat[workload])?.offered;
			log('\nchat-tui profiles');
			await profileChatTui(tmp, { direct: rateFor('direct'), fanout: rateFor('fanout') });
			note('profile', `Profiled at chat-tui's highest passing rate of each workload, ${PLAN.directClients} direct clients / ${PLAN.fanoutMembers} fan-out members (${QUICK ? 'quick' : 'full'} counts); server pinned to core 0, generator to core 1.`);
		} finally {
			rmSync(tmp, { recursive: true, force: true });
		}
		const final = flag('--no-write') ? current() : writeResults();
		log(`\n${formatText(final)}`);
		return;
	}
	note(undefined, pinning
		? `Each server runs alone, pinned to core 0 (taskset -c 0); ${GENERATORS} load generator process(es) and the orchestrator share core 1. Versions: ${versions.join(', ')}.`
		: `Only one core: nothing pinned; servers and generators share it. Versions: ${versions.join(', ')}.`);
	note(undefined, `chat-tui serve runs its defaults (SQLite, synchronous=FULL, every message authenticated, validated, stored and acknowledged) with its limits opened so the benchmark is not rate-limited: ${CHAT_TUI_OPEN_LIMITS.join(' ')}. Users, friendships, the group and tokens are seeded through the server's own store code before it starts; clients log in with tokens.`);
	note(undefined, `ngircd: own config, no DNS/ident, no connection caps, MaxPenaltyTime = 0 (lifts its 1-s penalties after 3 commands per read); the fan-out sender is an IRC operator with user mode +F (relaxed flood protection). mosquitto: own instance on a free port, no persistence, no log; subscribers QoS 0, publisher QoS 1 (acknowledged, like a chat-tui send).`);
	note(undefined, `Pass criteria per step: ≥ ${MIN_DELIVERY * 100}% delivered within the step plus ${PLAN.drainMs} ms, p99 ≤ ${MAX_P99_MS} ms, nothing refused or dropped. A step is INVALID (and ends the ladder) when the generator could not keep up: sent < ${MIN_SENT_SHARE * 100}% of planned, > ${MAX_LATE_SHARE * 100}% of sends > 20 ms late, or generator CPU > ${MAX_GENERATOR_CPU * 100}% of its core. Offered rates stay ≤ ${CEILING_SHARE * 100}% of the generator's measured ceiling.`);
	note(undefined, `Counts: direct ${PLAN.directClients} clients in fixed pairs (≤ ${PLAN.perClientMaxRate} msg/s each), fan-out 1 sender to ${PLAN.fanoutMembers} members, idle ${PLAN.idleConnections} connections; steps ${PLAN.stepMs / 1000} s (+${PLAN.drainMs} ms drain) after a ${PLAN.warmupMs / 1000} s warm-up; ${TEXT_BYTES}-byte texts. Latency is send-to-delivery on the shared monotonic clock. "ref" = the highest offered rate every system passed; CPU is utime+stime of the server process from /proc.`);

	const ceiling: Ceiling = { direct: null, fanout: null };
	try {
		// 1. The bare relay: the generator's ceiling, then its own ladders on the same connections.
		if (ASSUMED_CEILING) {
			ceiling.direct = ASSUMED_CEILING[0] ?? null;
			ceiling.fanout = ASSUMED_CEILING[1] ?? null;
			note(undefined, `The generator ceiling was not measured in this run but given (--assume-ceiling ${ASSUMED_CEILING.join(',')}).`);
		}
		if (!ASSUMED_CEILING || SYSTEMS.has('bare-relay')) {
			// The other systems' offered rates depend on the ceiling measured here.
			log('\nbare relay (direct + fan-out)');
			const session = await openSession('bare-relay', tmp, 'bare-relay-load', {
				directClients: PLAN.directClients,
				members: PLAN.fanoutMembers,
				direct: true,
				fanout: true,
			});
			if (!ASSUMED_CEILING) {
				try {
					Object.assign(ceiling, await measureCeiling(session));
				} catch (error) {
					await closeSession(session);
					throw error;
				}
			}
			if (SYSTEMS.has('bare-relay')) steps.set('bare relay', await runWorkloadSession('bare-relay', tmp, ceiling, session));
			else await closeSession(session);
		}
		setTitle('generator', 'Load generator ceiling (against the bare relay)');
		record('generator', 'ceiling_direct_msgs_per_s', ceiling.direct, 'msg/s');
		record('generator', 'ceiling_fanout_deliveries_per_s', ceiling.fanout, 'deliveries/s');
		record('generator', 'max_offered_direct', ceiling.direct === null ? null : Math.min(ceiling.direct * CEILING_SHARE, PLAN.directClients * PLAN.perClientMaxRate), 'msg/s');
		record('generator', 'max_offered_fanout', ceiling.fanout === null ? null : ceiling.fanout * CEILING_SHARE, 'deliveries/s');
		record('generator', 'processes', GENERATORS, 'processes');
		note('generator', 'Ceiling = deliveries/s ÷ generator CPU share at the highest step the relay fully delivered: what one core of generator could drive. chat-tui also sends an ack per message, which the generator parses too, so its steps cost the generator more.');
		for (const kind of ['chat-tui', 'ngircd', 'mosquitto'] as const) {
			if (!SYSTEMS.has(kind) || unavailable.has(kind)) continue;
			if (!WORKLOADS.has('fanout') && (kind === 'mosquitto' || !WORKLOADS.has('direct'))) continue;
			log(`\n${kind} (${kind === 'mosquitto' ? 'fan-out' : 'direct + fan-out'})`);
			try {
				steps.set(kind, await runWorkloadSession(kind, tmp, ceiling));
			} catch (error) {
				log(`  ${kind} failed: ${(error as Error).message}`);
				note(undefined, `${kind}: the load run failed: ${(error as Error).message.split('\n')[0]}`);
			}
		}

		// 2. Idle memory and logins, each on a fresh server.
		const idle = new Map<SystemKind, IdleAndLogin>();
		for (const kind of ['bare-relay', 'chat-tui', 'ngircd'] as const) {
			if (!SYSTEMS.has(kind) || unavailable.has(kind)) continue;
			if (!WORKLOADS.has('idle') && !WORKLOADS.has('login')) break;
			log(`\n${kind}: idle memory and logins`);
			try {
				const result = await runIdleAndLogin(kind, tmp);
				if (result) idle.set(kind, result);
			} catch (error) {
				log(`  ${kind} failed: ${(error as Error).message}`);
				note(undefined, `${kind}: the idle/login run failed: ${(error as Error).message.split('\n')[0]}`);
			}
		}

		if (WORKLOADS.has('login')) {
			log('\npassword checks: scrypt cost before and after');
			await runPasswordBench({ root: ROOT, quick: QUICK, core: SERVER_CORE, log });
		}

		// 3. Figures.
		setTitle('direct', `Direct messages (${PLAN.directClients} clients in pairs, open loop, stepped)`);
		setTitle('fanout', `Fan-out (1 sender → ${PLAN.fanoutMembers} members)`);
		setTitle('idle', `Idle memory (${PLAN.idleConnections} logged-in connections)`);
		setTitle('login', 'Connect + log in (fresh connections, closed after login)');
		for (const workload of ['direct', 'fanout'] as const) {
			if (!WORKLOADS.has(workload)) continue;
			const perSystem = new Map<string, StepResult[]>();
			for (const [label, s] of steps) if (s[workload].length > 0) perSystem.set(label, s[workload]);
			recordLoad(workload, perSystem);
		}
		for (const [kind, r] of idle) {
			if (WORKLOADS.has('idle')) {
				record('idle', 'rss_kib_per_connection', r.perConnectionKiB, 'KiB', kind);
				record('idle', 'rss_kib_per_connection_before_gc', r.perConnectionBeforeGcKiB, 'KiB', kind);
				record('idle', 'rss_baseline_mib', r.rssBaselineKiB / 1024, 'MiB', kind);
				record('idle', 'rss_with_idle_mib', r.rssIdleKiB / 1024, 'MiB', kind);
				record('idle', 'connections', r.connections, 'connections', kind);
			}
			const main = r.logins.token ?? r.logins.connect;
			if (main) {
				record('login', 'connect_login_per_s', main.perSec, 'logins/s', kind);
				record('login', 'cpu_ms_per_login', main.cpuMsEach, 'ms CPU', kind);
				if (main.generatorCpuShare > 0.85) {
					note('login', `${kind}: the generator was at ${(main.generatorCpuShare * 100).toFixed(0)}% of its core, so ${Math.round(main.perSec)}/s is its limit, not the server's (server CPU per login is the figure to compare).`);
				}
			}
			if (r.logins.register) {
				record('login', 'register_scrypt_per_s', r.logins.register.perSec, 'logins/s', kind);
				record('login', 'password_login_scrypt_per_s', r.logins.password?.perSec ?? null, 'logins/s', kind);
				record('login', 'cpu_ms_per_password_login', r.logins.password?.cpuMsEach ?? null, 'ms CPU', kind);
			}
		}
		if (idle.size > 0 && WORKLOADS.has('login')) {
			note('login', `chat-tui: connect_login = token login; bare relay: WebSocket open; ngircd: NICK/USER registration. ${PLAN.registerCount} registrations and password logins use the server's real scrypt cost (N=16384, r=8, p=5: see passwords); 32 (16 for scrypt) at a time per generator.`);
		}
		if (WORKLOADS.has('idle')) {
			note('idle', `rss_kib_per_connection: RSS growth of the server process (median of 7 samples) from before to after every connection logged in, divided by the connections, each time after a full garbage collection forced through the inspector (HeapProfiler.collectGarbage; Node servers, started with --inspect=127.0.0.1:0 for this run only) — what the server keeps per idle connection. rss_kib_per_connection_before_gc: the same ${PLAN.settleMs / 1000} s after the last login, before that collection (it includes login garbage V8 has not collected yet, which varies from run to run).`);
		}
		computeTargets();

		// 4. Profiles (optional).
		if (PROFILE && SYSTEMS.has('chat-tui')) {
			log('\nchat-tui profiles');
			const chat = steps.get('chat-tui');
			const rateFor = (workload: Workload) => {
				const peak = chat ? best(chat[workload]) : undefined;
				return peak?.offered;
			};
			await profileChatTui(tmp, { direct: rateFor('direct'), fanout: rateFor('fanout') });
		}

		await runSectionModules();
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}

	const elapsed = (performance.now() - started) / 1000;
	note(undefined, `This run took ${elapsed.toFixed(0)} s.`);
	const disturbedSteps = [...steps.values()].flatMap((s) => [...s.direct, ...s.fanout]).filter((r) => r.otherCpuShare > DISTURBED_SHARE);
	if (disturbedSteps.length > 0) {
		note(undefined, `WARNING: ${disturbedSteps.length} step(s) ran while other processes on the machine used > ${DISTURBED_SHARE * 100}% of a core; the figures are noisy: re-run when the machine is quiet.`);
	}
	const final = flag('--no-write') ? current() : writeResults();
	log(`\n${formatText(final)}`);
	if (!flag('--no-write')) log(`written: bench/results/latest.json, docs/BENCHMARKS.md`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		process.exit(1);
	},
);
