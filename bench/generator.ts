/**
 * One load generator process, driven by bench/run.ts over IPC. It holds a
 * share of the clients, sends on an open-loop schedule (at fixed times,
 * whatever the replies) and times every delivery it receives: each message's
 * text carries its step and its send time on the machine-wide monotonic clock,
 * so a message sent by one generator process can be timed by another.
 */
import { createClient, type BenchClient, type ClientHooks, type Identity } from './clients.js';
import { Histogram } from './histogram.js';
import type { Command, ConnectReply, LoginCommand, LoginReply, Reply, SetupCommand, StepCommand, StepStats } from './messages.js';
import { nowUs, sleep } from './proc.js';

/** A send this much behind its schedule counts as late. */
const LATE_MS = 20;

let setup: SetupCommand | undefined;
let clients: BenchClient[] = [];
let filler = '';

let currentStep = -1;
let received = 0;
let stale = 0;
let acks = 0;
let dropped = 0;
let refusals: Record<string, number> = {};
let histogram = new Histogram();
/** Since setup, over every step: what a storing server's row count is checked against. */
let totalSent = 0;
let totalReceived = 0;

function reply(message: Reply): void {
	process.send!(message);
}

function onDelivery(text: string): void {
	totalReceived++;
	const first = text.indexOf(':');
	const second = text.indexOf(':', first + 1);
	if (first < 0 || second < 0) return;
	const step = Number(text.slice(0, first));
	if (step !== currentStep) {
		stale++;
		return;
	}
	received++;
	histogram.add(nowUs() - Number(text.slice(first + 1, second)));
}

const hooks: ClientHooks = {
	delivery: onDelivery,
	ack(ok, code) {
		if (ok) acks++;
		else refusals[code ?? 'error'] = (refusals[code ?? 'error'] ?? 0) + 1;
	},
	closed() {
		dropped++;
	},
};

/** Runs `task` over `items` with at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await task(items[next++]!);
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function connectAll(concurrency: number, upTo?: number): Promise<ConnectReply> {
	const config = setup!;
	const start = performance.now();
	let failed = 0;
	let firstError: string | undefined;
	// Without upTo: every identity, afresh. With it: the next ones, so that idle memory can be sampled on the way.
	const from = upTo === undefined ? 0 : clients.length;
	const to = upTo === undefined ? config.identities.length : Math.min(upTo, config.identities.length);
	const added = config.identities.slice(from, to).map((identity) => createClient(config.target, identity, hooks));
	clients = from === 0 ? added : [...clients, ...added];
	const order = added.map((_, i) => from + i);
	await pool(order, concurrency, async (i) => {
		const client = clients[i]!;
		try {
			await client.connect();
			const isSender = i === config.senderIndex;
			if (config.room && !(isSender && config.target.system === 'mosquitto')) await client.join(config.room);
			if (isSender && config.ircOper && client.relaxFloodLimits) {
				await client.relaxFloodLimits(config.ircOper.user, config.ircOper.password);
			}
		} catch (error) {
			failed++;
			firstError ??= (error as Error).message;
		}
	});
	return { connected: added.length - failed, failed, firstError, elapsedMs: performance.now() - start };
}

function text(step: number): string {
	return `${step}:${nowUs()}:${filler}`;
}

async function runStep(command: StepCommand): Promise<StepStats> {
	const config = setup!;
	currentStep = command.step;
	received = 0;
	stale = 0;
	acks = 0;
	dropped = 0;
	refusals = {};
	histogram = new Histogram();
	const senders: Array<{ client: BenchClient; peer: string }> = [];
	if (command.cmd === 'direct') {
		command.peers?.forEach((peer, i) => {
			if (peer) senders.push({ client: clients[i]!, peer });
		});
	} else if (config.senderIndex !== undefined) {
		senders.push({ client: clients[config.senderIndex]!, peer: '' });
	}
	const planned = senders.length > 0 ? Math.round((command.rate * command.durationMs) / 1000) : 0;
	const waitMs = (command.startAtUs - nowUs()) / 1000;
	if (waitMs > 0) await sleep(waitMs);
	const cpuStart = process.cpuUsage();
	const start = nowUs();
	let issued = 0;
	let lateSends = 0;
	let maxLateMs = 0;
	const room = config.room ?? '';
	await new Promise<void>((resolve) => {
		const tick = () => {
			const now = nowUs();
			// Send i is due at start + i / rate: the number due by now counts send 0 at the start.
			const due = Math.min(planned, Math.floor(((now - start) * command.rate) / 1e6) + 1);
			while (issued < due) {
				const sender = senders[issued % senders.length]!;
				const lateMs = (now - (start + (issued * 1e6) / command.rate)) / 1000;
				if (lateMs > LATE_MS) lateSends++;
				if (lateMs > maxLateMs) maxLateMs = lateMs;
				if (command.cmd === 'direct') sender.client.sendTo(sender.peer, text(command.step));
				else sender.client.sendRoom(room, text(command.step));
				issued++;
				totalSent++;
			}
			if (issued >= planned && now - start >= command.durationMs * 1000) resolve();
			else setTimeout(tick, 1);
		};
		tick();
	});
	const cpuSending = process.cpuUsage(cpuStart);
	await sleep(command.drainMs);
	const cpuTotal = process.cpuUsage(cpuStart);
	return {
		sent: issued,
		planned,
		received,
		stale,
		acks,
		refusals,
		histogram: histogram.entries(),
		maxLatencyUs: histogram.max,
		cpuUs: cpuSending.user + cpuSending.system,
		cpuTotalUs: cpuTotal.user + cpuTotal.system,
		lateSends,
		maxLateMs,
		dropped,
	};
}

/** Connect-and-log-in as fast as the server lets us, each connection closed again once logged in. */
async function loginRun(command: LoginCommand): Promise<LoginReply> {
	const config = setup!;
	let done = 0;
	let failed = 0;
	let firstError: string | undefined;
	const tokens: Record<string, string> = {};
	const quiet: ClientHooks = { delivery: () => undefined, ack: () => undefined, closed: () => undefined };
	const start = performance.now();
	const cpuStart = process.cpuUsage();
	await pool(command.identities, command.concurrency, async (identity: Identity) => {
		const how = command.how === 'connect' ? 'token' : command.how;
		const client = createClient(config.target, identity, quiet, how);
		try {
			await client.connect();
			done++;
			const token = (client as { token?: string }).token;
			if (command.how === 'register' && token) tokens[identity.name] = token;
		} catch (error) {
			failed++;
			firstError ??= (error as Error).message;
		} finally {
			client.close();
		}
	});
	const cpu = process.cpuUsage(cpuStart);
	return { done, failed, firstError, elapsedMs: performance.now() - start, cpuUs: cpu.user + cpu.system, tokens };
}

async function handle(command: Command): Promise<void> {
	const { seq } = command;
	try {
		switch (command.cmd) {
			case 'setup':
				setup = command;
				filler = 'lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod tempor '
					.repeat(1 + Math.ceil(command.textBytes / 80))
					.slice(0, Math.max(8, command.textBytes - 24));
				reply({ seq, kind: 'setup' });
				break;
			case 'connect':
				reply({ seq, kind: 'connect', result: await connectAll(command.concurrency, command.upTo) });
				break;
			case 'direct':
			case 'fanout':
				reply({ seq, kind: 'step', result: await runStep(command) });
				break;
			case 'login':
				reply({ seq, kind: 'login', result: await loginRun(command) });
				break;
			case 'totals':
				reply({ seq, kind: 'totals', sent: totalSent, received: totalReceived });
				break;
			case 'close':
				for (const client of clients) client.close();
				clients = [];
				await sleep(200);
				reply({ seq, kind: 'closed' });
				process.disconnect();
				setTimeout(() => process.exit(0), 1500).unref();
				break;
		}
	} catch (error) {
		reply({ seq, kind: 'error', message: (error as Error).stack ?? String(error) });
	}
}

if (!process.send) {
	console.error('bench/generator.ts is started by bench/run.ts (over IPC), not by hand');
	process.exit(2);
}
process.on('message', (command: Command) => void handle(command));
process.on('disconnect', () => setTimeout(() => process.exit(0), 2000).unref());
reply({ seq: -1, kind: 'ready' });
