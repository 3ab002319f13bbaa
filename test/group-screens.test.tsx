import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatClient } from '../source/client/index.js';
import { closeOpened, opened, renderApp } from './helpers/app.js';
import { ClientPool, PASSWORD } from './helpers/clients.js';
import type { RenderedScreen, TerminalSize } from './helpers/render.js';
import { expectFits, normalise } from './helpers/frames.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Issue 15 from the TUI: pending invites in the sidebar, /groups, the
 * members overlay with roles and its keys, the group's header and its
 * system lines. The real App against a real server (one per test, so the
 * names on screen are fixed and the snapshots stable).
 */

const SIZE = { columns: 80, rows: 24 };
const KEY = { enter: '\r', escape: '\u001B', down: '\u001B[B', up: '\u001B[A', ctrlN: '\u000E' };

type Named = ChatClient & { name: string; token: string };

let server: TestServer;
let pool: ClientPool;

beforeEach(async () => {
	server = await startTestServer({});
	pool = new ClientPool();
});
afterEach(async () => {
	await closeOpened();
	await pool.closeAll();
	await server.stop();
});

const user = (name: string): Promise<Named> => pool.named(server.url, name);

/** The App logged in as `who` (saved login), on a fresh profile. */
function openApp(who: Named, size: TerminalSize = SIZE): RenderedScreen {
	return renderApp(server.url, size, (settings) => settings.saveLogin(server.url, { username: who.name, token: who.token })).screen;
}

/** Types a line and presses Enter. */
function type(screen: RenderedScreen, line: string): void {
	screen.stdin.write(line);
	screen.stdin.write(KEY.enter);
}

/** The sidebar's rows (the left pane), trimmed. */
function sidebar(frame: string): string[] {
	return frame.split('\n').map((line) => line.slice(1, line.indexOf('│', 1)).trim());
}

describe('pending invites in the sidebar', () => {
	it('shows who invited; Ctrl-N reaches it, and Enter joins the group and opens it', async () => {
		const alice = await user('alice');
		const bob = await user('bob');
		await alice.request('groups.create', { name: 'payroll', description: 'salaries and budgets' });
		const screen = openApp(bob);
		await screen.waitFor('/join or /create');
		await alice.request('groups.invite', { name: 'payroll', username: 'bob' });
		const announced = await screen.waitFor('#payroll alice');
		expect(sidebar(announced)).toContain('Invites');
		expect(announced).toContain('alice invited you to payroll');
		screen.stdin.write(KEY.ctrlN);
		const chosen = await screen.waitFor('invite to #payroll');
		expect(chosen).toContain('alice invited you to #payroll');
		expect(chosen).toMatch(/invite #payroll › +Enter joins, \/decline declines/);
		expectFits(chosen, SIZE);
		expect(normalise(chosen)).toMatchSnapshot();

		screen.stdin.write(KEY.enter);
		const joined = await screen.waitFor('# payroll · private · salaries and budgets');
		expect(joined).toContain('you joined payroll');
		expect(sidebar(joined)).not.toContain('Invites');
		const { members } = await alice.request('groups.members', { name: 'payroll' });
		expect(members.map((member) => member.username).sort()).toEqual(['alice', 'bob']);
	});

	it('an invite from before the start is listed at login; /decline (no name) declines the one open, and the server holds it', async () => {
		const alice = await user('alice');
		const bob = await user('bob');
		await alice.request('groups.create', { name: 'payroll' });
		await alice.request('groups.create', { name: 'audit' });
		await alice.request('groups.invite', { name: 'payroll', username: 'bob' });
		await alice.request('groups.invite', { name: 'audit', username: 'bob' });
		const screen = openApp(bob);
		const start = await screen.waitFor('#audit alice');
		// Oldest first.
		expect(sidebar(start).indexOf('? #payroll alice')).toBeLessThan(sidebar(start).indexOf('? #audit alice'));
		screen.stdin.write(KEY.ctrlN);
		await screen.waitFor('invite to #payroll');
		type(screen, '/decline');
		const declined = await screen.waitFor('declined the invite to payroll');
		expect(declined).not.toContain('#payroll alice');
		expect(declined).toContain('#audit alice');
		await expect(bob.request('groups.join', { name: 'payroll' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		// By name too; the invite to audit is still good until then.
		type(screen, '/decline audit');
		const none = await screen.waitFor('declined the invite to audit');
		expect(sidebar(none)).not.toContain('Invites');
		await expect(bob.request('groups.join', { name: 'audit' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
	});

	it('/join of a void invite says the server refused and drops it from the sidebar', async () => {
		const alice = await user('alice');
		const bob = await user('bob');
		await alice.request('groups.create', { name: 'payroll' });
		await alice.request('groups.invite', { name: 'payroll', username: 'bob' });
		const screen = openApp(bob);
		await screen.waitFor('#payroll alice');
		// Bob never hears of it: he is not a member.
		await alice.request('groups.delete', { name: 'payroll' });
		type(screen, '/join payroll');
		const refused = await screen.waitFor('/join:');
		expect(sidebar(refused)).not.toContain('Invites');
	});
});

describe('/groups: browsing public groups', () => {
	it('lists public groups matching the words, most members first, never a private one; Enter joins the chosen one', async () => {
		const alice = await user('alice');
		const bob = await user('bob');
		const carol = await user('carol');
		await alice.request('groups.create', { name: 'rust-fans', visibility: 'public', description: 'borrow checker support group' });
		await alice.request('groups.create', { name: 'rustlings', visibility: 'public', description: 'exercises, together' });
		await alice.request('groups.create', { name: 'rust-secret', description: 'not for browsing' });
		await carol.request('groups.join', { name: 'rustlings' });
		const screen = openApp(bob);
		await screen.waitFor('/join or /create');
		type(screen, '/groups rust');
		const frame = await screen.waitFor('2 public groups');
		expect(frame).toContain('#rustlings');
		expect(frame).toContain('#rust-fans');
		expect(frame).not.toContain('rust-secret');
		expect(frame.indexOf('#rustlings')).toBeLessThan(frame.indexOf('#rust-fans'));
		expectFits(frame, SIZE);
		expect(normalise(frame)).toMatchSnapshot();

		screen.stdin.write(KEY.down);
		await screen.waitFor((candidate) => /› #rust-fans/.test(candidate));
		screen.stdin.write(KEY.enter);
		const joined = await screen.waitFor('# rust-fans · public · borrow checker support group');
		expect(joined).toContain('you joined rust-fans');
		const { members } = await alice.request('groups.members', { name: 'rust-fans' });
		expect(members.map((member) => member.username)).toContain('bob');

		type(screen, '/groups zzz');
		await screen.waitFor('no public groups match');
		screen.stdin.write(KEY.escape);
		await screen.waitFor('# rust-fans');
	});
});

describe('the members overlay', () => {
	/** alice creates payroll, makes carol admin; bob and dave are members. */
	async function team(): Promise<Record<'alice' | 'bob' | 'carol' | 'dave', Named>> {
		const [alice, bob, carol, dave] = (await Promise.all(['alice', 'bob', 'carol', 'dave'].map(user))) as [Named, Named, Named, Named];
		await alice.request('groups.create', { name: 'payroll', description: 'salaries' });
		for (const member of [bob, carol, dave]) {
			await alice.request('groups.invite', { name: 'payroll', username: member.name });
			await member.request('groups.join', { name: 'payroll' });
		}
		await alice.request('groups.role', { name: 'payroll', username: 'carol', role: 'admin' });
		return { alice, bob, carol, dave };
	}

	it('shows creator, admins and members, online first; an admin kicks the chosen member after asking, and the list follows', async () => {
		const { alice, bob, dave } = await team();
		// Dave offline: online members come first in each part.
		await dave.close();
		const screen = openApp(await loginAs('carol'));
		await screen.waitFor('# payroll');
		type(screen, '/members');
		let frame = await screen.waitFor('Creator (1)');
		expect(frame).toContain('Admins (1)');
		expect(frame).toContain('Members (2)');
		// An admin may remove, not change roles.
		expect(frame).toContain('Up/Down choose · k remove · b ban');
		expect(frame).not.toContain('o admin/member');
		expectFits(frame, SIZE);
		expect(normalise(frame)).toMatchSnapshot();

		// Down past carol (herself) to bob: online before dave, who is offline.
		screen.stdin.write(KEY.down);
		screen.stdin.write(KEY.down);
		frame = await screen.waitFor((candidate) => /› ● bob/.test(candidate));
		screen.stdin.write('k');
		await screen.waitFor('Remove bob from payroll? y/n');
		type(screen, 'y');
		frame = await screen.waitFor('you removed bob from payroll');
		expect(frame).toContain('Members (1)');
		expect(frame).not.toMatch(/● bob/);
		await expect(bob.request('history', { with: { group: 'payroll' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });

		// The creator is not hers to remove: the server's refusal shows.
		screen.stdin.write(KEY.up);
		screen.stdin.write(KEY.up);
		await screen.waitFor((candidate) => /› ● alice/.test(candidate));
		screen.stdin.write('k');
		await screen.waitFor('Remove alice from payroll? y/n');
		type(screen, 'y');
		frame = await screen.waitFor((candidate) => noteRow(candidate).includes('an admin of payroll acts on members only, not on alice'));
		expect((await alice.request('groups.members', { name: 'payroll' })).members.map((m) => m.username)).toContain('alice');
	});

	it('a normal member sees the list and no action keys; k does nothing', async () => {
		const { alice } = await team();
		const screen = openApp(await loginAs('bob'));
		await screen.waitFor('# payroll');
		type(screen, '/members');
		const frame = await screen.waitFor('Creator (1)');
		expect(frame).toContain('Up/Down');
		expect(frame).not.toContain('k remove');
		screen.stdin.write(KEY.up);
		screen.stdin.write('k');
		await screen.settled();
		expect(screen.lastFrame()).not.toContain('y/n');
		expect((await alice.request('groups.members', { name: 'payroll' })).members).toHaveLength(4);
	});

	it('the creator makes a member admin with o and back', async () => {
		const { alice } = await team();
		const screen = openApp(await loginAs('alice'));
		await screen.waitFor('# payroll');
		type(screen, '/members');
		await screen.waitFor('k remove · b ban · o admin/member');
		// alice, carol, then bob.
		screen.stdin.write(KEY.down);
		screen.stdin.write(KEY.down);
		await screen.waitFor((candidate) => /› ● bob/.test(candidate));
		screen.stdin.write('o');
		const frame = await screen.waitFor('you made bob admin');
		expect(frame).toContain('Admins (2)');
		const roles = async () => (await alice.request('groups.members', { name: 'payroll' })).members.find((m) => m.username === 'bob')?.role;
		expect(await roles()).toBe('admin');
		screen.stdin.write('o');
		const back = await screen.waitFor('you made bob a member');
		expect(back).toContain('Admins (1)');
		expect(await roles()).toBe('normal');
	});

	/** A second login of a team member's, for the App (the first keeps the test's own client). */
	async function loginAs(name: string): Promise<Named> {
		const client = await pool.connect(server.url);
		const { token } = await client.login({ username: name, password: PASSWORD });
		return Object.assign(client, { name, token });
	}
});

/** The overlay's note row: the one above its key hints. */
function noteRow(frame: string): string {
	const rows = frame.split('\n');
	const hints = rows.findIndex((row) => row.includes('Up/Down choose'));
	return rows[hints - 1] ?? '';
}

describe("a group's header and system lines", () => {
	it('the header says visibility and topic, cut cleanly at a narrow width; changes by others and by oneself are lines in the log', async () => {
		const alice = await user('alice');
		const bob = await user('bob');
		const carol = await user('carol');
		await alice.request('groups.create', { name: 'payroll', description: 'salaries' });
		await alice.request('groups.invite', { name: 'payroll', username: 'carol' });
		await carol.request('groups.join', { name: 'payroll' });
		await alice.request('groups.role', { name: 'payroll', username: 'carol', role: 'admin' });
		const screen = openApp(alice);
		await screen.waitFor('# payroll · private · salaries');
		// By others: events.
		await carol.request('groups.invite', { name: 'payroll', username: 'bob' });
		await bob.request('groups.join', { name: 'payroll' });
		await carol.request('groups.update', { name: 'payroll', description: 'salaries, bonuses and the yearly budget review for every team' });
		await screen.waitFor('carol set topic');
		// By alice: her own lines (the server does not echo to the session that acted).
		type(screen, '/visibility public');
		await screen.waitFor('payroll is now public');
		type(screen, '/kick bob');
		const frame = await screen.waitFor('you removed bob from payroll');
		const title = frame.split('\n')[1]!;
		// One row, cut at its end with an ellipsis; the border stays.
		expect(title).toMatch(/# payroll · public · salaries, bonuses .*…│$/);
		expectFits(frame, SIZE);
		expect(normalise(frame)).toMatchSnapshot();
	});
});
