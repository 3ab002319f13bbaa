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
 *   --systems a,b        only these of bare-relay,chat-tui,ngircd,mosquitto,prosody,ejabberd
 *   --workloads a,b      only these of direct,fanout,idle,login (the generator ceiling is always measured)
 *   --profile            also profile chat-tui (node --cpu-prof) under the direct and fan-out
 *                        workloads, and run the synchronous=NORMAL diagnostic variant
 *   --profile-only       just that: chat-tui's ladders (unrecorded, for its peak rates), the
 *                        profiles and the diagnostic; the other sections of latest.json are kept
 *   --no-tui             skip the TUI section module (bench/tui/) even when it is there
 *   --no-cluster         skip the cluster section (bench/cluster.ts: PostgreSQL + Redis instances)
 *   --no-startup         skip the startup section (bench/startup.ts: chat-tui against WeeChat in tmux)
 *   --only cluster       just the cluster section (about a minute)
 *   --only startup       just the startup section (about two minutes)
 *   --startup-cli PATH   the startup section times this cli.js instead of dist/source/cli.js
 *   --startup-baseline PATH  and this one too, side by side in the same rounds (e.g. main's build, before a change)
 *   --startup-node PATH  the node binary that runs them (e.g. another Node line; its node_modules must suit it)
 *   --no-write           print only; leave latest.json and docs/BENCHMARKS.md alone
 *
 * This file runs the sections in order; the parts live in plan.ts (flags, counts,
 * pass criteria, the BenchRun every part is handed), generators.ts, sessions.ts,
 * steps.ts (steps, ladders, the generator ceiling), idle-login.ts, profile-run.ts
 * and figures.ts (figures and targets).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SystemKind } from './clients.js';
import { runClusterBench } from './cluster.js';
import { best, computeTargets, recordGenerator, recordIdleAndLogin, recordLoad } from './figures.js';
import { isStoringPeer, recordPeers } from './peers.js';
import { runIdleAndLogin, type IdleAndLogin } from './idle-login.js';
import { runPasswordBench } from './passwords.js';
import {
	CEILING_SHARE,
	DISTURBED_SHARE,
	hasWorkload,
	log,
	machineCores,
	MAX_GENERATOR_CPU,
	MAX_LATE_SHARE,
	MAX_P99_MS,
	MIN_DELIVERY,
	MIN_SENT_SHARE,
	newBenchRun,
	parsePlan,
	TEXT_BYTES,
	type BenchRun,
} from './plan.js';
import { profileChatTui } from './profile-run.js';
import { current, formatText, note, record, ROOT, setMode, setTitle, writeResults, type SectionContext } from './results.js';
import { closeSession, openSession } from './sessions.js';
import type { StepResult, Workload } from './step-results.js';
import { runStartupBench } from './startup.js';
import { measureCeiling, runWorkloadSession, type Ceiling } from './steps.js';
import { EJABBERD_PACKAGES, ejabberdVersion } from './ejabberd.js';
import { PROSODY_PACKAGES, prosodyVersion } from './prosody.js';
import { CHAT_TUI_OPEN_LIMITS, distExists, ensureDebianPackages, programVersion } from './systems.js';

function filesystemOf(dir: string): string | undefined {
	try {
		const out = execFileSync('df', ['-PT', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)?.split(/\s+/);
		return out ? `${out[1]} (${out[0]})` : undefined;
	} catch {
		return undefined;
	}
}

/** Back on every core: the TUI and start-up sections measure programs as a user runs them, not against the servers. */
function unpin(run: BenchRun): void {
	if (!run.cores.pinning) return;
	try {
		execFileSync('taskset', ['-a', '-cp', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
	} catch {
		// stays pinned
	}
}

/** The startup section: chat-tui against WeeChat, each started in a tmux pane. */
async function startupSection(run: BenchRun): Promise<void> {
	log('\nstart-up and memory: chat-tui against WeeChat (tmux)');
	unpin(run);
	const { startupCli, startupBaseline, startupNode } = run.plan;
	const resolved = (file: string | undefined) => file && path.resolve(file);
	await runStartupBench({ cli: resolved(startupCli), baseline: resolved(startupBaseline), node: resolved(startupNode), log });
}

async function runSectionModules(run: BenchRun): Promise<void> {
	if (run.plan.noTui) return;
	const module = path.join(ROOT, 'dist', 'bench', 'tui', 'index.js');
	if (!existsSync(module)) return;
	log('\nTUI benchmark (bench/tui/) ...');
	unpin(run);
	const loaded = (await import(pathToFileURL(module).href)) as { run?: (context: SectionContext) => Promise<void> };
	if (typeof loaded.run !== 'function') {
		log('  bench/tui/index exports no run(context); skipped');
		return;
	}
	await loaded.run({ quick: run.plan.quick, record, note, root: ROOT, argv: run.plan.argv });
}

/** ngircd, mosquitto, Prosody and ejabberd come from Debian packages; one that cannot be installed leaves its columns empty. Returns the versions line. */
function checkPrograms(run: BenchRun): string[] {
	const { systems } = run.plan;
	for (const [program, packages, kind] of [
		['ngircd', ['ngircd'], 'ngircd'],
		['mosquitto', ['mosquitto'], 'mosquitto'],
		['prosody', PROSODY_PACKAGES, 'prosody'],
		['ejabberdctl', EJABBERD_PACKAGES, 'ejabberd'],
	] as const) {
		if (!systems.has(kind)) continue;
		const why = ensureDebianPackages(program, [...packages], log);
		if (why) {
			run.unavailable.set(kind, why);
			log(`${kind}: ${why}; its columns stay empty`);
		}
	}
	const versions: string[] = [`Node ${process.version}`];
	if (systems.has('ngircd') && !run.unavailable.has('ngircd')) versions.push(`ngircd ${programVersion('ngircd', ['--version'], /ngIRCd ([0-9.]+)/)}`);
	if (systems.has('mosquitto') && !run.unavailable.has('mosquitto')) versions.push(`mosquitto ${programVersion('mosquitto', ['-h'], /mosquitto version (\S+)/)}`);
	if (systems.has('prosody') && !run.unavailable.has('prosody')) versions.push(`Prosody ${prosodyVersion()}`);
	if (systems.has('ejabberd') && !run.unavailable.has('ejabberd')) versions.push(`ejabberd ${ejabberdVersion()}`);
	return versions;
}

/** `--profile-only`: chat-tui's ladders (unrecorded) to find the rates, then the profiles. */
async function profileOnly(run: BenchRun): Promise<void> {
	const { counts, quick } = run.plan;
	try {
		log('\nchat-tui ladders (to find the rates to profile at; not recorded)');
		const chat = await runWorkloadSession(run, 'chat-tui', { direct: null, fanout: null });
		run.steps.set('chat-tui', chat); // the diagnostic compares with these
		const rateFor = (workload: Workload) => best(chat[workload])?.offered;
		log('\nchat-tui profiles');
		await profileChatTui(run, { direct: rateFor('direct'), fanout: rateFor('fanout') });
		note('profile', `Profiled at chat-tui's highest passing rate of each workload, ${counts.directClients} direct clients / ${counts.fanoutMembers} fan-out members (${quick ? 'quick' : 'full'} counts); server pinned to core 0, generator to core 1.`);
	} finally {
		rmSync(run.tmp, { recursive: true, force: true });
	}
	const final = run.plan.noWrite ? current() : writeResults();
	log(`\n${formatText(final)}`);
}

/** The notes that say how the run was set up. */
function noteSetup(run: BenchRun, versions: string[]): void {
	const { counts } = run.plan;
	note(undefined, run.cores.pinning
		? `Each server runs alone, pinned to core 0 (taskset -c 0); ${run.plan.generators} load generator process(es) and the orchestrator share core 1. Versions: ${versions.join(', ')}.`
		: `Only one core: nothing pinned; servers and generators share it. Versions: ${versions.join(', ')}.`);
	note(undefined, `chat-tui serve runs its defaults (SQLite, synchronous=FULL, every message authenticated, validated, stored and acknowledged) with its limits opened so the benchmark is not rate-limited: ${CHAT_TUI_OPEN_LIMITS.join(' ')}. Users, friendships, the group and tokens are seeded through the server's own store code before it starts; clients log in with tokens.`);
	note(undefined, `ngircd: own config, no DNS/ident, no connection caps, MaxPenaltyTime = 0 (lifts its 1-s penalties after 3 commands per read); the fan-out sender is an IRC operator with user mode +F (relaxed flood protection). mosquitto: own instance on a free port, no persistence, no log; subscribers QoS 0, publisher QoS 1 (acknowledged, like a chat-tui send).`);
	note(undefined, `Pass criteria per step: ≥ ${MIN_DELIVERY * 100}% delivered within the step plus ${counts.drainMs} ms, p99 ≤ ${MAX_P99_MS} ms, nothing refused or dropped. A step is INVALID (run again after a pause, twice at most, as is a failed step while other processes were busy; then it ends the ladder) when the generator could not keep up: sent < ${MIN_SENT_SHARE * 100}% of planned, > ${MAX_LATE_SHARE * 100}% of sends > 20 ms late, or generator CPU > ${MAX_GENERATOR_CPU * 100}% of its core. Offered rates stay ≤ ${CEILING_SHARE * 100}% of the generator's measured ceiling.`);
	note(undefined, `Counts: direct ${counts.directClients} clients in fixed pairs (≤ ${counts.perClientMaxRate} msg/s each), fan-out 1 sender to ${counts.fanoutMembers} members, idle ${counts.idleConnections} connections; steps ${counts.stepMs / 1000} s (+${counts.drainMs} ms drain) after a ${counts.warmupMs / 1000} s warm-up; ${TEXT_BYTES}-byte texts. Latency is send-to-delivery on the shared monotonic clock. "ref" = the highest offered rate every system passed; CPU is utime+stime of the server process from /proc.`);
}

/** The bare relay: the generator's ceiling (unless assumed), then its own ladders on the same connections. */
async function bareRelayAndCeiling(run: BenchRun): Promise<Ceiling> {
	const { assumedCeiling, counts, systems } = run.plan;
	const ceiling: Ceiling = { direct: null, fanout: null };
	if (assumedCeiling) {
		ceiling.direct = assumedCeiling[0] ?? null;
		ceiling.fanout = assumedCeiling[1] ?? null;
		note(undefined, `The generator ceiling was not measured in this run but given (--assume-ceiling ${assumedCeiling.join(',')}).`);
	}
	if (!assumedCeiling || systems.has('bare-relay')) {
		// The other systems' offered rates depend on the ceiling measured here.
		log('\nbare relay (direct + fan-out)');
		const session = await openSession(run, 'bare-relay', 'bare-relay-load', {
			directClients: counts.directClients,
			members: counts.fanoutMembers,
			direct: true,
			fanout: true,
		});
		if (!assumedCeiling) {
			try {
				Object.assign(ceiling, await measureCeiling(run, session));
			} catch (error) {
				await closeSession(session);
				throw error;
			}
		}
		if (systems.has('bare-relay')) run.steps.set('bare relay', await runWorkloadSession(run, 'bare-relay', ceiling, session));
		else await closeSession(session);
	}
	return ceiling;
}

/** The load ladders of the other systems, each at offered rates under the generator's ceiling. */
async function loadLadders(run: BenchRun, ceiling: Ceiling): Promise<void> {
	const { systems, workloads } = run.plan;
	for (const kind of ['chat-tui', 'ngircd', 'mosquitto', 'prosody', 'ejabberd'] as const) {
		if (!systems.has(kind) || run.unavailable.has(kind)) continue;
		const direct = workloads.has('direct') && hasWorkload(kind, 'direct');
		const fanout = workloads.has('fanout') && hasWorkload(kind, 'fanout');
		if (!direct && !fanout) continue;
		log(`\n${kind} (${[direct && 'direct', fanout && 'fan-out'].filter(Boolean).join(' + ')})`);
		try {
			run.steps.set(kind, await runWorkloadSession(run, kind, ceiling));
		} catch (error) {
			log(`  ${kind} failed: ${(error as Error).message}`);
			note(undefined, `${kind}: the load run failed: ${(error as Error).message.split('\n')[0]}`);
		}
	}
}

/** Idle memory and logins, each on a fresh server. */
async function idleAndLogins(run: BenchRun): Promise<Map<SystemKind, IdleAndLogin>> {
	const { systems, workloads } = run.plan;
	const idle = new Map<SystemKind, IdleAndLogin>();
	for (const kind of ['bare-relay', 'chat-tui', 'ngircd', 'prosody', 'ejabberd'] as const) {
		if (!systems.has(kind) || run.unavailable.has(kind)) continue;
		if (!workloads.has('idle') && !workloads.has('login')) break;
		log(`\n${kind}: idle memory and logins`);
		try {
			const result = await runIdleAndLogin(run, kind);
			if (result) idle.set(kind, result);
		} catch (error) {
			log(`  ${kind} failed: ${(error as Error).message}`);
			note(undefined, `${kind}: the idle/login run failed: ${(error as Error).message.split('\n')[0]}`);
		}
	}
	return idle;
}

/** Every section's title and figures, then the targets. */
function recordFigures(run: BenchRun, idle: Map<SystemKind, IdleAndLogin>): void {
	const { counts, workloads } = run.plan;
	setTitle('direct', `Direct messages (${counts.directClients} clients in pairs, open loop, stepped)`);
	setTitle('fanout', `Fan-out (1 sender → ${counts.fanoutMembers} members)`);
	setTitle('idle', `Idle memory (${counts.idleConnections} logged-in connections)`);
	setTitle('login', 'Connect + log in (fresh connections, closed after login)');
	for (const workload of ['direct', 'fanout'] as const) {
		if (!workloads.has(workload)) continue;
		const perSystem = new Map<string, StepResult[]>();
		// The storing peers have a section of their own (recordPeers), from rates far below the relay's.
		for (const [label, s] of run.steps) if (s[workload].length > 0 && !isStoringPeer(label)) perSystem.set(label, s[workload]);
		recordLoad(run, workload, perSystem);
	}
	recordIdleAndLogin(run, idle);
	computeTargets(run);
	recordPeers(run);
}

/** The sections in order: load ladders, idle and logins, password checks, figures, profiles, the TUI. */
async function runSections(run: BenchRun): Promise<void> {
	const { plan } = run;
	// 1. The bare relay and the generator ceiling, then the others' ladders.
	const ceiling = await bareRelayAndCeiling(run);
	recordGenerator(run, ceiling);
	await loadLadders(run, ceiling);

	// 2. Idle memory and logins, each on a fresh server.
	const idle = await idleAndLogins(run);
	if (plan.workloads.has('login')) {
		log('\npassword checks: scrypt cost before and after');
		await runPasswordBench({ root: ROOT, quick: plan.quick, core: run.cores.server, log });
	}

	// 3. Figures.
	recordFigures(run, idle);

	// 4. Profiles (optional).
	if (plan.profile && plan.systems.has('chat-tui')) {
		log('\nchat-tui profiles');
		const chat = run.steps.get('chat-tui');
		const rateFor = (workload: Workload) => {
			const peak = chat ? best(chat[workload]) : undefined;
			return peak?.offered;
		};
		await profileChatTui(run, { direct: rateFor('direct'), fanout: rateFor('fanout') });
	}

	if (!plan.noCluster) {
		log('\ncluster routing (PostgreSQL + Redis)');
		await runClusterBench({ quick: plan.quick, log });
	}

	if (!plan.noStartup) await startupSection(run);
	await runSectionModules(run);
}

/** `--only cluster` or `--only startup`: that section alone, its figures merged into latest.json. */
async function onlySection(run: BenchRun): Promise<void> {
	const { plan } = run;
	try {
		if (plan.only === 'cluster') {
			log('\ncluster routing (PostgreSQL + Redis)');
			await runClusterBench({ quick: plan.quick, log });
		} else if (plan.only === 'startup') {
			await startupSection(run);
		} else {
			throw new Error(`--only knows two sections, cluster and startup (not ${plan.only})`);
		}
	} finally {
		rmSync(run.tmp, { recursive: true, force: true });
	}
	const final = plan.noWrite ? current() : writeResults();
	log(`\n${formatText(final)}`);
}

async function main(): Promise<void> {
	const plan = parsePlan(process.argv.slice(2));
	setMode(plan.quick ? 'quick' : 'full');
	const cores = machineCores();
	const started = performance.now();
	if (!distExists()) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.bench.json` first (npm run bench does)');
	const results = current(); // machine info (nproc) before this process pins itself to one core
	if (cores.pinning) {
		try {
			execFileSync('taskset', ['-a', '-cp', String(cores.generator), String(process.pid)], { stdio: 'ignore' });
		} catch {
			// taskset missing: the servers' pinning below fails loudly instead
		}
	}
	const run = newBenchRun(plan, cores, mkdtempSync(path.join(tmpdir(), 'chat-tui-bench-')));
	results.machine.dataFilesystem = filesystemOf(run.tmp);
	log(`chat-tui server benchmark (${plan.quick ? 'quick' : 'full'}), temporary data in ${run.tmp}`);
	if (plan.only !== undefined) return onlySection(run);
	const versions = checkPrograms(run);
	if (plan.profileOnly) return profileOnly(run);

	noteSetup(run, versions);
	try {
		await runSections(run);
	} finally {
		rmSync(run.tmp, { recursive: true, force: true });
	}

	const elapsed = (performance.now() - started) / 1000;
	note(undefined, `This run took ${elapsed.toFixed(0)} s.`);
	const disturbedSteps = [...run.steps.values()].flatMap((s) => [...s.direct, ...s.fanout]).filter((r) => r.otherCpuShare > DISTURBED_SHARE);
	if (disturbedSteps.length > 0) {
		note(undefined, `WARNING: ${disturbedSteps.length} step(s) ran while other processes on the machine used > ${DISTURBED_SHARE * 100}% of a core; the figures are noisy: re-run when the machine is quiet.`);
	}
	const final = plan.noWrite ? current() : writeResults();
	log(`\n${formatText(final)}`);
	if (!plan.noWrite) log(`written: bench/results/latest.json, docs/BENCHMARKS.md`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		process.exit(1);
	},
);
