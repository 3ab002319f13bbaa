/**
 * Issue 15 end to end: three people in real terminals (tmux) running the
 * built CLI. Alice creates a private group; carol, a stranger, is refused;
 * bob is invited, sees the invite in his sidebar and accepts it with Enter;
 * bob and alice talk; alice removes bob from the members overlay; bob's
 * screen says so and the group is closed to him. Needs tmux and a build
 * (`npm test` builds first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Settings } from '../source/local/settings.js';
import { ClientPool } from './helpers/clients.js';
import { hasTmux, inCi } from './helpers/tmux.js';
import { CLI, tmuxSuite } from './helpers/tmux-suite.js';

const COLUMNS = 90;
const ROWS = 26;

/** The sidebar's part of a screen: the left pane of each row. */
function sidebar(screen: string): string {
	return screen
		.split('\n')
		.map((row) => row.slice(0, row.indexOf('│', 1) + 1))
		.join('\n');
}

/** The right pane's text (the log or an overlay), its rows joined and its wrapping taken out, for sentences that may wrap. */
function logText(screen: string): string {
	return screen
		.split('\n')
		.map((row) => row.split('││')[1] ?? row)
		.join(' ')
		.replace(/[│║\s]+/g, ' ');
}

/** Waits for a sentence in the log, wherever the terminal wrapped it. */
const saying = (sentence: string) => (screen: string) => logText(screen).includes(sentence);

describe.skipIf(!hasTmux && !inCi)('running a private group as three people in real terminals (issue 15, tmux)', () => {
	const suite = tmuxSuite('e2e-groups');
	const pool = new ClientPool();
	afterAll(() => pool.closeAll());

	it('create private → a stranger refused → invite → accept with Enter → talk → kick from the members overlay', { timeout: 120_000 }, async () => {
		const { terminals, server, tempDir } = suite;
		const url = server.url;
		/** A user registered over the wire whose terminal starts logged in (a saved login). */
		const person = async (name: string) => {
			const client = await pool.named(url, name);
			const config = tempDir(`chat-tui-e2e-groups-${name}-`);
			new Settings({ configDir: config, profile: 'default' }).saveLogin(url, { username: name, token: client.token });
			terminals.start(name, [process.execPath, CLI, '--server', url, '--config-dir', config], COLUMNS, ROWS);
			await terminals.waitFor(name, `logged in as ${name}`);
			return client;
		};
		const command = async (name: string, line: string, shown: string | ((screen: string) => boolean)) => {
			terminals.type(name, line);
			terminals.press(name, 'Enter');
			return terminals.waitFor(name, shown);
		};
		await person('alice');
		const bob = await person('bob');
		await person('carol');

		await command('alice', '/create payroll salaries and budgets', saying('only people you /invite can join'));
		await terminals.waitFor('alice', '# payroll · private · salaries and budgets');

		// A stranger who knows the name gets nothing: the join is refused on carol's screen.
		const refused = await command('carol', '/join payroll', '/join:');
		expect(refused).not.toContain('# payroll');

		await command('alice', '/invite bob', saying('invited bob to payroll'));
		const invited = await terminals.waitFor('bob', '? #payroll alice');
		expect(sidebar(invited)).toContain('Invites');
		expect(logText(invited)).toContain('alice invited you to payroll');
		// Bob has no conversations: the next view after status is the invite.
		terminals.press('bob', 'C-n');
		await terminals.waitFor('bob', saying('alice invited you to #payroll'));
		terminals.press('bob', 'Enter');
		const joined = await terminals.waitFor('bob', '# payroll · private · salaries and budgets');
		expect(sidebar(joined)).not.toContain('Invites');
		await terminals.waitFor('alice', saying('bob joined payroll'));

		await command('bob', 'hello alice, glad to be here', (screen) => screen.includes('hello alice, glad to be here'));
		await terminals.waitFor('alice', saying('hello alice, glad to be here'));
		await command('alice', 'welcome bob', (screen) => screen.includes('welcome bob'));
		await terminals.waitFor('bob', 'welcome bob');

		// Alice removes bob from the members overlay: creator first, then bob; k asks, y confirms.
		await command('alice', '/members', 'Creator (1)');
		terminals.press('alice', 'Down');
		await terminals.waitFor('alice', (screen) => /› ● bob/.test(screen));
		terminals.type('alice', 'k');
		await terminals.waitFor('alice', 'Remove bob from payroll? y/n');
		terminals.type('alice', 'y');
		terminals.press('alice', 'Enter');
		const after = await terminals.waitFor('alice', saying('you removed bob from payroll'));
		expect(after).toContain('1 member, 1 online');

		// Bob's screen says he was removed, and the group is closed to him.
		const removed = await terminals.waitFor('bob', saying('#payroll is closed: alice removed you from payroll'));
		expect(removed).toContain('~ status');
		expect(sidebar(removed)).not.toContain('payroll');
		await expect(bob.request('history', { with: { group: 'payroll' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		await command('bob', '/join payroll', '/join:');
		terminals.press('alice', 'Escape');
		await terminals.waitFor('alice', (screen) => !screen.includes('Creator (1)'));
		await command('alice', 'bob cannot read this', (screen) => screen.includes('bob cannot read this'));
		expect(terminals.screen('bob')).not.toContain('bob cannot read this');
	});
});
