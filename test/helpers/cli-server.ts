import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build`); `npm test` builds it first. */
export const CLI = fileURLToPath(new URL('../../dist/source/cli.js', import.meta.url));

export interface Exit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

/** `chat-tui serve` running as its own process, as a user would run it. */
export interface CliServer {
	readonly child: ChildProcess;
	readonly pid: number;
	/** The `ws://HOST:PORT` address it printed. */
	readonly url: string;
	readonly port: number;
	/** Everything it printed so far, stdout and stderr. */
	output(): string;
	readonly exited: Promise<Exit>;
	/** True until the process has exited. */
	alive(): boolean;
	/** Resident memory from /proc/<pid>/status, in KiB. */
	rssKiB(): number;
	/** Sends the signal and waits for the process to end. */
	stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Which chat-tui runs: the built tree's by default, or another command (an installed bin) in its own environment. */
export interface CliProgram {
	command: string[];
	env?: NodeJS.ProcessEnv;
}

/** Starts `chat-tui serve ARGS` and resolves once it prints the address it listens on. */
export async function serveCli(args: string[], timeoutMs = 15_000, program?: CliProgram): Promise<CliServer> {
	if (!program && !existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
	const [command, ...before] = program?.command ?? [process.execPath, CLI];
	const child = spawn(command!, [...before, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: program?.env ?? process.env });
	let output = '';
	let exit: Exit | undefined;
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<Exit>((resolve) =>
		child.once('exit', (code, signal) => {
			exit = { code, signal };
			resolve(exit);
		}),
	);
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`chat-tui serve printed no address within ${timeoutMs} ms:\n${output}`));
		}, timeoutMs);
		const check = () => {
			const match = /wss?:\/\/[^\s]+/.exec(output);
			if (match) {
				clearTimeout(timer);
				child.stdout!.off('data', check);
				resolve(match[0]);
			}
		};
		child.stdout!.on('data', check);
		void exited.then(() => {
			clearTimeout(timer);
			reject(new Error(`chat-tui serve exited before listening:\n${output}`));
		});
	});
	const pid = child.pid!;
	return {
		child,
		pid,
		url,
		port: Number(new URL(url).port),
		output: () => output,
		exited,
		alive: () => exit === undefined && child.exitCode === null && child.signalCode === null,
		rssKiB: () => {
			const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (!match) throw new Error(`no VmRSS for process ${pid}`);
			return Number(match[1]);
		},
		stop: async (signal = 'SIGTERM') => {
			if (exit) return exit;
			child.kill(signal);
			return exited;
		},
	};
}
