/**
 * The storing chat servers' section (issue 16, item 2): chat-tui against
 * peers that do the same job (store every message, deliver it to a logged-in
 * recipient), on the same direct-message load from the same generator, from
 * rates low enough for the slowest of them. Their targets: chat-tui ahead of
 * each on CPU per 1,000 delivered, p99 at the highest rate both passed, idle
 * memory per connection and the highest rate passed.
 */
import type { SystemKind } from './clients.js';
import { best } from './figures.js';
import { DISTURBED_SHARE, STORING_PEERS, storingPeers, type BenchRun } from './plan.js';
import { EJABBERD_SETUP } from './ejabberd.js';
import { PROSODY_SETUP } from './prosody.js';
import { current, figureValue, note, ratio, record, recordTarget, setAppendix, setDetails, setTitle } from './results.js';
import type { StepResult } from './step-results.js';
import { formatStepLine } from './steps.js';

const SECTION = 'peers';
const SUBJECT = 'chat-tui';

/** How each peer stores a message, for the notes. */
const SETUP: Partial<Record<SystemKind, string>> = { prosody: PROSODY_SETUP, ejabberd: EJABBERD_SETUP };

export function isStoringPeer(label: string): boolean {
	return (STORING_PEERS as readonly string[]).includes(label);
}

/** The highest offered rate (within the per-client cap) every one of `ladders` passed. */
function commonRate(ladders: StepResult[][]): number | undefined {
	const passed = ladders.map((steps) => new Set(steps.filter((s) => s.pass && !s.beyondCap).map((s) => s.offered)));
	const common = [...(passed[0] ?? [])].filter((rate) => passed.every((set) => set.has(rate)));
	return common.length > 0 ? Math.max(...common) : undefined;
}

const at = (steps: StepResult[], rate: number | undefined) => steps.find((s) => s.offered === rate && s.pass);

/** Records the section (figures at the rate chat-tui and every peer passed) and the targets per peer. */
export function recordPeers(run: BenchRun): void {
	const peers = storingPeers(run).filter((kind) => (run.steps.get(kind)?.direct.length ?? 0) > 0);
	const chat = run.steps.get(SUBJECT)?.direct ?? [];
	if (peers.length === 0 || chat.length === 0) return;
	const { counts, ladders } = run.plan;
	setTitle(SECTION, `Storing chat servers: direct messages (${counts.directClients} clients in pairs, open loop, stepped from ${ladders.directLow[0]} msg/s)`);
	const systems: Array<[SystemKind, StepResult[]]> = [[SUBJECT, chat], ...peers.map((kind): [SystemKind, StepResult[]] => [kind, run.steps.get(kind)!.direct])];
	const ref = commonRate(systems.map(([, steps]) => steps));
	record(SECTION, 'reference_rate', ref ?? null, 'msg/s');
	for (const [kind, steps] of systems) {
		const atRef = at(steps, ref);
		record(SECTION, 'highest_rate_passed', best(steps)?.offered ?? null, 'msg/s', kind);
		record(SECTION, 'cpu_ms_per_1k_at_ref', atRef?.cpuPer1kMs ?? null, 'ms CPU', kind);
		record(SECTION, 'p50_ms_at_ref', atRef?.p50Ms ?? null, 'ms', kind);
		record(SECTION, 'p99_ms_at_ref', atRef?.p99Ms ?? null, 'ms', kind);
		record(SECTION, 'server_cpu_share_at_ref', atRef ? atRef.serverCpuShare * 100 : null, '% of a core', kind);
		const last = steps.at(-1);
		if (last && !last.pass) note(SECTION, `${kind}: stopped at ${Math.round(last.offered)} msg/s offered: ${last.why}.`);
		else if (last) note(SECTION, `${kind}: passed every step offered (up to ${Math.round(last.offered)} msg/s): its highest rate is a lower bound.`);
	}
	const disturbed = systems.map(([kind, steps]) => [kind, at(steps, ref)] as const).filter(([, step]) => step && step.otherCpuShare > DISTURBED_SHARE);
	if (disturbed.length > 0) {
		note(SECTION, `At ref, ${disturbed.map(([kind, step]) => `${kind}'s step ran while other processes used ${Math.round(step!.otherCpuShare * 100)}% of a core`).join('; ')}: its p99 there is noise, compare with care.`);
	}
	for (const kind of peers) {
		recordArchive(run, kind);
		const setup = SETUP[kind];
		if (setup) note(SECTION, setup);
		peerTargets(kind, chat, run.steps.get(kind)!.direct);
	}
	note(SECTION, `The storing servers and chat-tui climb ${ladders.directLow.join(', ')} msg/s before the regular ladder (${ladders.direct.join(', ')}), each step at least ${counts.minStepMessages} messages long; a failed step ends a ladder. The peers warm up at the lowest rate, chat-tui at ${ladders.direct[0]} msg/s (as in the direct section). "ref" = the highest rate chat-tui and every storing peer passed. Both are driven by the same XMPP-over-WebSocket client (bench/xmpp-client.ts); no fan-out for them (an XMPP group is a MUC room: not set up).`);
	setAppendix(SECTION, systems.map(([kind, steps]) => [`${kind}:`, ...steps.map(formatStepLine)].join('\n')).join('\n'));
	setDetails(SECTION, 'steps', Object.fromEntries(systems));
}

/** The archive's rows after the load session against the messages delivered in it (warm-up and late deliveries included). */
function recordArchive(run: BenchRun, kind: SystemKind): void {
	const stored = run.steps.get(kind)?.stored;
	if (!stored) {
		note(SECTION, `${kind}: the archive could not be checked (the load session ended early).`);
		return;
	}
	const perDelivered = stored.delivered > 0 ? stored.rows / stored.delivered : null;
	record(SECTION, 'archive_rows', stored.rows, 'rows', kind);
	record(SECTION, 'delivered_in_session', stored.delivered, 'messages', kind);
	record(SECTION, 'archive_rows_per_delivered', perDelivered, 'rows', kind);
	const lost = stored.sent - stored.delivered;
	const verdict =
		perDelivered === 2
			? 'exactly 2 rows per delivered message: each is archived twice, in the sender\'s and in the recipient\'s archive (mod_mam keeps one archive per user)'
			: perDelivered === 1
				? 'exactly 1 row per delivered message'
				: `NOT a whole number of rows per delivered message (${perDelivered?.toFixed(3) ?? '—'})`;
	note(SECTION, `${kind} archive check: ${stored.rows} rows in its archive table after ${stored.sent} messages sent and ${stored.delivered} delivered over the whole session (warm-up included${lost > 0 ? `; ${lost} never delivered` : ''}): ${verdict}.`);
}

/** Why a ladder's highest passed rate is only a lower bound, if it is. */
function peakCaveat(system: string, steps: StepResult[]): string | undefined {
	const last = steps.at(-1);
	if (last?.pass) return `${system} passed every step offered: its real highest rate is higher`;
	if (last && !last.valid) return `${system}'s last step was INVALID (the generator fell behind, not the server): its real highest rate may be higher`;
	return undefined;
}

/** chat-tui against one peer: each target at the highest rate both passed. */
function peerTargets(kind: SystemKind, chat: StepResult[], peer: StepResult[]): void {
	const rate = commonRate([chat, peer]);
	const both = rate === undefined ? 'no rate both passed' : `at ${rate} msg/s, the highest rate both passed`;
	const idle = (system: string) => figureValue(current(), 'idle', 'rss_kib_per_connection', system);
	recordTarget({
		id: `peers.cpu_vs_${kind}`,
		text: `direct: CPU per 1,000 delivered, chat-tui ÷ ${kind} (${both})`,
		value: ratio(at(chat, rate)?.cpuPer1kMs, at(peer, rate)?.cpuPer1kMs),
		op: '<=',
		limit: 1,
	});
	recordTarget({
		id: `peers.p99_vs_${kind}`,
		text: `direct: p99, chat-tui ÷ ${kind} (${both})`,
		value: ratio(at(chat, rate)?.p99Ms, at(peer, rate)?.p99Ms),
		op: '<=',
		limit: 1,
	});
	recordTarget({
		id: `peers.memory_vs_${kind}`,
		text: `idle: RSS per connection, chat-tui ÷ ${kind}`,
		value: ratio(idle(SUBJECT), idle(kind)),
		op: '<=',
		limit: 1,
	});
	recordTarget({
		id: `peers.peak_vs_${kind}`,
		text: `direct: highest rate passed, chat-tui ÷ ${kind}`,
		value: ratio(best(chat)?.offered, best(peer)?.offered),
		op: '>=',
		limit: 1,
		note: [peakCaveat(SUBJECT, chat), peakCaveat(kind, peer)].filter(Boolean).join('; ') || undefined,
	});
}
