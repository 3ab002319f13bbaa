/**
 * Issue 13 end to end: the built CLI in a real terminal (tmux) through a day
 * of use: messages that came while away, a resize below the minimum and
 * back, a long history, a server that goes away with a message unsent, a
 * quit and a start while it is still away, and its return. Needs tmux and a
 * build (`npm test` builds first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Settings } from '../source/local/settings.js';
import { befriend, ClientPool, PASSWORD, until } from './helpers/clients.js';
import { hasTmux, inCi, running } from './helpers/tmux.js';
import { CLI, tmuxSuite } from './helpers/tmux-suite.js';

const COLUMNS = 100;
const ROWS = 30;
/** Old messages beyond the three sent while away: more than two of Home's pages. */
const BULK = 450;

const pool = new ClientPool();

/** The sidebar's row for a name: "1 ● bob  3". */
function sidebarRow(screen: string, name: string): string {
	return screen.split('\n').find((row) => new RegExp(`^│\\d [●○◌] ${name} `).test(row)) ?? '';
}

/** The input line's row: the one with the prompt's `›`. */
function inputRow(screen: string): string {
	return screen.split('\n').find((row) => row.includes(' › ')) ?? '';
}

describe.skipIf(!hasTmux && !inCi)('a day with chat-tui in a real terminal (issue 13, tmux)', () => {
	const suite = tmuxSuite('e2e-daily');
	afterAll(() => pool.closeAll());

	it('unread while away, resize, long history, an unsent message across a quit, and a start while the server is down', { timeout: 120_000 }, async () => {
		const { terminals, server, tempDir } = suite;
		const url = server.url;
		const user = async (name: string) => {
			const client = await pool.connect(url);
			await client.register(name, PASSWORD);
			return Object.assign(client, { name });
		};
		const alice = await user('alice');
		const bob = await user('bob');
		await befriend(alice, bob);
		// Anna comes first in the sidebar, so the first start opens her conversation and bob's count shows.
		await befriend(alice, await user('anna'));
		const config = tempDir('chat-tui-e2e-daily-a-');
		new Settings({ configDir: config, profile: 'default' }).saveLogin(url, { username: 'alice', token: alice.token! });
		await alice.close();
		// A long history alice has read, then three messages while she is away.
		for (let index = 1; index <= BULK; index++) await bob.send({ user: 'alice' }, `old message ${index}`);
		const { messages } = await bob.request('history', { with: { user: 'alice' }, limit: 1 });
		const aliceAgain = await pool.connect(url);
		await aliceAgain.login({ username: 'alice', password: PASSWORD });
		await aliceAgain.request('read', { with: { user: 'bob' }, seq: messages[0]!.seq });
		await aliceAgain.close();
		for (const text of ['while away 1', 'while away 2', 'while away 3']) await bob.send({ user: 'alice' }, text);

		const argv = [process.execPath, CLI, '--server', url, '--config-dir', config];
		terminals.start('alice', argv, COLUMNS, ROWS);

		// Item 5: three messages while away count 3, not 6.
		const started = await terminals.waitFor('alice', (screen) => / bob +3│/.test(screen));
		expect(sidebarRow(started, 'bob')).toMatch(/^│2 ● bob +3│/);
		terminals.press('alice', 'M-2');
		const opened = await terminals.waitFor('alice', 'while away 3');
		expect(opened).toContain('new messages');

		// Item 4: a draft, a resize below 80×24 and back: the chat as it was, draft and presence included.
		terminals.type('alice', 'draft across a resize');
		await terminals.waitFor('alice', (screen) => inputRow(screen).includes('draft across a resize'));
		terminals.resize('alice', 60, 20);
		await terminals.waitFor('alice', 'larger');
		terminals.resize('alice', COLUMNS, ROWS);
		const back = await terminals.waitFor('alice', '@ bob — online');
		expect(sidebarRow(back, 'bob')).toMatch(/^│2 ● bob/);
		expect(inputRow(back)).toContain('draft across a resize');
		expect(back).toContain('while away 3');
		terminals.press('alice', 'C-u');
		await terminals.waitFor('alice', (screen) => !inputRow(screen).includes('draft across a resize'));

		// Item 13: Alt-U to the first unread; Home to the very first message, in pages with progress.
		terminals.press('alice', 'Home');
		const top = await terminals.waitFor('alice', (screen) => screen.includes('old message 1 ') && screen.includes(' top ·'), 20_000);
		expect(top).not.toContain('loading history');
		terminals.press('alice', 'M-u');
		const unread = await terminals.waitFor('alice', (screen) => screen.includes('new messages') && screen.includes('while away 1'));
		const rows = unread.split('\n');
		expect(rows[rows.findIndex((row) => row.includes('new messages')) - 1]).toContain(`old message ${BULK}`);
		terminals.press('alice', 'End');
		await terminals.waitFor('alice', (screen) => !screen.includes('End for newest'));

		// Item 1: the server goes away; a line typed is kept unsent; quitting says so once, then quits.
		await server.halt();
		await terminals.waitFor('alice', 'reconnecting');
		terminals.type('alice', 'written while the server was down');
		terminals.press('alice', 'Enter');
		await terminals.waitFor('alice', '1 unsent');
		const pid = terminals.pid('alice');
		terminals.press('alice', 'C-c');
		await terminals.waitFor('alice', '1 message is not sent yet');
		expect(running(pid)).toBe(true);
		terminals.press('alice', 'C-c');
		await terminals.waitForExit('alice', pid);
		terminals.kill('alice');

		// Item 11: started while the server is still away: the chat with what is kept, retrying; the unsent line pending.
		terminals.start('alice', argv, COLUMNS, ROWS);
		const offline = await terminals.waitFor('alice', (screen) => /reconnecting in \d+s · Ctrl-R now|reconnecting…/.test(screen));
		expect(offline).not.toContain('Password');
		const kept = await terminals.waitFor('alice', 'written while the server was down');
		// Item 13: the conversation open at the quit is open again.
		expect(kept).toContain('@ bob — presence unknown');
		expect(kept).toContain(`old message ${BULK}`);
		expect(kept).toMatch(/1 unsent/);

		// The server returns: Ctrl-R logs in at once, the message goes, once.
		await server.resume();
		terminals.press('alice', 'C-r');
		await terminals.waitFor('alice', '● connected', 15_000);
		await terminals.waitFor('alice', (screen) => !screen.includes('unsent'));
		const bobBack = await pool.connect(url);
		await bobBack.login({ username: 'bob', password: PASSWORD });
		await until(async () => {
			const { messages: latest } = await bobBack.request('history', { with: { user: 'alice' }, limit: 5 });
			return latest.filter((message) => message.text === 'written while the server was down').length === 1;
		}, 'bob has the message written while the server was down, once');
		await bobBack.send({ user: 'alice' }, 'good to have you back');
		await terminals.waitFor('alice', 'good to have you back');
	});
});
