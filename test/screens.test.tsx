import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import stringWidth from 'string-width';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../source/client/files.js';
import { TransferBar } from '../source/ui/components/transfer-bar.js';
import { befriend, ClientPool, PASSWORD, record, until } from './helpers/clients.js';
import { closeOpened, opened, renderApp, type Harness } from './helpers/app.js';
import { renderScreen, type TerminalSize } from './helpers/render.js';
import { expectFits, normalise } from './helpers/frames.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Snapshots of every screen at 80×24 (the smallest the app allows) and
 * 120×40, rendered by the real App against a real server. Users have fixed
 * names on a server of their own, so the frames are the same on every run
 * once the port, clock times and the day separator's date are normalised.
 */

const MOTD = 'Welcome to the snapshot server.';
const SIZES: TerminalSize[] = [
	{ columns: 80, rows: 24 },
	{ columns: 120, rows: 40 },
];

const KEY = {
	enter: '\r',
	tab: '\t',
	escape: '\u001B',
	pageDown: '\u001B[6~',
	pageUp: '\u001B[5~',
	f1: '\u001BOP',
	ctrlK: '\u000B',
	ctrlR: '\u0012',
	ctrlF: '\u0006',
	alt: (digit: number) => `\u001B${digit}`,
};

/** The sidebar row of a contact or group (the left pane of a frame line). */
function sidebarRow(frame: string, name: string): string {
	const line = frame.split('\n').find((candidate) => new RegExp(`^│\\d [●○#] ${name}\\b`).test(candidate));
	if (!line) throw new Error(`no sidebar row for ${name} in:\n${frame}`);
	return line.slice(0, line.indexOf('│', 1) + 1);
}

/** The help overlay's columns in a frame: the text inside its frame, split at `at` where the lists stand side by side. */
function helpColumnsOf(frame: string, size: TerminalSize, at: number): string[] {
	const inside = frame
		.split('\n')
		.filter((line) => line.startsWith('║'))
		.slice(1, -1)
		.map((line) => line.slice(2, -2));
	if (size.columns < 120 || at === 0) return [inside.map((line) => line.trimEnd()).join('\n')];
	return [inside.map((line) => line.slice(0, at).trimEnd()).join('\n'), inside.map((line) => line.slice(at).trimEnd()).join('\n')];
}

/** Help's text, page after page, one column after the other; the rows a page repeats from the one before are taken once. */
function helpText(pages: string[], size: TerminalSize, at: number): string {
	const columns = pages.map((page) => helpColumnsOf(page, size, at));
	return columns[0]!
		.map((_, index) => {
			const rows: string[] = [];
			for (const page of columns) {
				const pageRows = page[index]!.split('\n');
				// Pages overlap by a row or more (and the last one by more): find where this page goes on.
				let overlap = Math.min(rows.length, pageRows.length);
				while (overlap > 0 && rows.slice(rows.length - overlap).join('\n') !== pageRows.slice(0, overlap).join('\n')) overlap--;
				rows.push(...pageRows.slice(overlap));
			}
			// A wrapped entry as one line: continuation rows joined to the row above.
			return rows.join('\n').replace(/\n {2,}(?=\S)/g, ' ');
		})
		.join('\n');
}

afterEach(closeOpened);

describe('log-in and register screens', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer({ motd: MOTD });
	});
	afterAll(() => server.stop());

	describe.each(SIZES)('at $columns×$rows', (size) => {
		it('log-in screen, with a username typed and the password masked', async () => {
			const { screen } = renderApp(server.url, size);
			await screen.waitFor(MOTD);
			screen.stdin.write('alice');
			screen.stdin.write(KEY.tab);
			screen.stdin.write('hunter22');
			const frame = await screen.waitFor('••••••••');
			expectFits(frame, size);
			expect(frame).toContain('chat-tui · Log in');
			expect(frame).toMatch(/Username\s+alice/);
			expect(frame).toMatch(/Password\s+••••••••\s/);
			expect(frame).not.toContain('hunter22');
			expect(frame).toContain(`Server    ${server.url}`);
			expect(frame).toContain('Enter logs in');
			expect(normalise(frame)).toMatchSnapshot();
		});

		it('register screen (Ctrl-R) with a validation error', async () => {
			const { screen } = renderApp(server.url, size);
			await screen.waitFor(MOTD);
			screen.stdin.write(KEY.ctrlR);
			await screen.waitFor('Create an account');
			screen.stdin.write('bad name!');
			screen.stdin.write(KEY.tab);
			screen.stdin.write('long enough password');
			screen.stdin.write(KEY.enter);
			const frame = await screen.waitFor('A username is');
			expectFits(frame, size);
			expect(frame).toContain('chat-tui · Create an account');
			expect(frame).toMatch(/Username\s+bad name!/);
			expect(frame).toContain('A username is 1–32 letters, digits, "_", "-" or ".".');
			expect(frame).toContain('Enter registers');
			expect(frame).toContain('Ctrl-R log in instead');
			// The error replaces the server's message of the day.
			expect(frame).not.toContain(MOTD);
			expect(normalise(frame)).toMatchSnapshot();
		});
	});
});

/**
 * alice's chat, on a server of its own: friends bob (online) and carol
 * (offline), the group `general` open with history, a join and presence
 * lines, alice's own message, and unread direct messages from both friends.
 */
async function chatScenario(size: TerminalSize): Promise<Harness & { server: TestServer; pool: ClientPool }> {
	const server = await startTestServer({ motd: MOTD });
	const pool = new ClientPool();
	opened.push(async () => {
		await pool.closeAll();
		await server.stop();
	});
	const registered = (name: string) => pool.named(server.url, name);
	const alice = await registered('alice');
	const bob = await registered('bob');
	const carol = await registered('carol');
	await befriend(alice, bob);
	await befriend(alice, carol);
	await alice.request('groups.create', { visibility: 'public', name: 'general', description: 'everyone welcome' });
	await carol.request('groups.join', { name: 'general' });
	await carol.send({ group: 'general' }, 'morning all');
	await alice.send({ group: 'general' }, 'morning carol!');
	// bob is offline when alice's window logs in; her own set-up session is gone.
	const presence = record(alice, 'presence');
	await bob.close();
	await until(() => presence.some((event) => event.username === 'bob' && !event.online), 'bob offline');
	await alice.close();

	const harness = renderApp(server.url, size, (settings) => settings.saveLogin(server.url, { username: 'alice', token: alice.token }));
	const { screen } = harness;
	await screen.waitFor('Contacts');
	screen.stdin.write(KEY.alt(3));
	await screen.waitFor('morning carol!');

	const bobAgain = await pool.connect(server.url);
	await bobAgain.login({ username: 'bob', password: PASSWORD });
	// Presence shows in the sidebar; its notice goes to the status view and bob's conversation, not #general.
	await screen.waitFor((frame) => /│1 ● bob/.test(frame));
	await bobAgain.request('groups.join', { name: 'general' });
	await screen.waitFor('bob joined general');
	await bobAgain.send({ group: 'general' }, 'hello everyone');
	await screen.waitFor('hello everyone');
	screen.stdin.write('welcome, bob');
	screen.stdin.write(KEY.enter);
	// Sent and acknowledged: no longer marked pending with "…".
	await screen.waitFor((frame) => frame.includes('welcome, bob') && !frame.includes('welcome, bob  …'));
	await bobAgain.send({ user: 'alice' }, 'psst, got a minute?');
	await screen.waitFor((frame) => / bob +1│/.test(frame));
	await carol.send({ user: 'alice' }, 'are you coming to the meeting?');
	await carol.send({ user: 'alice' }, 'ping');
	await screen.waitFor((frame) => / carol +2│/.test(frame));
	await carol.close();
	await screen.waitFor((frame) => /│2 ○ carol/.test(frame));
	await screen.settled();
	return { ...harness, server, pool };
}

describe.each(SIZES)('chat screens at $columns×$rows', (size) => {
	it('chat screen: online and offline friends, unread counts, own, other and system lines', async () => {
		const { screen } = await chatScenario(size);
		const frame = screen.lastFrame();
		expectFits(frame, size);
		// Sidebar: bob online with 1 unread, carol offline with 2, general selected.
		expect(sidebarRow(frame, 'bob')).toMatch(/^│1 ● bob +1│$/);
		expect(sidebarRow(frame, 'carol')).toMatch(/^│2 ○ carol +2│$/);
		expect(sidebarRow(frame, 'general')).toMatch(/^│3 # general +│$/);
		// The log: title, history, the join line, bob's and alice's messages, in order.
		expect(frame).toContain('# general · public · everyone welcome');
		// History, then what happened live, in the order it happened: system lines among the messages.
		const order = ['morning all', 'morning carol!', 'bob joined general', 'hello everyone', 'welcome, bob'];
		const positions = order.map((text) => frame.indexOf(text));
		expect(positions.every((position) => position >= 0)).toBe(true);
		expect([...positions].sort((a, b) => a - b)).toEqual(positions);
		expect(frame).toMatch(/\d\d:\d\d +alice welcome, bob/);
		expect(frame).toMatch(/\d\d:\d\d +bob hello everyone/);
		// Presence notices are not about #general: they stay out of it (issue 13 item 6).
		expect(frame).not.toContain('is online');
		expect(frame).not.toContain('is offline');
		// Input line and status bar.
		expect(frame).toContain('#general ›');
		expect(frame).toMatch(/ alice +ws:\/\/127\.0\.0\.1:\d+ +● connected/);
		expect(normalise(frame)).toMatchSnapshot();
	});

	it('mentions and typing: @ count in the sidebar, the bell for a DM or mention elsewhere, "is typing…" in the status bar', async () => {
		const { screen, server, pool, rings, settings } = await chatScenario(size);
		// Two direct messages from bob and carol arrived while general was open: two rings.
		expect(rings.count).toBe(3);
		const bob = await pool.connect(server.url);
		await bob.login({ username: 'bob', password: PASSWORD });
		await bob.send({ group: 'general' }, 'no mention here');
		await screen.waitFor('no mention here');
		await bob.send({ group: 'general' }, '@alice could you review the release notes?');
		await screen.waitFor('could you review');
		// Both in the open conversation: no bell.
		expect(rings.count).toBe(3);
		await bob.send({ user: 'alice' }, '@alice lunch?');
		let frame = await screen.waitFor((candidate) => / bob +@2│/.test(candidate));
		expect(rings.count).toBe(4);
		await bob.request('typing', { to: { group: 'general' } });
		frame = await screen.waitFor('bob is typing…');
		expectFits(frame, size);
		expect(sidebarRow(frame, 'bob')).toMatch(/^│1 ● bob +@2│$/);
		expect(frame).toMatch(/● connected · bob is typing…/);
		expect(normalise(frame)).toMatchSnapshot();
		// A message from bob ends his "typing…"; /bell off silences the bell.
		await bob.send({ group: 'general' }, 'done typing');
		frame = await screen.waitFor((candidate) => candidate.includes('done typing') && !candidate.includes('is typing'));
		screen.stdin.write('/bell off');
		screen.stdin.write(KEY.enter);
		// A setting is not about #general: its line goes to the status view, and the status bar says so.
		await screen.waitFor('1 new in status');
		expect(settings.bell).toBe(false);
		await bob.send({ user: 'alice' }, 'are you there?');
		await screen.waitFor((candidate) => / bob +@3│/.test(candidate));
		expect(rings.count).toBe(4);
	});

	it('multi-line messages: Alt-Enter and a bracketed paste keep their lines; a long paste asks before it goes', async () => {
		const { screen, server, pool } = await chatScenario(size);
		const carol = await pool.connect(server.url);
		await carol.login({ username: 'carol', password: PASSWORD });
		const received = record(carol, 'message');
		screen.stdin.write('first line');
		screen.stdin.write('\u001B\r'); // Alt-Enter
		screen.stdin.write('second line');
		await screen.waitFor('first line↵second line');
		screen.stdin.write(KEY.enter);
		await until(() => received.length === 1, 'the two-line message');
		expect(received[0]!.message.text).toBe('first line\nsecond line');
		let frame = await screen.waitFor((candidate) => /alice first line +│\n│ +││ +second line/.test(candidate));
		expect(frame).toContain('second line');

		const pasted = Array.from({ length: 7 }, (_, index) => `pasted ${index + 1}`).join('\r\n');
		screen.stdin.write(`\u001B[200~${pasted}\u001B[201~`);
		await screen.waitFor('pasted 1↵pasted 2↵pasted 3');
		screen.stdin.write(KEY.enter);
		frame = await screen.waitFor('this message has 7 lines');
		expect(frame).toMatch(/this message has 7 lines: Enter\s+(│\n│ +││ +)?sends it, Esc keeps editing/);
		expect(frame).toContain('› pasted 1↵pasted 2↵pasted 3');
		expect(frame).not.toContain('[201~');
		expect(received).toHaveLength(1);
		screen.stdin.write(KEY.enter);
		await until(() => received.length === 2, 'the pasted message');
		expect(received[1]!.message.text.split('\n')).toEqual(Array.from({ length: 7 }, (_, index) => `pasted ${index + 1}`));
		frame = await screen.waitFor('pasted 7');
		expectFits(frame, size);
	});

	it('help overlay (F1): every entry whole, wrapped in its column and aligned; PgDn/PgUp scroll the wrapped rows', async () => {
		const { screen } = await chatScenario(size);
		screen.stdin.write(KEY.f1);
		let frame = await screen.waitFor('Esc closes');
		const pages = [frame];
		expect(frame).toContain('Help');
		expect(frame).toContain('Keys');
		expect(frame).not.toContain('Contacts');
		expect(frame).toContain('↓ more: Down or PgDn');
		if (size.columns >= 120) expect(frame).toMatch(/Keys +Commands/);
		while (!frame.includes('↑ Up or PgUp for the top')) {
			screen.stdin.write(KEY.pageDown);
			const previous = frame;
			frame = await screen.waitFor((candidate) => candidate !== previous);
			pages.push(frame);
		}
		for (const page of pages) {
			expectFits(page, size);
			// Nothing is cut: the only … is the one in Alt-1…9.
			expect(page.replaceAll('Alt-1…9', '')).not.toContain('…');
			expect(normalise(page)).toMatchSnapshot();
		}
		// PgDn moves a page less one row: the last row of a page is the first of the next (but the last page, which stops at the end).
		const inside = (page: string) => page.split('\n').filter((line) => line.startsWith('║')).slice(1, -1);
		for (const [index, page] of pages.slice(0, -2).entries()) expect(inside(pages[index + 1]!)[0]).toBe(inside(page).at(-1));
		// The columns of the overlay, each page's rows one after another: every entry is there, whole.
		const at = size.columns >= 120 ? helpColumnsOf(pages[0]!, size, 0)[0]!.indexOf('Commands') : 0;
		const text = helpText(pages, size, at);
		expect(text).toMatch(/Ctrl-K +quick switcher: type to filter, Enter to open/);
		expect(text).toMatch(/Ctrl-W \/ Alt-Backspace +delete the word before the cursor/);
		expect(text).toMatch(/Alt-B \/ Ctrl-Left +a word back/);
		expect(text).toMatch(/Backspace \/ Delete +delete the character before \/ after the cursor/);
		expect(text).toMatch(/\/msg <user> \[text\] +open the conversation with a friend, and send text if given/);
		// groups: the members and browse overlays' keys, from their tables.
		expect(text).toMatch(/In \/members/);
		expect(text).toMatch(/^k +remove the chosen member \(asks first; admins, creator\)/m);
		expect(text).toMatch(/In \/groups/);
		expect(text).toMatch(/\/groups \[words\] +browse public groups/);
		expect(text).toMatch(/\/save \[N\] \[dir\] +download the newest \(or N-th newest\) file of the open conversation \(default dir ~\/Downloads\)/);
		// A name wider than its column takes a row of its own; its description follows, whole.
		expect(text).toMatch(/\/create <group> \[--public\] \[description\] +create a group \(you become its creator\); private unless --public: others join by \/invite/);
		expect(text.replace(/\s+/g, ' ')).toContain('Text without a / goes to the open conversation; start it with // to send a line beginning with /.');
		// Descriptions start in one column per list, and wrapped ones continue under it.
		const commands = text.slice(text.indexOf('Commands'));
		const start = (name: string) => name.length + new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}( +)\\S`, 'm').exec(commands)![1]!.length;
		expect(new Set(['/join <group>', '/msg <user> [text]', '/search [--all] <words>', '/help'].map(start)).size).toBe(1);
		const columns = pages.map((page) => helpColumnsOf(page, size, at));
		for (const [index] of columns[0]!.entries()) {
			const rows = columns.flatMap((page) => page[index]!.split('\n'));
			const indents = new Set(rows.flatMap((row) => (/^ +\S/.test(row) ? [row.search(/\S/)] : [])));
			// One list (keys, then commands) at 80 columns: each part has its own.
			expect(indents.size).toBe(size.columns >= 120 ? 1 : 2);
		}
		// Back up as many pages as it went down: the first page again.
		for (let page = 1; page < pages.length; page++) screen.stdin.write(KEY.pageUp);
		frame = await screen.waitFor((candidate) => candidate.includes('↓ more') && candidate.includes('Keys'));
		expect(frame).toBe(pages[0]);
		screen.stdin.write(KEY.escape);
		await screen.waitFor('Contacts');
	});

	it('quick switcher (Ctrl-K) with a filter typed', async () => {
		const { screen } = await chatScenario(size);
		screen.stdin.write(KEY.ctrlK);
		await screen.waitFor('Switch to…');
		screen.stdin.write('r');
		const frame = await screen.waitFor((current) => current.includes('> r') && !current.includes('@ bob'));
		expectFits(frame, size);
		expect(frame).toContain('@ carol');
		expect(frame).toContain('# general');
		expect(frame.indexOf('@ carol')).toBeLessThan(frame.indexOf('# general'));
		expect(normalise(frame)).toMatchSnapshot();
	});
});

// search
describe.each(SIZES)('search at $columns×$rows', (size) => {
	it('search overlay (Ctrl-F): hits newest first with conversation, time, sender and text; no hits', async () => {
		const { screen } = await chatScenario(size);
		screen.stdin.write(KEY.ctrlF);
		await screen.waitFor('Search # general');
		expect(screen.lastFrame()).toContain('Type words to find in # general, then Enter.');
		screen.stdin.write('MORN');
		await screen.waitFor('> MORN');
		screen.stdin.write(KEY.enter);
		const frame = await screen.waitFor('2 messages match');
		expectFits(frame, size);
		expect(frame).not.toContain('Contacts');
		// Newest first, each with where, when and who, then its text.
		expect(frame).toMatch(/› # general {2}\d\d:\d\d {2}alice/);
		expect(frame).toMatch(/ {2}# general {2}\d\d:\d\d {2}carol/);
		expect(frame.indexOf('morning carol!')).toBeLessThan(frame.indexOf('morning all'));
		expect(normalise(frame)).toMatchSnapshot();

		// Words nothing holds, in every conversation; the words stay for another try.
		screen.stdin.write(KEY.escape);
		await screen.waitFor('Contacts');
		screen.stdin.write('/search --all nothing-like-this');
		screen.stdin.write(KEY.enter);
		const none = await screen.waitFor('No messages match.');
		expect(none).toContain('Search all conversations');
		expect(none).toContain('> nothing-like-this');
		screen.stdin.write(KEY.escape);
		await screen.waitFor('Contacts');
	});
});

describe('search: jumping to a hit', () => {
	it('opens the conversation scrolled back to an old hit, with the messages around it', async () => {
		const size = SIZES[0]!;
		const server = await startTestServer();
		const pool = new ClientPool();
		opened.push(async () => {
			await pool.closeAll();
			await server.stop();
		});
		const alice = Object.assign(await pool.connect(server.url), { name: 'alice' });
		const { token } = await alice.register('alice', PASSWORD);
		const bob = Object.assign(await pool.connect(server.url), { name: 'bob' });
		await bob.register('bob', PASSWORD);
		await befriend(alice, bob);
		await bob.send({ user: 'alice' }, 'the spare key is under the blue flowerpot');
		for (let i = 1; i <= 120; i++) await bob.send({ user: 'alice' }, `line ${i}`);
		await alice.close();

		const { screen } = renderApp(server.url, size, (settings) => settings.saveLogin(server.url, { username: 'alice', token }));
		await screen.waitFor('line 120');
		screen.stdin.write(KEY.ctrlF);
		await screen.waitFor('Search @ bob');
		screen.stdin.write('flowerp');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('1 message matches');
		screen.stdin.write(KEY.enter);
		const log = await screen.waitFor((frame) => frame.includes('the spare key') && frame.includes('Contacts'));
		expectFits(log, size);
		// The hit (the conversation's first message, so at the top), what followed below it, not the newest.
		expect(log).toMatch(/ line 1 /);
		expect(log).not.toContain('line 120');
		expect(log).toContain('top · End for newest');
		// End still leads to the newest, with nothing missing on the way.
		screen.stdin.write('\u001B[F');
		const newest = await screen.waitFor('line 120');
		expect(newest).not.toContain('flowerpot');
		for (let page = 0; page < 8; page++) screen.stdin.write(KEY.pageUp);
		await screen.settled();
		const seen = new Set<number>();
		for (let page = 0; page < 16; page++) {
			for (const match of screen.lastFrame().matchAll(/line (\d+)/g)) seen.add(Number(match[1]));
			screen.stdin.write(KEY.pageDown);
			await screen.settled(30);
		}
		expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));

		// Many hits: a page of them, and the next page once the choice moves past the last.
		screen.stdin.write(KEY.ctrlF);
		await screen.waitFor('Search @ bob');
		screen.stdin.write('line');
		screen.stdin.write(KEY.enter);
		const first = await screen.waitFor('20+ messages match');
		expect(first).toMatch(/› @ bob {2}\d\d:\d\d {2}bob[^\n]*\n[^\n]*line 120 /);
		for (let page = 0; page < 3; page++) screen.stdin.write(KEY.pageDown);
		const more = await screen.waitFor('40+ messages match');
		expect(more).toMatch(/› @ bob {2}\d\d:\d\d {2}bob[^\n]*\n[^\n]*line 100 /);
	});
});

describe('too-small terminal', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer({ motd: MOTD });
	});
	afterAll(() => server.stop());

	it('asks for a larger window at 60×20', async () => {
		const size = { columns: 60, rows: 20 };
		const { screen } = renderApp(server.url, size);
		const frame = await screen.waitFor('Make the window larger');
		expectFits(frame, size);
		expect(frame).toContain('chat-tui needs at least 80×24; this one is 60×20.');
		expect(frame).toContain('Ctrl-C quits.');
		expect(normalise(frame)).toMatchSnapshot();
	});

	it.each([
		{ columns: 79, rows: 24 },
		{ columns: 80, rows: 23 },
	])('asks for a larger window at $columns×$rows too, and shows the app at 80×24', async (size) => {
		const { screen } = renderApp(server.url, size);
		const frame = await screen.waitFor('Make the window larger');
		expectFits(frame, size);
		expect(frame).toContain(`this one is ${size.columns}×${size.rows}.`);
		screen.resize({ columns: 80, rows: 24 });
		const resized = await screen.waitFor(MOTD);
		expect(resized).not.toContain('Make the window larger');
		expectFits(resized, { columns: 80, rows: 24 });
	});
});

/**
 * issue 13 item 4: the too-small screen unmounts the chat screen; what happened
 * since login (a new friend, presence, a message, the open conversation, the
 * draft) must all be there when the window is large enough again.
 */
describe('a resize below 80×24 and back', () => {
	it('keeps the chat as it is now: friends and presence since login, the open conversation, Ctrl-K, the draft', async () => {
		const server = await startTestServer({ motd: MOTD });
		const pool = new ClientPool();
		opened.push(async () => {
			await pool.closeAll();
			await server.stop();
		});
		const registered = (name: string) => pool.named(server.url, name);
		const alice = await registered('alice');
		const bob = await registered('bob');
		const carol = await registered('carol');
		await befriend(alice, bob);
		await bob.close();
		const { screen } = renderApp(server.url, { columns: 100, rows: 30 }, (settings) =>
			settings.saveLogin(server.url, { username: 'alice', token: alice.token }),
		);
		await screen.waitFor((frame) => / ○ bob\b/.test(frame));

		// After login: a new friend, bob online, and a message from him, opened.
		await befriend(alice, carol);
		await screen.waitFor((frame) => /[●○] carol\b/.test(frame));
		const bobAgain = await pool.connect(server.url);
		await bobAgain.login({ username: 'bob', password: PASSWORD });
		await screen.waitFor((frame) => / ● bob\b/.test(frame));
		await bobAgain.send({ user: 'alice' }, 'are you there?');
		await screen.waitFor('are you there?');
		screen.stdin.write(KEY.alt(1));
		await screen.waitFor((frame) => frame.includes('@ bob') && frame.includes('are you there?'));
		await screen.settled();
		screen.stdin.write('half a thought');
		await screen.waitFor('bob › half a thought');

		screen.resize({ columns: 70, rows: 20 });
		await screen.waitFor('Make the window larger');
		screen.resize({ columns: 100, rows: 30 });
		const back = await screen.waitFor('Contacts');
		expectFits(back, { columns: 100, rows: 30 });
		expect(sidebarRow(back, 'bob')).toMatch(/^│1 ● bob +│$/);
		expect(sidebarRow(back, 'carol')).toMatch(/^│2 ● carol +│$/);
		expect(back).toContain('@ bob');
		expect(back).toContain('are you there?');
		expect(back).toContain('bob › half a thought');

		// Ctrl-K knows the friend made after login.
		screen.stdin.write(KEY.ctrlK);
		const switcher = await screen.waitFor((frame) => frame.includes('carol') && !frame.includes('Contacts'));
		expect(switcher).toContain('bob');
		screen.stdin.write(KEY.escape);
		await screen.waitFor('bob › half a thought');
	});
});

// files
describe('file transfer', () => {
	const REPORT = Buffer.alloc(1_258_291, 7); // 1.2 MiB
	let server: TestServer;
	let work: string;
	beforeAll(async () => {
		server = await startTestServer({ motd: MOTD });
		work = mkdtempSync(path.join(tmpdir(), 'chat-tui-screens-files-'));
	});
	afterAll(async () => {
		await server.stop();
		rmSync(work, { recursive: true, force: true });
	});

	/** alice and bob, friends, on this suite's server; bob has sent alice a report with a caption and a note without one. */
	async function filesScenario(size: TerminalSize, prefix: string) {
		const pool = new ClientPool();
		opened.push(() => pool.closeAll());
		const registered = (name: string) => pool.named(server.url, name);
		const alice = await registered(`${prefix}alice`);
		const bob = await registered(`${prefix}bob`);
		await befriend(alice, bob);
		const source = mkdtempSync(path.join(work, 'src-'));
		writeFileSync(path.join(source, 'report.pdf'), REPORT);
		writeFileSync(path.join(source, 'notes.txt'), 'remember the milk\n');
		await uploadFile(bob, { to: { user: alice.name }, path: path.join(source, 'report.pdf'), caption: 'the quarterly report' });
		await uploadFile(bob, { to: { user: alice.name }, path: path.join(source, 'notes.txt') });
		await alice.close();
		const harness = renderApp(server.url, size, (settings) => settings.saveLogin(server.url, { username: alice.name, token: alice.token }));
		await harness.screen.waitFor('Contacts');
		harness.screen.stdin.write(KEY.alt(1));
		await harness.screen.waitFor('📎 notes.txt');
		return { ...harness, bob, source };
	}

	describe.each(SIZES)('at $columns×$rows', (size) => {
		it('shows a file message as a file line: name, size and type, then the caption', async () => {
			const { screen } = await filesScenario(size, `f${size.columns}`);
			const frame = await screen.settled();
			expectFits(frame, size);
			if (size.columns >= 120) {
				expect(frame).toMatch(/bob 📎 report\.pdf · 1\.2 MiB · application\/pdf — the quarterly report/);
			} else {
				// Wrapped under the text column.
				expect(frame).toMatch(/bob 📎 report\.pdf · 1\.2 MiB · *│\n│.*│ {17}application\/pdf — the quarterly/);
			}
			expect(frame).toMatch(/bob 📎 notes\.txt · 18 B · text\/plain *│/);
			expect(normalise(frame)).toMatchSnapshot();
		});

		it('draws the progress bar: name, bar, bytes, rate, time left and the Esc hint', () => {
			const transfer = {
				direction: 'upload' as const,
				name: 'report.pdf',
				progress: { done: 9.4 * 1024 * 1024, total: 20 * 1024 * 1024, rate: 3.1 * 1024 * 1024, etaMs: 3_500 },
			};
			const screen = renderScreen(<TransferBar transfer={transfer} width={size.columns} />, { columns: size.columns, rows: 1 });
			opened.push(() => screen.unmount());
			const frame = screen.lastFrame();
			expect(stringWidth(frame)).toBeLessThanOrEqual(size.columns);
			expect(frame).toMatch(/^ ↑ report\.pdf █+░+  47% 9\.4 MiB \/ 20 MiB · 3\.1 MiB\/s · 4s left · Esc cancels$/);
			expect(frame).toMatchSnapshot();
			const download = { direction: 'download' as const, name: 'a-very-long-file-name-that-takes-room.tar.gz', progress: { done: 0, total: 5000, rate: 0, etaMs: undefined } };
			screen.rerender(<TransferBar transfer={download} width={size.columns} />);
			const starting = screen.lastFrame();
			expect(stringWidth(starting)).toBeLessThanOrEqual(size.columns);
			expect(starting).toContain(size.columns >= 120 ? '↓ a-very-long-file-name-that-takes-room.tar.gz' : '↓ a-very-long-file-');
			expect(starting).toContain('0% 0 B / 4.9 KiB · 0 B/s · -- left');
			expect(starting).toMatchSnapshot();
		});
	});

	it('/save downloads the newest or N-th file, never overwriting; /send uploads into the open conversation', async () => {
		const { screen, bob, source } = await filesScenario({ columns: 120, rows: 40 }, 'cmd');
		const into = mkdtempSync(path.join(work, 'into-'));
		const saved = () => readdirSync(into).sort();
		screen.stdin.write(`/save ${into}`);
		screen.stdin.write(KEY.enter);
		await screen.waitFor('saved notes.txt (18 B) as');
		expect(saved()).toEqual(['notes.txt']);
		screen.stdin.write(`/save 2 ${into}`);
		screen.stdin.write(KEY.enter);
		await screen.waitFor('saved report.pdf (1.2 MiB) as');
		screen.stdin.write(`/save 1 ${into}`);
		screen.stdin.write(KEY.enter);
		await until(() => saved().includes('notes (1).txt'), 'the third file');
		expect(saved()).toEqual(['notes (1).txt', 'notes.txt', 'report.pdf']);
		expect(readFileSync(path.join(into, 'report.pdf')).equals(REPORT)).toBe(true);
		expect(readFileSync(path.join(into, 'notes (1).txt'), 'utf8')).toBe('remember the milk\n');
		screen.stdin.write(`/save 3 ${into}`);
		screen.stdin.write(KEY.enter);
		await screen.waitFor('/save: this conversation has fewer than 3 files');

		const heard = record(bob, 'message');
		writeFileSync(path.join(source, 'reply.txt'), 'got it');
		screen.stdin.write(`/send ${path.join(source, 'reply.txt')}`);
		screen.stdin.write(KEY.enter);
		const frame = await screen.waitFor((current) => /alice 📎 reply\.txt · 6 B · text\/plain/.test(current));
		expect(frame).not.toContain('↑ reply.txt');
		await until(() => heard.length === 1, 'the file at bob');
		expect(heard[0]!.message.file).toMatchObject({ name: 'reply.txt', size: 6 });
		screen.stdin.write('/send /nonexistent/file.bin');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('/send: /nonexistent/file.bin: no such file');
	});
});

// accounts
describe('accounts: sessions, password, deletion', () => {
	let server: TestServer;
	const pool = new ClientPool();
	beforeAll(async () => {
		server = await startTestServer({ motd: MOTD });
	});
	afterEach(() => pool.closeAll());
	afterAll(() => server.stop());

	/**
	 * `name`'s window at 80×24, logged in by a token saved from a "laptop" login;
	 * a "phone" session of the same user online, and a script's session gone offline.
	 */
	async function twoDevices(name: string) {
		const setup = await pool.connect(server.url);
		await setup.register(name, PASSWORD);
		await setup.logout();
		const laptop = await pool.connect(server.url, { device: 'chat-tui on laptop' });
		const { token } = await laptop.login({ username: name, password: PASSWORD });
		await laptop.close();
		const script = await pool.connect(server.url, { device: 'chat-tui send on ci' });
		await script.login({ username: name, password: PASSWORD });
		await script.close();
		const phone = await pool.connect(server.url, { device: 'chat-tui on phone' });
		await phone.login({ username: name, password: PASSWORD });
		const harness = renderApp(server.url, { columns: 80, rows: 24 }, (settings) => settings.saveLogin(server.url, { username: name, token }));
		await harness.screen.waitFor(`logged in as ${name}`);
		return { ...harness, phone };
	}

	it('/sessions lists them, this one first and marked, online ones dotted; r logs the chosen one out', async () => {
		const { screen, phone } = await twoDevices('sam');
		screen.stdin.write('/sessions');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('Sessions — 3 logged in, 2 online');
		screen.stdin.write('\u001B[B'); // Down
		const frame = await screen.waitFor((current) => /› ● chat-tui on phone/.test(current));
		expectFits(frame, { columns: 80, rows: 24 });
		expect(frame).toMatch(/● chat-tui on laptop +just now +this one/);
		expect(frame).toMatch(/○ chat-tui send on ci +just now/);
		expect(frame).toContain('r log the chosen session out');
		expect(normalise(frame)).toMatchSnapshot();
		const revoked = record(phone, 'revoked');
		screen.stdin.write('r');
		await screen.waitFor('logged out chat-tui on phone');
		await until(() => revoked.length === 1, 'the phone logged out');
		const after = await screen.waitFor('Sessions — 2 logged in, 1 online');
		expect(after).not.toMatch(/[●○] chat-tui on phone/);
		screen.stdin.write(KEY.escape);
		await screen.waitFor('~ status');
	});

	it('/passwd asks masked, refuses two different new passwords, and changes it, logging out the other sessions', async () => {
		const { screen, phone } = await twoDevices('pat');
		screen.stdin.write('/passwd');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('current password ›');
		screen.stdin.write(PASSWORD);
		const frame = await screen.waitFor('•'.repeat(10));
		expectFits(frame, { columns: 80, rows: 24 });
		expect(frame).not.toContain(PASSWORD);
		expect(frame).toContain('current password › ••••');
		expect(normalise(frame)).toMatchSnapshot();
		screen.stdin.write(KEY.enter);
		await screen.waitFor('new password ›');
		screen.stdin.write('a new one');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('new password again ›');
		screen.stdin.write('a new two');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('/passwd: the two new passwords');
		// Esc at any question cancels.
		screen.stdin.write('/passwd');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('current password ›');
		screen.stdin.write(KEY.escape);
		await screen.waitFor('cancelled: your password');

		const revoked = record(phone, 'revoked');
		screen.stdin.write('/passwd');
		screen.stdin.write(KEY.enter);
		for (const [prompt, answer] of [
			['current password ›', PASSWORD],
			['new password ›', 'a better password'],
			['new password again ›', 'a better password'],
		] as const) {
			await screen.waitFor(prompt);
			screen.stdin.write(answer);
			screen.stdin.write(KEY.enter);
		}
		const done = await screen.waitFor('Password changed; your other');
		expect(done).not.toContain('a better password');
		await until(() => revoked.length === 1, 'the phone logged out');
		const check = await pool.connect(server.url);
		await expect(check.login({ username: 'pat', password: 'a better password' })).resolves.toBeDefined();
	});

	it('a session revoked from another device goes back to the log-in screen, saying so, with its saved login forgotten', async () => {
		const { screen, phone, settings } = await twoDevices('kim');
		expect(settings.loginFor(server.url)).toBeDefined();
		await phone.request('sessions.revoke', { all: true });
		const frame = await screen.waitFor('This session was logged out from another device');
		expect(frame).toContain('chat-tui · Log in');
		expect(settings.loginFor(server.url)).toBeUndefined();
		// It logs in again from there, the username filled in and the password focused.
		expect(frame).toMatch(/Username\s+kim/);
		screen.stdin.write(PASSWORD);
		screen.stdin.write(KEY.enter);
		await screen.waitFor('logged in as kim');
		expect(settings.loginFor(server.url)?.username).toBe('kim');
	});

	it('/deleteaccount asks the password, then to confirm, and ends on the log-in screen without a saved login', async () => {
		const { screen, settings } = await twoDevices('lee');
		screen.stdin.write('/deleteaccount');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('your password ›');
		screen.stdin.write(PASSWORD);
		screen.stdin.write(KEY.enter);
		await screen.waitFor('delete lee for good? type yes ›');
		screen.stdin.write('yes');
		screen.stdin.write(KEY.enter);
		const frame = await screen.waitFor('The account lee was deleted.');
		expect(frame).toContain('chat-tui · Log in');
		expect(settings.loginFor(server.url)).toBeUndefined();
		const check = await pool.connect(server.url);
		await expect(check.login({ username: 'lee', password: PASSWORD })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
	});
});

describe('quitting with unsent messages', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer({ motd: MOTD });
	});
	afterAll(() => server.stop());

	it('the first Ctrl-C says how many are unsent and that they are kept; the second quits', async () => {
		const size = { columns: 80, rows: 24 };
		const pool = new ClientPool();
		opened.push(() => pool.closeAll());
		const registered = (name: string) => pool.named(server.url, name);
		const dana = await registered('dana');
		await befriend(dana, await registered('eli'));
		const { screen, exits } = renderApp(server.url, size, (settings) => settings.saveLogin(server.url, { username: 'dana', token: dana.token }));
		await screen.waitFor('@ eli');
		await server.server.close();
		await screen.waitFor('reconnecting');
		screen.stdin.write('still there?');
		screen.stdin.write(KEY.enter);
		await screen.waitFor('1 unsent');
		screen.stdin.write('\u0003');
		const frame = await screen.waitFor('1 message is not sent yet');
		expectFits(frame, size);
		expect(frame).toContain('still there?  …');
		expect(frame.replace(/[│\s]+/g, ' ')).toContain('Ctrl-C again quits (they are kept and sent at the next start)');
		expect(exits.count).toBe(0);
		// The status bar counts down to the next attempt: everything above it is the snapshot.
		const rows = frame.split('\n');
		expect(rows.at(-1)).toMatch(/◌ reconnecting.* · 1 unsent/);
		expect(normalise(rows.slice(0, -1).join('\n'))).toMatchSnapshot();
		screen.stdin.write('\u0003');
		await until(() => exits.count === 1, 'the second Ctrl-C to quit');
	});
});

describe('presence while disconnected (issue 13 item 9)', () => {
	const size = SIZES[0]!;

	it('dots and the open conversation say "unknown" while the server is down, and the truth after the reconnect', async () => {
		const server = await startTestServer();
		opened.push(() => server.stop());
		const pool = new ClientPool();
		opened.push(() => pool.closeAll());
		const registered = (name: string) => pool.named(server.url, name);
		const fay = await registered('fay');
		const gus = await registered('gus');
		const hal = await registered('hal');
		await befriend(fay, gus);
		await befriend(fay, hal);
		await hal.close();
		const { screen } = renderApp(server.url, size, (settings) => settings.saveLogin(server.url, { username: 'fay', token: fay.token }));
		await screen.waitFor((frame) => /│1 ● gus/.test(frame) && /│2 ○ hal/.test(frame) && frame.includes('@ gus — online'));

		await server.server.close();
		const down = await screen.waitFor((frame) => frame.includes('reconnecting') && /│1 ◌ gus/.test(frame));
		expect(down).toMatch(/│2 ◌ hal/);
		expect(down).toContain('@ gus — presence unknown');
		expect(down).not.toMatch(/[●○] (gus|hal)/);

		// gus's client reconnects too; hal stays away: the login reply tells both.
		await server.restart();
		const back = await screen.waitFor((frame) => frame.includes('● connected') && /│1 ● gus/.test(frame), 15_000);
		expect(back).toMatch(/│2 ○ hal/);
		expect(back).toContain('@ gus — online');
	});
});
