/**
 * End to end: the built CLI, twice, in real terminals (tmux panes), against a
 * real server. Needs tmux and a build (`npm test` builds first; run
 * `npm run build` before running this file alone).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTmux, inCi, running } from './helpers/tmux.js';
import { CLI, tmuxSuite, type TmuxSuite } from './helpers/tmux-suite.js';

const COLUMNS = 100;
const ROWS = 30;
const MOTD = 'e2e server ready';

if (!hasTmux && !inCi) console.warn('e2e-tui: tmux is not installed, skipping the terminal end-to-end test');

/** The suite's terminals and server (test/helpers/tmux-suite.ts), set up in the describe below. */
let suite: TmuxSuite;

/** Opens a detached 100×30 terminal running the built TUI. */
function startTui(session: string, server: string, configDir: string): void {
	suite.terminals.start(session, [process.execPath, CLI, '--server', server, '--config-dir', configDir], COLUMNS, ROWS);
}

const type = (session: string, text: string) => suite.terminals.type(session, text);
const press = (session: string, ...keys: string[]) => suite.terminals.press(session, ...keys);
const waitForScreen = (session: string, text: string) => suite.terminals.waitFor(session, text);

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

describe.skipIf(!hasTmux && !inCi)('chat-tui in real terminals (tmux)', () => {
	suite = tmuxSuite('e2e-tui', { motd: MOTD });

	it('two users register, befriend, exchange messages, and one sees the other go offline', { timeout: 90_000 }, async () => {
		const { terminals, server, tempDir } = suite;
		const url = server.url;
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
		const bobPid = terminals.pid(bob.session);
		expect(running(bobPid)).toBe(true);
		press(bob.session, 'C-c');
		await terminals.waitForExit(bob.session, bobPid);
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
