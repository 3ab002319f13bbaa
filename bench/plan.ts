/**
 * What one `npm run bench` is asked to do (its flags, the counts and ladders
 * they choose), the pass criteria every step is held to, and `BenchRun`: the
 * plan together with what the run has measured so far, handed to every part
 * of the run instead of living in module globals.
 */
import { execFileSync } from 'node:child_process';
import type { SystemKind } from './clients.js';
import type { SystemSteps, Workload } from './step-results.js';

/** Per run mode: how many clients, how long each step, how many logins. */
export interface Counts {
	directClients: number;
	fanoutMembers: number;
	idleConnections: number;
	stepMs: number;
	drainMs: number;
	warmupMs: number;
	ceilingStepMs: number;
	settleMs: number;
	perClientMaxRate: number;
	registerCount: number;
	tokenLogins: number;
	profileMs: number;
	/** A step lasts at least this many messages (longer than stepMs at the low rates only), so CPU per message is not lost in /proc's 10-ms ticks. */
	minStepMessages: number;
}

export interface BenchPlan {
	/** The command line after the script, as given (the TUI section module reads it too). */
	argv: string[];
	quick: boolean;
	generators: number;
	systems: Set<SystemKind>;
	workloads: Set<string>;
	/** `--profile-only`: only chat-tui's ladders (to find its peaks, not recorded) and the profile/diagnostic sections. */
	profileOnly: boolean;
	profile: boolean;
	/** `--assume-ceiling DIRECT,FANOUT`: skip measuring the generator's ceiling (and the bare relay, unless asked for). For development. */
	assumedCeiling: number[] | undefined;
	noTui: boolean;
	/** `--no-cluster`: skip the cluster section (bench/cluster.ts). */
	noCluster: boolean;
	/** `--no-startup`: skip the startup section (bench/startup.ts). */
	noStartup: boolean;
	/** `--only cluster` or `--only startup`: just that section. */
	only: string | undefined;
	/** `--startup-cli PATH`: the cli.js the startup section times (default: this checkout's). */
	startupCli: string | undefined;
	/** `--startup-baseline PATH`: another cli.js the startup section times side by side. */
	startupBaseline: string | undefined;
	/** `--startup-node PATH`: the node binary the startup section runs chat-tui with. */
	startupNode: string | undefined;
	noWrite: boolean;
	counts: Counts;
	ladders: Ladders;
}

/**
 * Offered direct rates (messages/s, all clients together), tried from the bottom up: first within
 * the per-client cap ("a few messages/s" each), then, if every step passed, beyond it (fewer,
 * busier clients than the workload intends: marked as such) to find where each server tops out.
 * Fan-out: deliveries/s offered (messages/s × members).
 */
export interface Ladders {
	direct: number[];
	/**
	 * Direct rates below `direct`'s first, climbed first by the storing chat servers (Prosody fails
	 * at 50–100 msg/s) and by chat-tui when one of them is in the run, so both have rates in common.
	 */
	directLow: number[];
	directBeyondCap: number[];
	fanout: number[];
}

const QUICK_COUNTS: Counts = {
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
	minStepMessages: 150,
};

const FULL_COUNTS: Counts = {
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
	minStepMessages: 500,
};

const QUICK_LADDERS: Ladders = {
	direct: [1000, 2500, 5000],
	directLow: [25, 50, 100, 250, 500],
	directBeyondCap: [10000, 20000, 40000],
	fanout: [4000, 16000, 32000, 64000, 96000, 128000],
};

const FULL_LADDERS: Ladders = {
	direct: [250, 500, 1000, 2000, 3000, 4000, 5000],
	directLow: [25, 50, 100],
	directBeyondCap: [8000, 12000, 16000, 24000, 32000, 48000],
	fanout: [1000, 2000, 4000, 8000, 16000, 24000, 32000, 48000, 64000, 96000, 128000],
};

const ALL_SYSTEMS: SystemKind[] = ['bare-relay', 'chat-tui', 'ngircd', 'mosquitto', 'prosody', 'ejabberd'];

/** Peers that store every message as chat-tui does (compared in their own section, from the low rates up). */
export const STORING_PEERS: readonly SystemKind[] = ['prosody', 'ejabberd'];

/** Which load workloads a system has: mosquitto no direct messages, the storing peers no fan-out (an XMPP group would be a MUC room). */
export function hasWorkload(kind: SystemKind, workload: Workload): boolean {
	return workload === 'direct' ? kind !== 'mosquitto' : !STORING_PEERS.includes(kind);
}

/** The storing peers this run compares with (asked for and available). */
export function storingPeers(run: BenchRun): SystemKind[] {
	return STORING_PEERS.filter((kind) => run.plan.systems.has(kind) && !run.unavailable.has(kind));
}

/** The plan the command line asks for (see the options in bench/run.ts). */
export function parsePlan(argv: string[]): BenchPlan {
	const flag = (name: string) => argv.includes(name);
	const value = (name: string): string | undefined => {
		const at = argv.indexOf(name);
		return at >= 0 ? argv[at + 1] : undefined;
	};
	const quick = flag('--quick');
	const profileOnly = flag('--profile-only');
	return {
		argv,
		quick,
		generators: Math.max(1, Number(value('--generators') ?? 1)),
		systems: new Set((value('--systems')?.split(',') ?? ALL_SYSTEMS) as SystemKind[]),
		workloads: new Set(value('--workloads')?.split(',') ?? ['direct', 'fanout', 'idle', 'login']),
		profileOnly,
		profile: flag('--profile') || profileOnly,
		assumedCeiling: value('--assume-ceiling')?.split(',').map(Number),
		noTui: flag('--no-tui'),
		noCluster: flag('--no-cluster'),
		noStartup: flag('--no-startup'),
		only: value('--only'),
		startupCli: value('--startup-cli'),
		startupBaseline: value('--startup-baseline'),
		startupNode: value('--startup-node'),
		noWrite: flag('--no-write'),
		counts: quick ? QUICK_COUNTS : FULL_COUNTS,
		ladders: quick ? QUICK_LADDERS : FULL_LADDERS,
	};
}

/** The generator's ceiling is measured with these (no per-client cap), stopping once its CPU passes CEILING_PROBE_CPU. */
export const CEILING_DIRECT = [16000, 32000, 48000];
export const CEILING_FANOUT = [32000, 64000, 96000];
export const CEILING_PROBE_CPU = 0.5;

/** Pass criteria of a step, from the issue. */
export const MIN_DELIVERY = 0.99;
export const MAX_P99_MS = 100;
/** Offered load stays at or below this share of the generator's measured ceiling. */
export const CEILING_SHARE = 0.7;
/** A step is invalid (the generator, not the server, was the limit) past these. */
export const MAX_GENERATOR_CPU = 0.9;
export const MIN_SENT_SHARE = 0.99;
export const MAX_LATE_SHARE = 0.01;
/** Other processes using more than this share of a core during a step mark it as disturbed (noise; re-run). */
export const DISTURBED_SHARE = 0.1;

export const PASSWORD = 'bench-password-1';
export const TEXT_BYTES = 64;
export const DIRECT_ROOM = 'fan';

/** Where the servers and the generators run: cores 0 and 1 when there are two, unpinned on one core. */
export interface Cores {
	pinning: boolean;
	server: number | undefined;
	generator: number | undefined;
}

export function machineCores(): Cores {
	const pinning = (Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1) >= 2;
	return { pinning, server: pinning ? 0 : undefined, generator: pinning ? 1 : undefined };
}

/** The plan and what the run has found so far; every part of the run gets it as an argument. */
export interface BenchRun {
	plan: BenchPlan;
	cores: Cores;
	/** The temporary directory the systems keep their data in, removed at the end. */
	tmp: string;
	/** Per system label: the steps of its load ladders. */
	steps: Map<string, SystemSteps>;
	/** Per workload and system: true when every step offered passed (its peak is a lower bound, set by the offered load). */
	bounded: Map<Workload, Map<string, boolean>>;
	/** Systems that could not be installed or started, with why. */
	unavailable: Map<SystemKind, string>;
}

export function newBenchRun(plan: BenchPlan, cores: Cores, tmp: string): BenchRun {
	return { plan, cores, tmp, steps: new Map(), bounded: new Map(), unavailable: new Map() };
}

export function log(line: string): void {
	process.stdout.write(`${line}\n`);
}

