import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../source/client/index.js';
import { HistoryStore } from '../source/local/history-store.js';
import type { ProfileLocation } from '../source/local/profile.js';
import type { ResultOf } from '../source/protocol/index.js';
import { ChatSession } from '../source/ui/session/chat-session.js';
import { unsentCount, type LogEntry } from '../source/ui/state/chat-state.js';
import { befriend, ClientPool, fullHistory, until } from './helpers/clients.js';
import { startTestServer } from './helpers/server.js';

/**
 * The outbox outlives the window: a send queued while the server is away is
 * kept in the profile's history database, and the next start (same server,
 * same user) sends it with its cid, so the server stores it exactly once.
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

function profile(): ProfileLocation {
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-outbox-profile-'));
	cleanups.push(() => rmSync(configDir, { recursive: true, force: true }));
	return { configDir, profile: 'default' };
}

/** A window of the TUI minus the screen: a client logged in by token, and its session on the profile's history. */
async function openWindow(url: string, location: ProfileLocation, token: string) {
	const history = new HistoryStore(location);
	const client = new ChatClient({ url, backoff: { initialMs: 50, maxMs: 200 } });
	await client.connect();
	const login: ResultOf<'login'> = await client.login({ token });
	const session = new ChatSession({
		client,
		history,
		server: url,
		login,
		hosting: false,
		settings: { bell: false, unreadFirst: false },
	});
	session.start();
	/** Quitting: the session stops, the client closes (failing what waits), the database closes. */
	const close = async () => {
		session.stop();
		await client.close();
		history.close();
	};
	cleanups.push(close);
	return { client, session, history, close };
}

const logOf = (session: ChatSession, name: string): LogEntry[] => session.getState().logs[`user:${name}`] ?? [];
const countOf = (entries: LogEntry[], cid: string) =>
	entries.filter((entry) => (entry.kind === 'message' ? entry.message.cid === cid : entry.kind === 'pending' && entry.cid === cid)).length;

async function twoFriends(url: string) {
	const alice = await pool.registered(url, 'alice');
	const bob = await pool.registered(url, 'bob');
	await befriend(alice, bob);
	return { alice, bob, token: alice.token! };
}

describe('the outbox survives the window', () => {
	it('a send queued while the server is down is sent once by the next start on the same profile', async () => {
		const server = await stoppableServer();
		const { bob, token } = await twoFriends(server.url);
		const location = profile();
		const first = await openWindow(server.url, location, token);
		await server.halt();
		await until(() => first.client.state !== 'open', 'the client to see the server go');
		first.session.sendText({ user: bob.name }, 'typed while the server was down');
		expect(unsentCount(first.session.getState())).toBe(1);
		expect(first.history.unsent(server.url, first.session.me)).toHaveLength(1);
		const cid = first.history.unsent(server.url, first.session.me)[0]!.fields.cid;
		// Quit: the client's close fails the send in memory, but it stays owed on disk.
		await first.close();

		await server.resume();
		const second = await openWindow(server.url, location, token);
		// Pending from the start, in its conversation, with its cid.
		expect(logOf(second.session, bob.name)).toContainEqual(expect.objectContaining({ kind: 'pending', cid }));
		await until(() => unsentCount(second.session.getState()) === 0, 'the resend to be acknowledged');
		expect(countOf(logOf(second.session, bob.name), cid)).toBe(1);
		expect(second.history.unsent(server.url, second.session.me)).toEqual([]);

		const stored = (await fullHistory(second.client, { user: bob.name })).filter((message) => message.cid === cid);
		expect(stored.map((message) => message.text)).toEqual(['typed while the server was down']);
	});

	it('a send the server stored before a crash lost its ack is resent with its cid and shown once', async () => {
		const server = await stoppableServer();
		const { alice, bob, token } = await twoFriends(server.url);
		const location = profile();
		// The crash: the server stored the message, the window died before the ack, the row stayed on disk.
		const stored = await alice.send({ user: bob.name }, 'stored, but the ack was lost');
		const before = new HistoryStore(location);
		before.addUnsent(server.url, alice.name, { to: { user: bob.name }, text: stored.text, cid: stored.cid });
		before.close();

		const window = await openWindow(server.url, location, token);
		await until(() => unsentCount(window.session.getState()) === 0, 'the resend to be acknowledged');
		await until(() => logOf(window.session, bob.name).some((entry) => entry.kind === 'message'), 'the message in the log');
		expect(countOf(logOf(window.session, bob.name), stored.cid)).toBe(1);
		expect(window.history.unsent(server.url, alice.name)).toEqual([]);
		const copies = (await fullHistory(window.client, { user: bob.name })).filter((message) => message.cid === stored.cid);
		expect(copies.map((message) => message.id)).toEqual([stored.id]);
	});

	it('a send the server refuses leaves the outbox for good; another user or server does not see it', async () => {
		const server = await stoppableServer();
		const { bob, token } = await twoFriends(server.url);
		const location = profile();
		const window = await openWindow(server.url, location, token);
		window.session.sendText({ user: 'nobody-of-that-name' }, 'to no one');
		await until(
			() => logOf(window.session, 'nobody-of-that-name').some((entry) => entry.kind === 'pending' && entry.failed !== undefined),
			'the refusal',
		);
		expect(window.history.unsent(server.url, window.session.me)).toEqual([]);
		window.history.addUnsent(server.url, window.session.me, { to: { user: bob.name }, text: 'kept', cid: 'c-1' });
		expect(window.history.unsent(server.url, bob.name)).toEqual([]);
		expect(window.history.unsent('ws://elsewhere:1', window.session.me)).toEqual([]);
	});
});
