/** Processes for the benchmark: pinned spawning, CPU time and RSS from /proc, bounded logs. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type WebSocket from 'ws';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux everywhere in practice). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process (all its threads), in ms; undefined when it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name, which is in parentheses and may hold spaces.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const utime = Number(fields[11]);
		const stime = Number(fields[12]);
		return ((utime + stime) * 1000) / TICKS_PER_SECOND;
	} catch {
		return undefined;
	}
}

/** Resident set size of a process in KiB; undefined when it is gone. */
export function rssKiB(pid: number): number | undefined {
	try {
		const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}

/** CPU time (ms) of every other user-space process now, by pid (kernel threads, with no command line, left out). */
export function otherProcessesCpu(exclude: ReadonlySet<number>): Map<number, number> {
	const times = new Map<number, number>();
	let entries: string[];
	try {
		entries = readdirSync('/proc');
	} catch {
		return times;
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		const pid = Number(entry);
		if (exclude.has(pid)) continue;
		try {
			if (readFileSync(`/proc/${pid}/cmdline`).length === 0) continue;
		} catch {
			continue;
		}
		const time = cpuTimeMs(pid);
		if (time !== undefined) times.set(pid, time);
	}
	return times;
}

/** CPU ms other processes used between two `otherProcessesCpu` readings (processes that ended in between are not counted). */
export function otherCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
	let total = 0;
	for (const [pid, time] of after) total += Math.max(0, time - (before.get(pid) ?? 0));
	return total;
}

/** Keeps only the last `limit` characters a process wrote: logs cannot grow without bound. */
export class CappedLog {
	private text = '';
	constructor(private readonly limit = 16 * 1024) {}

	add(chunk: Buffer | string): void {
		this.text += chunk.toString();
		if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
	}

	tail(): string {
		return this.text.slice(-this.limit);
	}
}

export interface PinnedOptions {
	/** CPU to pin to with taskset (all threads, since it is set before exec); undefined: not pinned. */
	core?: number | undefined;
	/** Open-files limit to raise to (soft limit, up to the hard one) before exec. */
	nofile?: number;
	env?: NodeJS.ProcessEnv;
	cwd?: string;
	/** Keep an IPC channel (for node children). */
	ipc?: boolean;
}

export interface Pinned {
	child: ChildProcess;
	/** The pid of the program itself (sh and taskset exec into it). */
	pid: number;
	log: CappedLog;
}

/** Every process spawned here, killed when this process exits however it exits (no orphans left running). */
const spawned = new Set<ChildProcess>();

function killSpawned(): void {
	for (const child of spawned) {
		if (child.exitCode === null && child.signalCode === null) {
			try {
				child.kill('SIGKILL');
			} catch {
				// already gone
			}
		}
	}
}

process.on('exit', killSpawned);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.once(signal, () => {
		killSpawned();
		process.exit(130);
	});
}

/** Pids of the processes spawned here that are still running. */
export function spawnedPids(): number[] {
	return [...spawned].filter((c) => c.exitCode === null && c.signalCode === null && c.pid !== undefined).map((c) => c.pid!);
}

/**
 * Spawns `command args` through `sh -c 'ulimit -n N; exec taskset -c CORE "$@"'`,
 * so the pid is the program's own and every thread it starts inherits the pinning.
 * Its output goes to a capped in-memory log.
 */
export function spawnPinned(command: string, args: string[], options: PinnedOptions = {}): Pinned {
	const limit = options.nofile ? `ulimit -n ${options.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ` : '';
	const pin = options.core === undefined ? '' : `taskset -c ${options.core} `;
	const spawnOptions: SpawnOptions = {
		env: options.env ?? process.env,
		cwd: options.cwd,
		stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
	};
	const child = spawn('sh', ['-c', `${limit}exec ${pin}"$@"`, 'sh', command, ...args], spawnOptions);
	const log = new CappedLog();
	child.stdout?.on('data', (chunk: Buffer) => log.add(chunk));
	child.stderr?.on('data', (chunk: Buffer) => log.add(chunk));
	if (child.pid === undefined) throw new Error(`could not start ${command}`);
	spawned.add(child);
	child.once('exit', () => spawned.delete(child));
	return { child, pid: child.pid, log };
}

/** Resolves with the first line of the child's output matching `pattern` (its match), or rejects on exit or timeout. */
export function waitForOutput(pinned: Pinned, pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpMatchArray> {
	return new Promise((resolve, reject) => {
		let seen = '';
		const onData = (chunk: Buffer) => {
			seen += chunk.toString();
			const match = seen.match(pattern);
			if (match) {
				cleanup();
				resolve(match);
			}
		};
		const onExit = (code: number | null, signal: string | null) => {
			cleanup();
			reject(new Error(`${what} exited (${signal ?? code}) before it was ready:\n${pinned.log.tail()}`));
		};
		const timer = setTimeout(() => {
			cleanup();
			reject(new Error(`${what} was not ready within ${timeoutMs} ms:\n${pinned.log.tail()}`));
		}, timeoutMs);
		const cleanup = () => {
			clearTimeout(timer);
			pinned.child.stdout?.off('data', onData);
			pinned.child.stderr?.off('data', onData);
			pinned.child.off('exit', onExit);
		};
		pinned.child.stdout?.on('data', onData);
		pinned.child.stderr?.on('data', onData);
		pinned.child.once('exit', onExit);
	});
}

/** Asks the process to stop (SIGINT, then SIGTERM), kills it after `graceMs`; resolves once it has exited. */
export function stopProcess(pinned: Pinned, graceMs = 5000, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
	const { child } = pinned;
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
		child.once('exit', () => {
			clearTimeout(kill);
			resolve();
		});
		child.kill(signal);
	});
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Microseconds on the system-wide monotonic clock: comparable between processes on one machine. */
export function nowUs(): number {
	return Number(process.hrtime.bigint() / 1000n);
}

/** How long a client waits for any one answer while it sets up (connect, log in, join). */
const SETUP_TIMEOUT_MS = 60_000;

export function withTimeout<T>(promise: Promise<T>, what: string, ms = SETUP_TIMEOUT_MS): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error instanceof Error ? error : new Error(String(error)));
			},
		);
	});
}

/** Resolves once a WebSocket is open (rejects on an error first, or after the setup timeout); later errors show as its 'close'. */
export async function opened(socket: WebSocket, what: string): Promise<void> {
	await withTimeout(
		new Promise<void>((resolve, reject) => {
			socket.once('open', () => resolve());
			socket.once('error', reject);
		}),
		what,
	);
	socket.on('error', () => undefined);
}
