/**
 * A session: one system under test, started (and seeded, for chat-tui) on the
 * server core, with the generators set up and every client connected.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Identity, SystemKind } from './clients.js';
import { startEjabberd } from './ejabberd.js';
import { startGenerators, split, type Generator } from './generators.js';
import type { ConnectReply } from './messages.js';
import { DIRECT_ROOM, log, PASSWORD, TEXT_BYTES, type BenchRun } from './plan.js';
import { sleep } from './proc.js';
import { startProsody } from './prosody.js';
import type { StoredCheck } from './step-results.js';
import {
	IRC_OPER,
	seedChatTui,
	startBareRelay,
	startChatTui,
	startMosquitto,
	startNgircd,
	type RunningSystem,
} from './systems.js';
import { prepareAccounts } from './xmpp-stores.js';

export interface Session {
	system: RunningSystem;
	generators: Generator[];
	/** Fan-out receivers (group members besides the sender). */
	members: number;
	/** Direct clients. */
	directClients: number;
	/** Per generator: the direct peer of each of its identities ('' for none). */
	peers: string[][];
	nextStep: number;
	/** For a system that keeps an archive: its rows against the messages sent and delivered, after the session. */
	stored?: StoredCheck;
}


export interface SessionPlan {
	directClients: number;
	members: number;
	fanout: boolean;
	direct: boolean;
}

function directNames(count: number): string[] {
	return Array.from({ length: count }, (_, i) => `u${i}`);
}

export async function startSystem(
	run: BenchRun,
	kind: SystemKind,
	label: string,
	opts: { cpuProfileDir?: string; synchronous?: 'NORMAL'; inspect?: boolean } = {},
): Promise<RunningSystem> {
	const dir = path.join(run.tmp, label);
	const core = run.cores.server;
	mkdirSync(dir, { recursive: true });
	switch (kind) {
		case 'bare-relay':
			return startBareRelay(core, { inspect: opts.inspect });
		case 'chat-tui':
			return startChatTui(core, { dataDir: path.join(dir, 'data'), ...opts });
		case 'ngircd':
			return startNgircd(core, dir);
		case 'mosquitto':
			return startMosquitto(core, dir);
		case 'prosody':
			return startProsody(core, dir);
		case 'ejabberd':
			return startEjabberd(core, dir);
	}
}

/** Starts the system (seeded for chat-tui), the generators, and connects every client. */
export async function openSession(run: BenchRun, kind: SystemKind, label: string, plan: SessionPlan, opts: { cpuProfileDir?: string; synchronous?: 'NORMAL' } = {}): Promise<Session> {
	const names = plan.direct || kind !== 'mosquitto' ? directNames(Math.max(plan.directClients, plan.members)) : directNames(plan.members);
	const sender = 'fs';
	let tokens = new Map<string, string>();
	if (kind === 'chat-tui') {
		const dataDir = path.join(run.tmp, label, 'data');
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
	const system = await startSystem(run, kind, label, opts);
	const generators = await startGenerators(run.plan.generators, run.cores.generator);
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
	await prepareAccounts(system, generators, label);
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

/** What every generator's clients sent and received since setup. */
async function totals(generators: Generator[]): Promise<{ sent: number; delivered: number }> {
	const replies = await Promise.all(generators.map((g) => g.call({ cmd: 'totals' })));
	let sent = 0;
	let delivered = 0;
	for (const reply of replies) {
		if (reply.kind !== 'totals') continue;
		sent += reply.sent;
		delivered += reply.received;
	}
	return { sent, delivered };
}

/**
 * Waits until every message sent has been delivered, or deliveries stopped
 * coming for 2 s (a server that fell behind in its last step works through its
 * backlog first), at most `limitMs`.
 */
async function settledTotals(generators: Generator[], limitMs = 20_000): Promise<{ sent: number; delivered: number }> {
	const started = performance.now();
	let last = await totals(generators);
	let progressAt = performance.now();
	while (last.delivered < last.sent && performance.now() - progressAt < 2000 && performance.now() - started < limitMs) {
		await sleep(250);
		const now = await totals(generators);
		if (now.delivered !== last.delivered) progressAt = performance.now();
		last = now;
	}
	return last;
}

export async function closeSession(session: Session): Promise<void> {
	const { system, generators } = session;
	const settled = system.storedRows ? await settledTotals(generators) : undefined;
	await Promise.all(generators.map((g) => g.stop()));
	await system.stop();
	if (settled && system.storedRows) session.stored = { rows: system.storedRows(), ...settled };
}
