/**
 * Steps and ladders: one step offers a rate for a while and judges what came
 * back; a ladder climbs steps until one fails; the generator's own ceiling is
 * probed the same way against the bare relay.
 */
import type { SystemKind } from './clients.js';
import { Histogram } from './histogram.js';
import type { StepStats } from './messages.js';
import {
	CEILING_DIRECT,
	CEILING_FANOUT,
	CEILING_PROBE_CPU,
	CEILING_SHARE,
	DISTURBED_SHARE,
	hasWorkload,
	log,
	MAX_GENERATOR_CPU,
	MAX_LATE_SHARE,
	MAX_P99_MS,
	MIN_DELIVERY,
	MIN_SENT_SHARE,
	STORING_PEERS,
	storingPeers,
	type BenchRun,
} from './plan.js';
import { cpuTimeMs, nowUs, otherCpuBetween, otherProcessesCpu, sleep, spawnedPids } from './proc.js';
import { setDetails } from './results.js';
import { closeSession, openSession, type Session } from './sessions.js';
import type { StepResult, SystemSteps, Workload } from './step-results.js';

export async function runStep(session: Session, workload: Workload, offered: number, durationMs: number, drainMs: number): Promise<StepResult> {
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

export function formatStep(r: StepResult): string {
	return `${formatStepLine(r)}`;
}

export function formatStepLine(r: StepResult): string {
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

const MAX_RETRIES = 2;

/**
 * Steps up the ladder until a step fails or is invalid; returns every step run.
 * A failed step ends the ladder at once, so a server that falls behind early
 * (Prosody at 50–100 msg/s) costs one step and its backlog, not the whole ladder.
 */
async function ladder(run: BenchRun, session: Session, workload: Workload, rates: number[], warmRate: number | null = rates[0] ?? null): Promise<StepResult[]> {
	const { stepMs, drainMs, warmupMs, minStepMessages } = run.plan.counts;
	// Warm-up (JIT, caches), not recorded.
	if (rates.length > 0 && warmRate !== null) {
		await runStep(session, workload, warmRate, warmupMs, drainMs);
	}
	const results: StepResult[] = [];
	for (const rate of rates) {
		const durationMs = Math.max(stepMs, Math.ceil((1000 * minStepMessages) / rate));
		let result = await runStep(session, workload, rate, durationMs, drainMs);
		// A step that failed while other work ran on the machine, or was INVALID (the generator fell
		// behind: it says nothing of the server), is run again after a pause, at most twice.
		for (let retry = 0; retry < MAX_RETRIES && !result.pass && (!result.valid || result.otherCpuShare > DISTURBED_SHARE); retry++) {
			log(`${formatStep(result)}  (retrying)`);
			await sleep(2000);
			result = { ...(await runStep(session, workload, rate, durationMs, drainMs)), retried: true };
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

export interface Ceiling {
	direct: number | null;
	fanout: number | null;
}

/** The load generator's own ceiling, against the bare relay: generator CPU per message, extrapolated to one whole core. */
export async function measureCeiling(run: BenchRun, session: Session): Promise<Ceiling> {
	const { warmupMs, ceilingStepMs, drainMs } = run.plan.counts;
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
		await runStep(session, workload, rates[0]!, warmupMs, drainMs); // warm-up
		const results: StepResult[] = [];
		for (const rate of rates) {
			const result = await runStep(session, workload, rate, ceilingStepMs, drainMs);
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

/**
 * The direct ladder of one system and the rate it warms up at: the storing
 * peers climb from the low rates (warming up at the lowest); chat-tui climbs
 * them too when a peer is in the run, warmed up as usual at the first regular
 * rate (V8 compiles its hot paths only after some thousands of messages).
 */
function directLadder(run: BenchRun, kind: SystemKind, cap: number): { rates: number[]; warmRate: number | null } {
	const { ladders } = run.plan;
	const regular = capLadder(ladders.direct, cap);
	const low = ladders.directLow.filter((rate) => rate < (ladders.direct[0] ?? Infinity) && rate <= cap);
	if (STORING_PEERS.includes(kind)) return { rates: [...low, ...regular], warmRate: low[0] ?? regular[0] ?? null };
	if (kind === 'chat-tui' && !run.plan.profileOnly && storingPeers(run).length > 0) return { rates: [...low, ...regular], warmRate: regular[0] ?? null };
	return { rates: regular, warmRate: regular[0] ?? null };
}

export async function runWorkloadSession(run: BenchRun, kind: SystemKind, ceiling: Ceiling, reuse?: Session): Promise<SystemSteps> {
	const { counts, ladders, workloads } = run.plan;
	const direct = workloads.has('direct') && hasWorkload(kind, 'direct');
	const fanout = workloads.has('fanout') && hasWorkload(kind, 'fanout');
	const result: SystemSteps = { direct: [], fanout: [] };
	if (!direct && !fanout) return result;
	const session =
		reuse ??
		(await openSession(run, kind, `${kind}-load`, {
			directClients: counts.directClients,
			members: counts.fanoutMembers,
			direct,
			fanout,
		}));
	try {
		if (direct) {
			const limit = (ceiling.direct ?? Infinity) * CEILING_SHARE;
			const cap = Math.min(limit, counts.directClients * counts.perClientMaxRate);
			const { rates, warmRate } = directLadder(run, kind, cap);
			result.direct = await ladder(run, session, 'direct', rates, warmRate);
			const beyond = ladders.directBeyondCap.filter((rate) => rate > cap && rate <= limit);
			if (result.direct.length > 0 && result.direct.every((r) => r.pass) && beyond.length > 0) {
				log(`    beyond the per-client cap (${counts.perClientMaxRate} msg/s each):`);
				for (const r of await ladder(run, session, 'direct', beyond, null)) {
					result.direct.push({ ...r, beyondCap: true });
				}
			}
		}
		if (fanout) {
			const cap = (ceiling.fanout ?? Infinity) * CEILING_SHARE;
			result.fanout = await ladder(run, session, 'fanout', capLadder(ladders.fanout, cap));
		}
	} finally {
		await closeSession(session);
	}
	if (session.stored) result.stored = session.stored;
	return result;
}
