import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

/**
 * What the terminal end-to-end tests share: whether tmux is here, whether
 * this is CI (where a missing tmux is a failure, not a skip), and a tmux of
 * their own (a private socket, the given config file) whose panes get a
 * user's environment.
 */

export const inCi = ['CI', 'CONTINUOUS_INTEGRATION'].some(
	(name) => name in process.env && process.env[name] !== '0' && process.env[name] !== 'false',
);

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * The environment the tmux server (and so every pane) gets. Ink only draws its
 * final frame when it thinks it runs in CI, so the CI variables stay out; and
 * NODE_ENV=test from vitest would not be there for a real user either.
 */
export function paneEnvironment(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env };
	for (const name of Object.keys(env)) {
		if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_') || name === 'NODE_ENV') delete env[name];
	}
	return env;
}

/** Runs tmux commands on a private server (`-L socket`) with the config file `configFile()` names at the time. */
export function privateTmux(socket: string, configFile: () => string): (...args: string[]) => string {
	return (...args) =>
		execFileSync('tmux', ['-L', socket, '-f', configFile(), ...args], {
			encoding: 'utf8',
			env: paneEnvironment(),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
}

export function shellQuote(value: string): string {
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a process still runs: it exists and is not a zombie (tmux does not always reap a dead pane's program at once). */
export function running(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
	return state !== '' && !state.startsWith('Z');
}

/**
 * Terminals on a private tmux server, each a session with one pane running a
 * program: typed into, read back as the screen shows it, resized, and
 * watched until the program ends. Panes stay after their program exits, so
 * a test can see that it did.
 */
export class TmuxTerminals {
	readonly #tmux: (...args: string[]) => string;
	readonly #socket: string;

	constructor(socket: string, configFile: string) {
		writeFileSync(configFile, 'set -g remain-on-exit on\nset -g status off\n');
		this.#socket = socket;
		this.#tmux = privateTmux(socket, () => configFile);
	}

	/** A detached terminal `columns`×`rows` running `argv` (exec'd, so the pane's pid is the program's). */
	start(session: string, argv: string[], columns: number, rows: number): void {
		this.#tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), `exec ${argv.map(shellQuote).join(' ')}`);
	}

	screen(session: string): string {
		return this.#tmux('capture-pane', '-p', '-t', `=${session}:`);
	}

	/** Literal text, typed. */
	type(session: string, text: string): void {
		this.#tmux('send-keys', '-t', `=${session}:`, '-l', text);
	}

	/** Named keys, as tmux spells them: Enter, Tab, C-r, M-1, Home. */
	press(session: string, ...keys: string[]): void {
		this.#tmux('send-keys', '-t', `=${session}:`, ...keys);
	}

	resize(session: string, columns: number, rows: number): void {
		this.#tmux('resize-window', '-t', `=${session}:`, '-x', String(columns), '-y', String(rows));
	}

	pid(session: string): number {
		return Number(this.#tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}').trim());
	}

	kill(session: string): void {
		spawnSync('tmux', ['-L', this.#socket, 'kill-session', '-t', `=${session}`], { stdio: 'ignore' });
	}

	/** Polls the pane until it shows `text` (or the condition holds); on timeout, fails with what the pane shows. */
	async waitFor(session: string, expected: string | ((screen: string) => boolean), timeout = 10_000): Promise<string> {
		const deadline = Date.now() + timeout;
		const holds = typeof expected === 'string' ? (screen: string) => screen.includes(expected) : expected;
		for (;;) {
			let last: string;
			try {
				last = this.screen(session);
			} catch (error) {
				last = `(capture-pane failed: ${(error as Error).message.trim()})`;
			}
			if (holds(last)) return last;
			if (Date.now() > deadline) {
				const what = typeof expected === 'string' ? `"${expected}"` : 'the condition';
				throw new Error(`${what} did not appear on ${session}'s screen within ${timeout} ms. The screen:\n${last}`);
			}
			await sleep(100);
		}
	}

	/**
	 * Waits for a pane's program to end: the process is gone, and its pane is
	 * dead (remain-on-exit keeps it) or its session closed. Fails with the screen if not.
	 */
	async waitForExit(session: string, pid: number, timeout = 10_000): Promise<void> {
		const deadline = Date.now() + timeout;
		for (;;) {
			let dead: boolean;
			try {
				dead = this.#tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_dead}').trim() === '1';
			} catch {
				dead = true; // the session is gone
			}
			if (dead && !running(pid)) return;
			if (Date.now() > deadline) {
				let last: string;
				try {
					last = this.screen(session);
				} catch (error) {
					last = `(capture-pane failed: ${(error as Error).message.trim()})`;
				}
				const ps = spawnSync('ps', ['-o', 'pid,ppid,stat,wchan,args', '-p', String(pid)], { encoding: 'utf8' }).stdout;
				throw new Error(`${session}'s program (pid ${pid}) has not exited within ${timeout} ms. ps:\n${ps}\nThe screen:\n${last}`);
			}
			await sleep(100);
		}
	}

	/** Ends the tmux server and removes its socket file (tmux leaves it behind when killed). */
	close(): void {
		const socket = spawnSync('tmux', ['-L', this.#socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' });
		spawnSync('tmux', ['-L', this.#socket, 'kill-server'], { stdio: 'ignore' });
		if (socket.status === 0 && socket.stdout.trim()) rmSync(socket.stdout.trim(), { force: true });
	}
}
