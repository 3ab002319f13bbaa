import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../source/client/index.js';
import { HistoryStore } from '../source/local/history-store.js';
import { Settings } from '../source/local/settings.js';
import { App } from '../source/ui/app.js';
import { befriend, ClientPool, PASSWORD, uniqueName, until } from './helpers/clients.js';
import { renderScreen, type RenderedScreen } from './helpers/render.js';
import { startTestServer, TEST_PASSWORD_COST, type TestServer } from './helpers/server.js';
import { hashPassword } from '../server/auth/passwords.js';
import { hashToken, newToken } from '../server/auth/tokens.js';
import { SqliteStore } from '../server/store/sqlite-store.js';

/**
 * Issue 13 items 11–13 as a person meets them: the real App against a real
 * server, a profile that outlives one window, a server that goes away.
 */

const SIZE = { columns: 80, rows: 24 };
const KEY = { enter: '\r', home: '\u001B[H', end: '\u001B[F', ctrlR: '\u0012', ctrlN: '\u000E', ctrlP: '\u0010', altU: '\u001Bu', alt: (digit: number) => `\u001B${digit}` };

const opened: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const close of opened.splice(0).reverse()) await close();
});

type Named = ChatClient & { name: string; token: string };

async function registered(pool: ClientPool, url: string, prefix: string): Promise<Named> {
	const client = await pool.connect(url);
	const name = uniqueName(prefix);
	const { token } = await client.register(name, PASSWORD);
	return Object.assign(client, { name, token });
}

/** A profile on disk that windows open one after another, logged in as `user` by saved token. */
function profile(server: TestServer, user: Named) {
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-session-'));
	const location = { configDir, profile: 'default' };
	new Settings(location).saveLogin(server.url, { username: user.name, token: user.token });
	opened.push(() => rmSync(configDir, { recursive: true, force: true }));
	return {
		/** A window on this profile; closing it quits the way the app does (history closed). */
		open(): { screen: RenderedScreen; close(): Promise<void> } {
			const settings = new Settings(location);
			const history = new HistoryStore(location);
			const clients: ChatClient[] = [];
			const createClient = (url: string) => {
				const client = new ChatClient({ url, backoff: { initialMs: 100, maxMs: 400 } });
				clients.push(client);
				return client;
			};
			const screen = renderScreen(
				<App server={server.url} settings={settings} history={history} createClient={createClient} onExit={() => undefined} />,
				SIZE,
			);
			let closed = false;
			const close = async () => {
				if (closed) return;
				closed = true;
				screen.unmount();
				await Promise.all(clients.map((client) => client.close()));
				history.close();
			};
			opened.push(close);
			return { screen, close };
		},
	};
}

function pooled(): ClientPool {
	const pool = new ClientPool();
	opened.push(() => pool.closeAll());
	return pool;
}

async function serverFor(): Promise<TestServer> {
	const server = await startTestServer({});
	opened.push(() => server.stop());
	return server;
}

/** The input line's row: the one with the prompt's `›`. */
function inputRow(frame: string): string {
	return frame.split('\n').find((row) => row.includes('›')) ?? '';
}

describe('drafts are per conversation and kept across restarts; the open conversation comes back (items 12, 13)', () => {
	it('a draft for bob stays with bob, carol has her own, and both come back after a restart', async () => {
		const server = await serverFor();
		const pool = pooled();
		const alice = await registered(pool, server.url, 'alice');
		const bob = await registered(pool, server.url, 'bob');
		const carol = await registered(pool, server.url, 'carol');
		await befriend(alice, bob);
		await befriend(alice, carol);
		// Sidebar order is by name: bob is 1, carol 2 (unique names keep the prefixes' order).
		const alices = profile(server, alice);
		const first = alices.open();
		await first.screen.waitFor(`@ ${bob.name}`);
		first.screen.stdin.write('half a thought for bob');
		await first.screen.waitFor((frame) => inputRow(frame).includes('half a thought for bob'));
		first.screen.stdin.write(KEY.alt(2));
		await first.screen.waitFor(`@ ${carol.name}`);
		const atCarol = await first.screen.settled();
		expect(inputRow(atCarol)).not.toContain('half a thought');
		first.screen.stdin.write('and one for carol');
		await first.screen.waitFor((frame) => inputRow(frame).includes('and one for carol'));
		first.screen.stdin.write(KEY.alt(1));
		await first.screen.waitFor((frame) => inputRow(frame).includes('half a thought for bob'));
		first.screen.stdin.write(KEY.alt(2));
		await first.screen.waitFor((frame) => inputRow(frame).includes('and one for carol'));
		await first.close();

		// The next start opens carol's conversation, with her draft; bob's is still his.
		const second = alices.open();
		const reopened = await second.screen.waitFor((frame) => frame.includes(`@ ${carol.name}`) && inputRow(frame).includes('and one for carol'));
		expect(reopened).toContain(`${carol.name} ›`);
		second.screen.stdin.write(KEY.alt(1));
		await second.screen.waitFor((frame) => inputRow(frame).includes('half a thought for bob'));
		// Sent, the draft is gone for good.
		second.screen.stdin.write(KEY.enter);
		await until(async () => (await bob.request('history', { with: { user: alice.name } })).messages.length === 1, 'bob has the message');
		await second.close();
		const third = alices.open();
		await third.screen.waitFor(`@ ${bob.name}`);
		const settled = await third.screen.settled();
		expect(inputRow(settled)).not.toContain('half a thought');
		expect(settled).toContain('half a thought for bob');
	});
});

describe('a saved login while the server is away (item 11)', () => {
	it('shows the chat with local history and the last lists, retries, and logs in by itself when the server is back', async () => {
		const server = await serverFor();
		const pool = pooled();
		const alice = await registered(pool, server.url, 'alice');
		const bob = await registered(pool, server.url, 'bob');
		await befriend(alice, bob);
		await bob.send({ user: alice.name }, 'from before the outage');
		const alices = profile(server, alice);
		const first = alices.open();
		await first.screen.waitFor('from before the outage');
		await first.close();

		await pool.closeAll();
		await server.halt();
		const second = alices.open();
		// The chat, not the log-in screen: bob's conversation (open when the last window quit) with what this computer keeps.
		const waiting = await second.screen.waitFor((frame) => /reconnecting in \d+s · Ctrl-R now|reconnecting…/.test(frame));
		expect(waiting).not.toContain('Password');
		expect(waiting).toContain('from before the outage');
		// The friends list kept from the last login, and nobody's presence claimed.
		expect(waiting).toMatch(new RegExp(`│1 ◌ ${bob.name}`));
		expect(waiting).toContain('presence unknown');
		// The status view says why.
		second.screen.stdin.write(KEY.ctrlP);
		const status = await second.screen.waitFor('tries now).');
		expect(status).toContain(`${server.url} cannot be`);
		second.screen.stdin.write(KEY.ctrlN);
		await second.screen.waitFor(`@ ${bob.name}`);
		// Typed meanwhile: kept as unsent, sent once the server is back.
		second.screen.stdin.write('written while it was down');
		second.screen.stdin.write(KEY.enter);
		await second.screen.waitFor('1 unsent');

		await server.resume();
		// Ctrl-R tries at once rather than at the end of the countdown.
		second.screen.stdin.write(KEY.ctrlR);
		await second.screen.waitFor('● connected', 5000);
		const bobAgain = await pool.connect(server.url);
		await bobAgain.login({ username: bob.name, password: PASSWORD });
		await until(
			async () => (await bobAgain.request('history', { with: { user: alice.name } })).messages.some((m) => m.text === 'written while it was down'),
			'the message written offline reached bob',
		);
		await second.screen.waitFor((frame) => !frame.includes('unsent'));
		// Live delivery works on the session the window logged in by itself.
		await bobAgain.send({ user: alice.name }, 'welcome back');
		await second.screen.waitFor('welcome back');
	});
});

describe('long histories (item 13)', () => {
	it('Home loads the whole history and shows its first message; Alt-U goes to the "new messages" line', { timeout: 60_000 }, async () => {
		const server = await serverFor();
		const pool = pooled();
		const alice = await registered(pool, server.url, 'alice');
		const bob = await registered(pool, server.url, 'bob');
		await befriend(alice, bob);
		// 900 read by alice, then 300 she has not seen: more than a page either way.
		for (let index = 1; index <= 900; index++) await bob.send({ user: alice.name }, `old message ${index}`);
		const { messages } = await alice.request('history', { with: { user: bob.name }, limit: 1 });
		await alice.request('read', { with: { user: bob.name }, seq: messages[0]!.seq });
		for (let index = 1; index <= 300; index++) await bob.send({ user: alice.name }, `new message ${index}`);

		const window = profile(server, alice).open();
		// The line is far above: the title row says so, and how to get there.
		expect(await window.screen.waitFor('new message 300')).toContain('↑ new messages · Alt-U');
		// Alt-U: back past two pages, to the line above the first unread one.
		window.screen.stdin.write(KEY.altU);
		const unread = await window.screen.waitFor((frame) => frame.includes('new messages') && frame.includes('new message 1 '), 10_000);
		const rows = unread.split('\n');
		const line = rows.findIndex((row) => row.includes('new messages'));
		expect(rows[line - 1]).toContain('old message 900');
		expect(rows[line + 1]).toContain('new message 1 ');

		// Home: everything, down to the first message, with progress on the way.
		window.screen.stdin.write(KEY.home);
		const progress = await window.screen.waitFor((frame) => frame.includes('loading history') || frame.includes('old message 1 '), 10_000);
		if (!progress.includes('old message 1 ')) expect(progress).toMatch(/loading history… [\d,]+ of 1,200/);
		const top = await window.screen.waitFor((frame) => /old message 1 /.test(frame) && !frame.includes('loading history'), 20_000);
		expect(top).toContain(' top ·');
		// End comes back to the newest.
		window.screen.stdin.write(KEY.end);
		await window.screen.waitFor('new message 300');
	});

	it('one Home from the newest page reaches the first message, though the day lines move as pages arrive above', { timeout: 60_000 }, async () => {
		// A history over several days (one message every 7 minutes), stored before the server starts.
		const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-session-days-'));
		opened.push(() => rmSync(dataDir, { recursive: true, force: true }));
		const store = new SqliteStore({ dataDir });
		const [alice, bob] = [uniqueName('alice'), uniqueName('bob')];
		const token = newToken();
		try {
			const a = (await store.createUser(alice, await hashPassword(PASSWORD, TEST_PASSWORD_COST)))!;
			const b = (await store.createUser(bob, await hashPassword(PASSWORD, TEST_PASSWORD_COST)))!;
			await store.addFriendship(a.id, b.id);
			await store.saveToken(a.id, hashToken(token), null, 'test');
			const first = Date.now() - 800 * 7 * 60_000;
			for (let index = 1; index <= 800; index++) {
				const ts = new Date(first + index * 7 * 60_000).toISOString();
				await store.appendMessage({ senderId: b.id, to: { userId: a.id }, text: `line ${index} of the week`, cid: `week-line-${index}`, ts, pendingFor: [] });
			}
		} finally {
			await store.close();
		}
		const server = await startTestServer({ dataDir });
		opened.push(() => server.stop());
		const window = profile(server, { name: alice, token } as Named).open();
		await window.screen.waitFor('line 800 of the week');
		window.screen.stdin.write(KEY.home);
		const top = await window.screen.waitFor((frame) => frame.includes('line 1 of the week') && !frame.includes('loading history'), 20_000);
		expect(top).toContain(' top ·');
	});
});
