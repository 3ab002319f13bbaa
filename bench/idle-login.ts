/**
 * Idle memory (what a server keeps per logged-in connection) and login rates
 * (token, password, register, or a bare connect), on a fresh server.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Identity, SystemKind } from './clients.js';
import { startGenerators, split, type Generator } from './generators.js';
import type { ConnectReply, LoginReply } from './messages.js';
import { log, PASSWORD, TEXT_BYTES, type BenchRun } from './plan.js';
import { cpuTimeMs, rssKiB, sleep } from './proc.js';
import { startSystem } from './sessions.js';
import { forceGc, seedChatTui, type RunningSystem } from './systems.js';
import { prepareAccounts } from './xmpp-stores.js';

async function medianRss(pid: number, samples = 7): Promise<number> {
	const values: number[] = [];
	for (let i = 0; i < samples; i++) {
		values.push(rssKiB(pid) ?? 0);
		await sleep(150);
	}
	values.sort((a, b) => a - b);
	return values[Math.floor(values.length / 2)]!;
}

export interface IdleAndLogin {
	rssBaselineKiB: number;
	/** After every connection logged in and (Node servers) a forced full garbage collection. */
	rssIdleKiB: number;
	/** The same before that collection. */
	rssIdleBeforeGcKiB: number;
	perConnectionKiB: number;
	perConnectionBeforeGcKiB: number;
	connections: number;
	/** The same figure after the first IDLE_SAMPLE connections (forced collection too), when more followed. */
	perConnectionAtSampleKiB?: number;
	/** Whether full garbage collections were forced (Node servers). */
	collected: boolean;
	logins: Record<string, LoginResult>;
}

export interface LoginResult {
	perSec: number;
	/** Server CPU per login, ms. */
	cpuMsEach: number | null;
	/** The generators' CPU over the run as a share of their one core. */
	generatorCpuShare: number;
	done: number;
	failed: number;
	firstError?: string;
}

/** What one login is, per system. */
const LOGIN_WHAT: Record<SystemKind, string> = {
	'bare-relay': 'connect',
	'chat-tui': 'token logins',
	ngircd: 'connect + NICK/USER',
	mosquitto: 'connect',
	prosody: 'connect + SASL PLAIN + bind + presence',
	ejabberd: 'connect + SASL PLAIN + bind + presence',
};

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

/** Idle memory is also taken after this many connections, when the run has more (the target holds at both). */
export const IDLE_SAMPLE = 1000;

/** Connects each generator's next identities, up to `total` of the `count` in all (shared as the identities are); returns how many connected. */
async function connectUpTo(generators: Generator[], total: number, count: number): Promise<number> {
	const replies = (
		await Promise.all(
			generators.map((g) => g.call({ cmd: 'connect', concurrency: 50, upTo: Math.round((total * g.identities.length) / count) })),
		)
	).map((r) => (r as { result: ConnectReply }).result);
	const failed = replies.reduce((n, r) => n + r.failed, 0);
	if (failed > 0) log(`    ${failed} idle connections failed: ${replies.map((r) => r.firstError).find(Boolean)}`);
	return replies.reduce((n, r) => n + r.connected, 0);
}

/** RSS once a full garbage collection has been forced, or undefined when the system has no way to force one. */
async function rssAfterCollection(system: RunningSystem): Promise<number | undefined> {
	if (!(await forceGc(system))) return undefined;
	await sleep(300);
	return medianRss(system.pid);
}

/** Idle memory (RSS growth per idle logged-in connection), then connect-and-login rates, on a fresh server. */
export async function runIdleAndLogin(run: BenchRun, kind: SystemKind): Promise<IdleAndLogin | undefined> {
	const { counts, workloads } = run.plan;
	if (kind === 'mosquitto' || (!workloads.has('idle') && !workloads.has('login'))) return undefined;
	const label = `${kind}-idle`;
	const count = counts.idleConnections;
	const names = Array.from({ length: count }, (_, i) => `i${i}`);
	let tokens = new Map<string, string>();
	if (kind === 'chat-tui') {
		const dataDir = path.join(run.tmp, label, 'data');
		mkdirSync(dataDir, { recursive: true });
		tokens = await seedChatTui(dataDir, { users: names }, PASSWORD);
	}
	// Node servers get their inspector on, to force full garbage collections around the measurement.
	const system = await startSystem(run, kind, label, { inspect: true });
	const generators = await startGenerators(run.plan.generators, run.cores.generator);
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
		await prepareAccounts(system, generators, label);
		const how = kind === 'chat-tui' ? 'token' : 'connect';
		// Warm the server's code paths (and caches) with a few logins before the baseline.
		await loginRun(session, how, identities.slice(0, 50), 10);
		await sleep(500);
		if (workloads.has('idle')) {
			result.collected = await forceGc(system);
			await sleep(300);
			result.rssBaselineKiB = await medianRss(system.pid);
			const perConnection = (rss: number) => (rss - result.rssBaselineKiB) / Math.max(1, result.connections);
			let connectMs = 0;
			if (count > IDLE_SAMPLE) {
				const started = performance.now();
				result.connections += await connectUpTo(generators, IDLE_SAMPLE, count);
				connectMs += performance.now() - started;
				await sleep(counts.settleMs);
				result.perConnectionAtSampleKiB = perConnection((await rssAfterCollection(system)) ?? (await medianRss(system.pid)));
				log(`    idle: ${result.connections} logged-in connections: ${result.perConnectionAtSampleKiB.toFixed(2)} KiB per connection`);
			}
			const started = performance.now();
			result.connections += await connectUpTo(generators, count, count);
			const connectSeconds = (connectMs + performance.now() - started) / 1000;
			await sleep(counts.settleMs);
			result.rssIdleBeforeGcKiB = await medianRss(system.pid);
			result.rssIdleKiB = (await rssAfterCollection(system)) ?? result.rssIdleBeforeGcKiB;
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
			generators.splice(0, generators.length, ...(await startGenerators(run.plan.generators, run.cores.generator)));
			await Promise.all(
				generators.map((g, i) => {
					g.identities = chunks[i]!;
					return g.call({ cmd: 'setup', target: system.target, identities: chunks[i]!, textBytes: TEXT_BYTES });
				}),
			);
			await sleep(500);
		}
		if (workloads.has('login')) {
			const logins = identities.slice(0, counts.tokenLogins);
			const run = await loginRun(session, how, logins, 32);
			result.logins[kind === 'chat-tui' ? 'token' : 'connect'] = run;
			log(formatLogin(LOGIN_WHAT[kind], run));
			if (kind === 'chat-tui') {
				const fresh: Identity[] = Array.from({ length: counts.registerCount }, (_, i) => ({
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
