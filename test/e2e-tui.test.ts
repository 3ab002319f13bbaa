/**
 * End to end: the built CLI, twice, in real terminals (tmux panes), against a
 * real server. Needs tmux and a build (`npm test` builds first; run
 * `npm run build` before running this file alone).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { hasTmux, inCi, privateTmux, shellQuote } from './helpers/tmux.js';

const CLI = fileURLToPath(new URL('../dist/source/cli.js', import.meta.url));
const SOCKET = `chat-tui-e2e-${process.pid}`;
const COLUMNS = 100;
const ROWS = 30;
const MOTD = 'e2e server ready';

if (!hasTmux && !inCi) console.warn('e2e-tui: tmux is not installed, skipping the terminal end-to-end test');

const tmux = privateTmux(SOCKET, () => configFile);

/** Opens a detached 100×30 terminal running the built TUI. */
function startTui(session: string, server: string, configDir: string): void {
	const command = [process.execPath, CLI, '--server', server, '--config-dir', configDir].map(shellQuote).join(' ');
	tmux('new-session', '-d', '-s', session, '-x', String(COLUMNS), '-y', String(ROWS), `exec ${command}`);
}

function screen(session: string): string {
	return tmux('capture-pane', '-p', '-t', `=${session}:`);
}

/** Literal text, typed. */
function type(session: string, text: string): void {
	tmux('send-keys', '-t', `=${session}:`, '-l', text);
}

/** Named keys, as tmux spells them: Enter, Tab, C-r, M-1. */
function press(session: string, ...keys: string[]): void {
	tmux('send-keys', '-t', `=${session}:`, ...keys);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the pane until it shows `text`; on timeout, fails with what the pane shows. */
async function waitForScreen(session: string, text: string, timeout = 10_000): Promise<string> {
	const deadline = Date.now() + timeout;
	let last = '';
	for (;;) {
		try {
			last = screen(session);
		} catch (error) {
			last = `(capture-pane failed: ${(error as Error).message.trim()})`;
		}
		if (last.includes(text)) return last;
		if (Date.now() > deadline) {
			throw new Error(`"${text}" did not appear on ${session}'s screen within ${timeout} ms. The screen:\n${last}`);
		}
		await sleep(100);
	}
}

function panePid(session: string): number {
	return Number(tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}').trim());
}

/** Whether a process still runs: it exists and is not a zombie (tmux does not always reap a dead pane's program at once). */
function running(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
	return state !== '' && !state.startsWith('Z');
}

/**
 * Waits for a pane's program to end: the process is gone, and its pane is
 * dead (remain-on-exit keeps it) or its session closed. Fails with the screen if not.
 */
async function waitForExit(session: string, pid: number, timeout = 10_000): Promise<void> {
	const deadline = Date.now() + timeout;
	for (;;) {
		let dead: boolean;
		try {
			dead = tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_dead}').trim() === '1';
		} catch {
			dead = true; // the session is gone
		}
		if (dead && !running(pid)) return;
		if (Date.now() > deadline) {
			let last: string;
			try {
				last = screen(session);
			} catch (error) {
				last = `(capture-pane failed: ${(error as Error).message.trim()})`;
			}
			const ps = spawnSync('ps', ['-o', 'pid,ppid,stat,wchan,args', '-p', String(pid)], { encoding: 'utf8' }).stdout;
			throw new Error(`${session}'s TUI (pid ${pid}) has not exited within ${timeout} ms. ps:\n${ps}\nThe screen:\n${last}`);
		}
		await sleep(100);
	}
}

/** Registers through the log-in screen: Ctrl-R, username, Tab, password, Tab, the password again, Enter. */
async function register(session: string, username: string, password: string): Promise<void> {
	await waitForScreen(session, 'Log in');
	press(session, 'C-r');
	await waitForScreen(session, 'Create an account');
	// The server's motd shows once the window is connected and no longer busy, so Enter will be taken.
	await waitForScreen(session, MOTD);
	type(session, username);
	press(session, 'Tab');
	type(session, password);
	press(session, 'Tab');
	type(session, password);
	press(session, 'Enter');
	await waitForScreen(session, `logged in as ${username}`);
}

let configFile = '/dev/null';
let server: TestServer | undefined;
const dirs: string[] = [];

function tempDir(prefix: string): string {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	dirs.push(dir);
	return dir;
}

describe.skipIf(!hasTmux && !inCi)('chat-tui in real terminals (tmux)', () => {
	beforeAll(async () => {
		if (!hasTmux) throw new Error('tmux is not installed, and CI needs this test: install tmux (.ci/run does)');
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
		const dir = tempDir('chat-tui-e2e-tmux-');
		configFile = path.join(dir, 'tmux.conf');
		// Keep a pane on screen after its program exits, so the test can see that it did and how.
		writeFileSync(configFile, 'set -g remain-on-exit on\nset -g status off\n');
		server = await startTestServer({ motd: MOTD });
	});

	afterAll(async () => {
		if (hasTmux) {
			// tmux leaves its socket file behind when killed.
			const socket = spawnSync('tmux', ['-L', SOCKET, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' });
			spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
			if (socket.status === 0 && socket.stdout.trim()) rmSync(socket.stdout.trim(), { force: true });
		}
		await server?.stop();
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});

	it('two users register, befriend, exchange messages, and one sees the other go offline', { timeout: 90_000 }, async () => {
		const url = server!.url;
		const alice = { session: 'alice', name: 'alice', password: 'alice-secret-1', config: tempDir('chat-tui-e2e-a-') };
		const bob = { session: 'bob', name: 'bob', password: 'bob-secret-22', config: tempDir('chat-tui-e2e-b-') };

		startTui(alice.session, url, alice.config);
		startTui(bob.session, url, bob.config);
		await register(alice.session, alice.name, alice.password);
		await register(bob.session, bob.name, bob.password);

		// Bob asks, Alice accepts.
		type(bob.session, `/add ${alice.name}`);
		press(bob.session, 'Enter');
		await waitForScreen(bob.session, `friend request sent to ${alice.name}`);
		await waitForScreen(alice.session, `${bob.name} wants to be your friend`);
		type(alice.session, `/accept ${bob.name}`);
		press(alice.session, 'Enter');
		await waitForScreen(alice.session, `@ ${bob.name}`);
		await waitForScreen(bob.session, `${alice.name} is now your friend`);

		// Alice writes in the conversation /accept opened; Bob opens it with Alt-1 and replies.
		type(alice.session, 'hello from alice');
		press(alice.session, 'Enter');
		await waitForScreen(alice.session, `${alice.name} hello from alice`);
		press(bob.session, 'M-1');
		await waitForScreen(bob.session, `@ ${alice.name}`);
		await waitForScreen(bob.session, `${alice.name} hello from alice`);
		type(bob.session, 'hi alice, bob here');
		press(bob.session, 'Enter');
		await waitForScreen(alice.session, `${bob.name} hi alice, bob here`);
		await waitForScreen(bob.session, `${bob.name} hi alice, bob here`);

		// Bob quits; his window closes and Alice is told.
		const bobPid = panePid(bob.session);
		expect(running(bobPid)).toBe(true);
		press(bob.session, 'C-c');
		await waitForExit(bob.session, bobPid);
		const finalScreen = await waitForScreen(alice.session, `${bob.name} is offline`);
		expect(finalScreen).toContain(`@ ${bob.name} — offline`);
		if (process.env.CHAT_TUI_E2E_SHOW) console.log(`alice's final screen:\n${finalScreen}`);

		// Bob's saved login: owner-only, a token, never the password.
		const credentials = path.join(bob.config, 'default.json');
		expect(statSync(credentials).mode & 0o777).toBe(0o600);
		const saved = readFileSync(credentials, 'utf8');
		expect(saved).not.toContain(bob.password);
		const login = (JSON.parse(saved) as { logins: Record<string, { username: string; token: string }> }).logins[url];
		expect(login?.username).toBe(bob.name);
		expect(login?.token).toMatch(/^[\w-]{20,}$/);
	});
});
