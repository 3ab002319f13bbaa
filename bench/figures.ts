/**
 * The figures of a run: each load ladder's peaks and reference-rate figures,
 * the idle and login figures, and the targets the issue set, computed from
 * what was recorded.
 */
import type { SystemKind } from './clients.js';
import { IDLE_SAMPLE, type IdleAndLogin } from './idle-login.js';
import { CEILING_SHARE, DISTURBED_SHARE, type BenchRun } from './plan.js';
import { current, figureValue, note, ratio, record, recordTarget, setAppendix, setDetails, setTitle } from './results.js';
import type { StepResult, Workload } from './step-results.js';
import { formatStepLine, type Ceiling } from './steps.js';

export function best(results: StepResult[]): StepResult | undefined {
	return results.filter((r) => r.pass).at(-1);
}

/**
 * Against the bare relay (issue 16 item 3, which replaced issue 6's 1.25 and 1.5): a stored,
 * acknowledged, durable message may cost twice what a relayed one does, in CPU and in p99.
 */
const RELAY_CPU_LIMIT = 2.0;
const RELAY_P99_LIMIT = 2.0;

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

export function recordLoad(run: BenchRun, workload: Workload, perSystem: Map<string, StepResult[]>): void {
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
	run.bounded.set(workload, new Map([...perSystem].map(([label, results]) => [systemKey(label), results.at(-1)?.pass === true])));
	setDetails(section, 'steps', Object.fromEntries([...perSystem].map(([label, results]) => [systemKey(label), results])));
}

export function computeTargets(run: BenchRun): void {
	const results = current();
	const v = (section: string, key: string, system: string) => figureValue(results, section, key, system);
	const add = (id: string, text: string, value: number | null, op: '<=' | '>=', limit: number) =>
		recordTarget({ id, text, value, op, limit });
	add('direct.cpu_vs_bare', 'direct: CPU per 1,000 delivered, chat-tui ÷ bare relay', ratio(v('direct', 'cpu_ms_per_1k_at_ref', 'chat-tui'), v('direct', 'cpu_ms_per_1k_at_ref', 'bare-relay')), '<=', RELAY_CPU_LIMIT);
	add('direct.cpu_vs_irc', 'direct: CPU per 1,000 delivered, chat-tui ÷ ngircd', ratio(v('direct', 'cpu_ms_per_1k_at_ref', 'chat-tui'), v('direct', 'cpu_ms_per_1k_at_ref', 'ngircd')), '<=', 1);
	const peakNote = (workload: Workload): string | undefined => {
		const chat = run.bounded.get(workload)?.get('chat-tui');
		const bare = run.bounded.get(workload)?.get('bare-relay');
		if (chat && bare) return 'both passed every step offered: neither peak was reached, the ratio is not conclusive';
		if (bare) return 'the bare relay passed every step offered: its real peak is higher, the real ratio lower';
		return undefined;
	};
	/** A peak ratio always carries its note (even an empty one): whether either peak was reached. */
	const addPeak = (workload: Workload, id: string, text: string) =>
		recordTarget({
			id,
			text,
			value: ratio(v(workload, 'peak_delivered_per_s', 'chat-tui'), v(workload, 'peak_delivered_per_s', 'bare-relay')),
			op: '>=',
			limit: 0.8,
			note: peakNote(workload),
		});
	addPeak('direct', 'direct.peak_vs_bare', 'direct: peak delivered msg/s, chat-tui ÷ bare relay');
	add('direct.p99_vs_bare', 'direct: p99 at the reference rate, chat-tui ÷ bare relay', ratio(v('direct', 'p99_ms_at_ref', 'chat-tui'), v('direct', 'p99_ms_at_ref', 'bare-relay')), '<=', RELAY_P99_LIMIT);
	addPeak('fanout', 'fanout.rate_vs_bare', 'fan-out: peak deliveries/s, chat-tui ÷ bare relay');
	add('fanout.cpu_vs_mqtt', 'fan-out: CPU per 1,000 deliveries, chat-tui ÷ mosquitto', ratio(v('fanout', 'cpu_ms_per_1k_at_ref', 'chat-tui'), v('fanout', 'cpu_ms_per_1k_at_ref', 'mosquitto')), '<=', 1);
	add('idle.memory_vs_bare', `idle: RSS per connection, chat-tui ÷ bare relay (${run.plan.counts.idleConnections.toLocaleString('en')} connections)`, ratio(v('idle', 'rss_kib_per_connection', 'chat-tui'), v('idle', 'rss_kib_per_connection', 'bare-relay')), '<=', 1.5);
	if (run.plan.counts.idleConnections > IDLE_SAMPLE) {
		const atSample = (kind: string) => v('idle', `rss_kib_per_connection_first_${IDLE_SAMPLE}`, kind);
		add('idle.memory_vs_bare_sample', `idle: RSS per connection, chat-tui ÷ bare relay (the first ${IDLE_SAMPLE.toLocaleString('en')} connections)`, ratio(atSample('chat-tui'), atSample('bare-relay')), '<=', 1.5);
	}
}

/** The idle-memory and login figures of every system that ran them. */
export function recordIdleAndLogin(run: BenchRun, idle: Map<SystemKind, IdleAndLogin>): void {
	const { counts, workloads } = run.plan;
	for (const [kind, r] of idle) {
		if (workloads.has('idle')) {
			record('idle', 'rss_kib_per_connection', r.perConnectionKiB, 'KiB', kind);
			if (r.perConnectionAtSampleKiB !== undefined) record('idle', `rss_kib_per_connection_first_${IDLE_SAMPLE}`, r.perConnectionAtSampleKiB, 'KiB', kind);
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
	if (idle.size > 0 && workloads.has('login')) {
		note('login', `chat-tui: connect_login = token login; bare relay: WebSocket open; ngircd: NICK/USER registration; Prosody: WebSocket open, SASL PLAIN (internal_plain: the password kept as given, no hashing), bind, initial presence and a ping answered. ${counts.registerCount} registrations and password logins use the server's real scrypt cost (N=16384, r=8, p=5: see passwords); 32 (16 for scrypt) at a time per generator.`);
	}
	if (workloads.has('idle')) {
		note('idle', `rss_kib_per_connection: RSS growth of the server process (median of 7 samples) from before to after every connection logged in, divided by the connections, each time after a full garbage collection forced through the inspector (HeapProfiler.collectGarbage; Node servers, started with --inspect=127.0.0.1:0 for this run only; Prosody: collectgarbage("collect") through its admin shell) — what the server keeps per idle connection. rss_kib_per_connection_before_gc: the same ${counts.settleMs / 1000} s after the last login, before that collection (it includes login garbage V8 has not collected yet, which varies from run to run).`);
	}
}

/** The generator's ceiling and how much of it the ladders may offer. */
export function recordGenerator(run: BenchRun, ceiling: Ceiling): void {
	const { counts } = run.plan;
	setTitle('generator', 'Load generator ceiling (against the bare relay)');
	record('generator', 'ceiling_direct_msgs_per_s', ceiling.direct, 'msg/s');
	record('generator', 'ceiling_fanout_deliveries_per_s', ceiling.fanout, 'deliveries/s');
	record('generator', 'max_offered_direct', ceiling.direct === null ? null : Math.min(ceiling.direct * CEILING_SHARE, counts.directClients * counts.perClientMaxRate), 'msg/s');
	record('generator', 'max_offered_fanout', ceiling.fanout === null ? null : ceiling.fanout * CEILING_SHARE, 'deliveries/s');
	record('generator', 'processes', run.plan.generators, 'processes');
	note('generator', 'Ceiling = deliveries/s ÷ generator CPU share at the highest step the relay fully delivered: what one core of generator could drive. chat-tui also sends an ack per message, which the generator parses too, so its steps cost the generator more.');
}
