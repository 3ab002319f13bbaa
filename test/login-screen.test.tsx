import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostServer } from '../source/host.js';
import type { HostedServer } from '../source/ui/app.js';
import { closeOpened, opened, renderApp } from './helpers/app.js';
import { ClientPool, PASSWORD, until } from './helpers/clients.js';
import type { RenderedScreen, TerminalSize } from './helpers/render.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The log-in screen over a real server (issue 13 item 16), and quitting the
 * window that hosts the server while others use it (item 17).
 */

const SIZES: TerminalSize[] = [
	{ columns: 80, rows: 24 },
	{ columns: 120, rows: 40 },
];
const SIZE = SIZES[0]!;

const KEY = { enter: '\r', tab: '\t', ctrlC: '\u0003', ctrlO: '\u000F', ctrlR: '\u0012', ctrlU: '\u0015' };

/** What a failed log-in says, whether the name exists or not (the server does not tell). */
const WRONG = 'Wrong username or password. New here? Ctrl-R creates an account.';

afterEach(closeOpened);

/** The form's rows as plain text, the frame's border and padding taken off, joined with spaces. */
function formText(frame: string): string {
	return frame
		.split('\n')
		.map((row) => row.replace(/^\s*│\s?/, '').replace(/\s*│\s*$/, '').trim())
		.filter((row) => row !== '')
		.join(' ');
}

/** Types each part, with the keys between them, as one burst per part. */
function type(screen: RenderedScreen, ...parts: string[]): void {
	for (const part of parts) screen.stdin.write(part);
}

/** The log-in form once connected: while it says "Logging in…" (connecting first), Enter does nothing. */
const ready = (screen: RenderedScreen) => screen.waitFor((frame) => frame.includes('chat-tui · Log in') && !frame.includes('Logging in…'));

/** A frame's text with the line breaks and frame edges of wrapping made single spaces. */
const flat = (frame: string) => frame.replace(/[│\s]+/g, ' ');

describe('the log-in screen', () => {
	let server: TestServer;
	const pool = new ClientPool();
	beforeAll(async () => {
		server = await startTestServer();
		await pool.named(server.url, 'ada');
	});
	afterAll(async () => {
		await pool.closeAll();
		await server.stop();
	});

	it('a failed log-in hints at registering, the same for an unknown name as for a wrong password', async () => {
		const unknown = renderApp(server.url, SIZE);
		await ready(unknown.screen);
		type(unknown.screen, 'nobody', KEY.tab, PASSWORD, KEY.enter);
		const unknownFrame = await unknown.screen.waitFor((frame) => formText(frame).includes(WRONG));

		const known = renderApp(server.url, SIZE);
		await ready(known.screen);
		// Her password but the last letter: as long as the other, so the two frames can be compared whole.
		type(known.screen, 'ada', KEY.tab, `${PASSWORD.slice(0, -1)}!`, KEY.enter);
		const knownFrame = await known.screen.waitFor((frame) => formText(frame).includes(WRONG));
		// No telling who has an account: the two screens differ only in the name typed.
		expect(knownFrame.replace('ada   ', 'nobody')).toBe(unknownFrame);
	});

	it('Ctrl-R, or an edit, clears the error the other form or the old text earned', async () => {
		const { screen } = renderApp(server.url, SIZE);
		await ready(screen);
		type(screen, 'nobody', KEY.tab, PASSWORD, KEY.enter);
		await screen.waitFor((frame) => formText(frame).includes(WRONG));
		screen.stdin.write(KEY.ctrlR);
		let frame = await screen.waitFor('chat-tui · Create an account');
		expect(formText(frame)).not.toContain('Wrong username');

		screen.stdin.write(KEY.ctrlR);
		await screen.waitFor('chat-tui · Log in');
		screen.stdin.write(KEY.enter);
		await screen.waitFor((current) => formText(current).includes(WRONG));
		// Moving between fields is no edit: the error stays until the text changes.
		screen.stdin.write(KEY.tab);
		screen.stdin.write(KEY.tab);
		frame = await screen.settled();
		expect(formText(frame)).toContain(WRONG);
		screen.stdin.write('x');
		frame = await screen.waitFor((current) => !current.includes('Wrong username'));
		expect(frame).toContain('chat-tui · Log in');
	});

	describe.each(SIZES)('at $columns×$rows', (size) => {
		it.each(['login', 'register'] as const)('the %s hint breaks only between whole items, never before a lone "· Ctrl-C quit"', async (mode) => {
			const { screen } = renderApp(server.url, size);
			await ready(screen);
			if (mode === 'register') screen.stdin.write(KEY.ctrlR);
			const frame = await screen.waitFor(mode === 'login' ? 'register instead' : 'log in instead');
			const rows = frame.split('\n').map((row) => row.replace(/^\s*│ /, '').replace(/\s*│\s*$/, ''));
			expect(rows.filter((row) => /^\s*·|·\s*$/.test(row))).toEqual([]);
			const quitRow = rows.find((row) => row.includes('Ctrl-C quit'));
			expect(quitRow).toMatch(mode === 'login' ? /^Ctrl-R register instead · Ctrl-C quit$/ : /^Ctrl-R log in instead · Ctrl-C quit$/);
		});
	});

	it('after /logout the name stays, and the password is empty and focused', async () => {
		const bea = await pool.named(server.url, 'bea');
		const { screen, settings } = renderApp(server.url, SIZE, (profile) => profile.saveLogin(server.url, { username: 'bea', token: bea.token }));
		await screen.waitFor('logged in as bea');
		type(screen, '/logout', KEY.enter);
		const frame = await screen.waitFor('Logged out.');
		expect(frame).toMatch(/Username {2}bea +│/);
		expect(frame).toMatch(/Password {2}\S? +│/);
		expect(settings.loginFor(server.url)).toBeUndefined();
		// The password goes where the focus is: straight back in.
		type(screen, PASSWORD, KEY.enter);
		await screen.waitFor('logged in as bea');
	});

	it('a server typed without a scheme is taken as ws://', async () => {
		const port = new URL(server.url).port;
		await pool.named(server.url, 'cai');
		const { screen, settings } = renderApp(server.url, SIZE);
		await ready(screen);
		type(screen, 'cai', KEY.tab, PASSWORD, KEY.tab, KEY.ctrlU, `127.0.0.1:${port}`, KEY.enter);
		const frame = await screen.waitFor('logged in as cai');
		// The status bar names the server as it was taken.
		expect(frame.split('\n').at(-1)).toMatch(new RegExp(`^ cai  ws://127\\.0\\.0\\.1:${port} ● connected`));
		expect(settings.loginFor(`ws://127.0.0.1:${port}`)?.username).toBe('cai');
	});

	it('registering asks for the password twice and refuses two different ones before sending anything', async () => {
		const { screen } = renderApp(server.url, SIZE);
		await ready(screen);
		screen.stdin.write(KEY.ctrlR);
		let frame = await screen.waitFor('chat-tui · Create an account');
		expect(frame).toMatch(/Password {2}.*│\n.*Again {5}/);
		type(screen, 'dee', KEY.tab, PASSWORD, KEY.tab, `${PASSWORD}!`, KEY.enter);
		frame = await screen.waitFor('The two passwords differ');
		expect(formText(frame)).toContain('The two passwords differ; type the same one twice.');
		// Nothing was sent: no account dee exists.
		const check = await pool.connect(server.url);
		await expect(check.login({ username: 'dee', password: PASSWORD })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
		type(screen, KEY.ctrlU, PASSWORD, KEY.enter);
		await screen.waitFor('logged in as dee');
	});
});

/** A port nothing listens on, for the window to host the server at. */
async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as AddressInfo;
	await new Promise((resolve) => probe.close(resolve));
	return port;
}

describe('quitting the window that hosts the server', () => {
	const pool = new ClientPool();
	afterEach(() => pool.closeAll());

	/** The App with nothing at its address, hosting the server there (Ctrl-O) with a data directory of its own, logged in as `host`. */
	async function hostingWindow(): Promise<{ url: string; screen: RenderedScreen; exits: { count: number } }> {
		const url = `ws://127.0.0.1:${await freePort()}`;
		const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-hosted-'));
		let hosted: HostedServer | undefined;
		const host = async (at: string) => (hosted = await hostServer(at, dataDir));
		// Closed by the window's quit; here too when a test fails before it (closing twice is one close).
		opened.push(async () => {
			await hosted?.close();
			rmSync(dataDir, { recursive: true, force: true });
		});
		const { screen, exits } = renderApp(url, SIZE, undefined, { hostableServer: url, hostServer: host });
		await screen.waitFor('Press Ctrl-O');
		screen.stdin.write(KEY.ctrlO);
		await screen.waitFor('This window hosts the server');
		screen.stdin.write(KEY.ctrlR);
		await screen.waitFor('chat-tui · Create an account');
		type(screen, 'host', KEY.tab, PASSWORD, KEY.tab, PASSWORD, KEY.enter);
		await screen.waitFor('logged in as host');
		return { url, screen, exits };
	}

	it('with others connected, the first Ctrl-C says how many and that it stops the server for them; the second quits', async () => {
		const { url, screen, exits } = await hostingWindow();
		const guest = await pool.named(url, 'guest');
		await pool.connect(url);
		screen.stdin.write(KEY.ctrlC);
		const frame = await screen.waitFor('2 others are connected');
		expect(flat(frame)).toContain(
			'2 others are connected to the server this window hosts; quitting stops it for them. Ctrl-C again quits anyway',
		);
		expect(exits.count).toBe(0);
		expect(guest.state).toBe('open');
		screen.stdin.write(KEY.ctrlC);
		await until(() => exits.count === 1, 'the second Ctrl-C to quit');
		await until(() => guest.state !== 'open', 'the hosted server gone from under the guest');
	});

	it('/quit asks the same', async () => {
		const { url, screen, exits } = await hostingWindow();
		await pool.connect(url);
		type(screen, '/quit', KEY.enter);
		await screen.waitFor((frame) => flat(frame).includes('1 other is connected to the server this window hosts'));
		expect(exits.count).toBe(0);
		type(screen, '/quit', KEY.enter);
		await until(() => exits.count === 1, 'the second /quit to quit');
	});

	it('alone on it, its own connection does not count: Ctrl-C quits at once', async () => {
		const { screen, exits } = await hostingWindow();
		screen.stdin.write(KEY.ctrlC);
		await until(() => exits.count === 1, 'one Ctrl-C to quit');
	});

	it('logged out, the log-in screen asks the same before quitting', async () => {
		const { url, screen, exits } = await hostingWindow();
		await pool.connect(url);
		type(screen, '/logout', KEY.enter);
		await screen.waitFor('Logged out.');
		screen.stdin.write(KEY.ctrlC);
		const frame = await screen.waitFor('1 other is connected');
		expect(formText(frame)).toContain('1 other is connected to the server this window hosts; quitting stops it for them. Ctrl-C again quits anyway.');
		expect(exits.count).toBe(0);
		screen.stdin.write(KEY.ctrlC);
		await until(() => exits.count === 1, 'the second Ctrl-C to quit');
	});
});
