import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, EventBuffer } from '../source/client/index.js';
import { HistoryStore } from '../source/local/history-store.js';
import { ChatSession } from '../source/ui/session/chat-session.js';
import { befriend, ClientPool, PASSWORD, sleep, until } from './helpers/clients.js';
import { startTestServer } from './helpers/server.js';

/**
 * Messages received while away are counted once: the login's unread counts
 * hold them, and the same messages replayed after the login (queued for the
 * user while offline) must not add to them (issue 13 item 5).
 */

const pool = new ClientPool();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	await pool.closeAll();
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real server (test/helpers/server.ts); it can be halted and resumed, or restarted, on the same port and data. */
async function stoppableServer() {
	const server = await startTestServer();
	cleanups.push(() => server.stop());
	return server;
}

/** A window of the TUI minus the screen, started as the App starts it: events before the session are buffered. */
async function openWindow(url: string, token: string) {
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-unread-profile-'));
	const history = new HistoryStore({ configDir, profile: 'default' });
	const client = new ChatClient({ url, backoff: { initialMs: 50, maxMs: 200 } });
	await client.connect();
	const early = new EventBuffer(client);
	const login = await client.login({ token });
	// The replay follows the reply: let it arrive before the session takes the buffer, as a slow screen would.
	await sleep(200);
	const session = new ChatSession({ client, history, server: url, login, hosting: false, early, settings: { bell: false, unreadFirst: false } });
	session.start();
	cleanups.push(async () => {
		session.stop();
		await client.close();
		history.close();
		rmSync(configDir, { recursive: true, force: true });
	});
	return session;
}

const messagesIn = (session: ChatSession, key: string) =>
	(session.getState().logs[key] ?? []).filter((entry) => entry.kind === 'message').length;

/** bob, with a friend listed first (opened at start) and zed, who writes to him while he is away. */
async function bobAway(url: string) {
	const bob = await pool.registered(url, 'bob');
	const ann = await pool.registered(url, 'ann');
	const zed = await pool.registered(url, 'zed');
	await befriend(bob, ann);
	await befriend(bob, zed);
	const token = bob.token!;
	await bob.close();
	return { bob, zed, token };
}

describe('unread counts for messages received while away', () => {
	it('three messages to an offline user count 3 at their next start', async () => {
		const server = await stoppableServer();
		const { bob, zed, token } = await bobAway(server.url);
		for (const text of ['one', 'two', 'three']) await zed.send({ user: bob.name }, text);
		const session = await openWindow(server.url, token);
		const key = `user:${zed.name}`;
		await until(() => messagesIn(session, key) === 3, 'the three messages in the log');
		expect(session.getState().unread[key]).toBe(3);
	});

	it('after a server restart, two messages count 2', async () => {
		const server = await stoppableServer();
		const { bob, zed, token } = await bobAway(server.url);
		for (const text of ['one', 'two']) await zed.send({ user: bob.name }, text);
		await server.restart();
		const session = await openWindow(server.url, token);
		const key = `user:${zed.name}`;
		await until(() => messagesIn(session, key) === 2, 'the two messages in the log');
		expect(session.getState().unread[key]).toBe(2);
		// A message after the login is new, and counted.
		const zedAgain = await pool.connect(server.url);
		await zedAgain.login({ username: zed.name, password: PASSWORD });
		await zedAgain.send({ user: bob.name }, 'four');
		await until(() => session.getState().unread[key] === 3, 'the new message counted');
	});
});
