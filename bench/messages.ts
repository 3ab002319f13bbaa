/** What the orchestrator (bench/run.ts) and the load generators (bench/generator.ts) say to each other over IPC. */
import type { Identity, Target } from './clients.js';

export interface SetupCommand {
	cmd: 'setup';
	target: Target;
	/** The clients this generator holds, connected and logged in at `connect`. */
	identities: Identity[];
	/** Each holds a room/group/channel/topic to join at `connect` (fan-out members). */
	room?: string;
	/** Index (into `identities`) of the fan-out sender, when this generator holds it; it does not join as a member. */
	senderIndex?: number;
	/** IRC: operator credentials for the fan-out sender (user mode F, relaxed flood protection). */
	ircOper?: { user: string; password: string };
	/** Length of each message's text. */
	textBytes: number;
}

export interface ConnectCommand {
	cmd: 'connect';
	/** Connections set up at once. */
	concurrency: number;
	/** Only the next identities, up to this many connected in all (the rest come with a later call); without it, all of them afresh. */
	upTo?: number;
}

export interface StepCommand {
	cmd: 'direct' | 'fanout';
	step: number;
	/** Messages per second this generator offers (direct: spread over its clients; fan-out: its sender). */
	rate: number;
	durationMs: number;
	drainMs: number;
	/** When to start, µs on the shared monotonic clock. */
	startAtUs: number;
	/** Direct: whom each of this generator's clients sends to, by name (same order as `identities`). */
	peers?: string[];
}

export interface LoginCommand {
	cmd: 'login';
	how: 'token' | 'password' | 'register' | 'connect';
	identities: Identity[];
	concurrency: number;
}

export interface CloseCommand {
	cmd: 'close';
}

/** What this generator's clients sent and received since setup, every step (and warm-up) together. */
export interface TotalsCommand {
	cmd: 'totals';
}

export type Command = (SetupCommand | ConnectCommand | StepCommand | LoginCommand | CloseCommand | TotalsCommand) & { seq: number };

export interface StepStats {
	sent: number;
	/** Sends the schedule asked for in the step. */
	planned: number;
	received: number;
	/** Deliveries of an earlier step that arrived during this one (counted lost there). */
	stale: number;
	acks: number;
	refusals: Record<string, number>;
	histogram: Array<[number, number]>;
	maxLatencyUs: number;
	/** This generator's CPU (user + system) over the sending window, µs. */
	cpuUs: number;
	/** The same over sending plus draining, µs. */
	cpuTotalUs: number;
	/** Sends issued more than 20 ms after their scheduled time. */
	lateSends: number;
	maxLateMs: number;
	/** Clients whose connection dropped during the step. */
	dropped: number;
}

export interface ConnectReply {
	connected: number;
	failed: number;
	firstError?: string;
	elapsedMs: number;
}

export interface LoginReply {
	done: number;
	failed: number;
	firstError?: string;
	elapsedMs: number;
	/** This generator's CPU over the run, µs. */
	cpuUs: number;
	/** register: the tokens issued, by username. */
	tokens?: Record<string, string>;
}

export type Reply = { seq: number } & (
	| { kind: 'ready' }
	| { kind: 'setup' }
	| { kind: 'connect'; result: ConnectReply }
	| { kind: 'step'; result: StepStats }
	| { kind: 'login'; result: LoginReply }
	| { kind: 'closed' }
	| { kind: 'totals'; sent: number; received: number }
	| { kind: 'error'; message: string }
);
