/**
 * End to end: the built CLI in a real terminal (a tmux pane) against a
 * hostile server whose motd, notice and messages carry OSC 0 and OSC 2
 * window-title sequences. The pane's title must stay what it was: the TUI
 * draws the sequences visibly and never hands them to the terminal. A control
 * pane shows that this tmux does take a title from OSC 2, so the check can
 * fail. Needs tmux and a build (`npm run build` before running this file alone).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Settings } from '../source/local/settings.js';
import { HOSTILE_STRINGS } from './helpers/hostile-strings.js';
import { hostileMessage, startHostileServer, type HostileServer } from './helpers/hostile-server.js';
import { hasTmux, inCi, privateTmux, shellQuote } from './helpers/tmux.js';

const CLI = fileURLToPath(new URL('../dist/source/cli.js', import.meta.url));
const SOCKET = `chat-tui-e2e-hostile-${process.pid}`;
const TITLE = 'title-before';

const osc0 = HOSTILE_STRINGS.find((entry) => entry.name === 'OSC 0 window title')!.text;
const osc2 = HOSTILE_STRINGS.find((entry) => entry.name === 'OSC 2 window title (ST)')!.text;

let configFile = '/dev/null';
let server: HostileServer | undefined;
const dirs: string[] = [];

const tmux = privateTmux(SOCKET, () => configFile);

/** A shell command that sets the pane's title itself (OSC 2), then runs `command`. */
const titledThen = (command: string) => `printf '\\033]2;${TITLE}\\033\\\\'; ${command}`;
const paneTitle = (session: string) => tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_title}').trim();
const screen = (session: string) => tmux('capture-pane', '-p', '-t', `=${session}:`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: () => boolean, describe: () => string, timeout = 15_000): Promise<void> {
	const deadline = Date.now() + timeout;
	while (!what()) {
		if (Date.now() > deadline) throw new Error(describe());
		await sleep(100);
	}
}

describe.skipIf(!hasTmux && !inCi)('a hostile server in a real terminal (tmux)', () => {
	beforeAll(async () => {
		if (!hasTmux) throw new Error('tmux is not installed, and CI needs this test: install tmux (.ci/run does)');
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-e2e-hostile-'));
		dirs.push(dir);
		configFile = path.join(dir, 'tmux.conf');
		writeFileSync(configFile, 'set -g remain-on-exit on\nset -g status off\n');
		server = await startHostileServer({
			motd: osc0,
			login: { user: { username: 'alice' }, friends: [{ username: 'bob', alias: null, online: true }], groups: [], requests: [] },
			events: [{ type: 'notice', text: `notice ${osc2}` }],
			replies: { history: () => ({ messages: [hostileMessage('bob', { user: 'alice' }, osc0), hostileMessage('bob', { user: 'alice' }, osc2)] }) },
			fallback: { error: { code: 'BAD_REQUEST', message: osc2 } },
		});
	});

	afterAll(async () => {
		if (hasTmux) {
			const socket = spawnSync('tmux', ['-L', SOCKET, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' });
			spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
			if (socket.status === 0 && socket.stdout.trim()) rmSync(socket.stdout.trim(), { force: true });
		}
		await server?.close();
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});

	it('this tmux takes a pane title from OSC 2 (so the test below can fail)', async () => {
		tmux('new-session', '-d', '-s', 'control', '-x', '100', '-y', '30', titledThen(`printf ${shellQuote(osc2)}; sleep 30`));
		await waitFor(
			() => paneTitle('control') === 'pwned',
			() => `the control pane's title is "${paneTitle('control')}", not "pwned"`,
		);
	});

	it('leaves the pane title alone while it shows OSC 0 and OSC 2 title sequences from the server', { timeout: 60_000 }, async () => {
		const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-e2e-hostile-profile-'));
		dirs.push(configDir);
		new Settings({ configDir, profile: 'default' }).saveLogin(server!.url, { username: 'alice', token: 'saved-token' });
		const command = [process.execPath, CLI, '--server', server!.url, '--config-dir', configDir].map(shellQuote).join(' ');
		tmux('new-session', '-d', '-s', 'alice', '-x', '100', '-y', '30', titledThen(`exec ${command}`));
		await waitFor(
			() => screen('alice').includes('^[]0;pwned^G'),
			() => `the motd did not show; the screen:\n${screen('alice')}`,
		);
		tmux('send-keys', '-t', '=alice:', 'M-1');
		await waitFor(
			() => screen('alice').includes('bob ^[]2;pwned^[\\'),
			() => `bob's messages did not show; the screen:\n${screen('alice')}`,
		);
		await sleep(500);
		expect(paneTitle('alice')).toBe(TITLE);
		if (process.env['CHAT_TUI_E2E_SHOW']) console.log(`the screen:\n${screen('alice')}`);
	});
});
