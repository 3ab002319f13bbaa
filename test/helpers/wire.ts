/**
 * What the wire-level test files share: a real server per describe block,
 * fresh users on raw connections (RawClient, JSON frames only), and the
 * checks on error replies. Connections a test opens are closed after it.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ServerOptions } from '../../server/server.js';
import { RawClient, type Frame } from './raw-client.js';
import { startTestServer, type TestServer } from './server.js';
import { PASSWORD, uniqueName } from './names.js';

// One import for a wire suite: the shared names and waits come along.
export { PASSWORD, uniqueCid, uniqueName } from './names.js';
export { sleep, until } from './wait.js';

/** ISO 8601 in UTC, as every `ts` on the wire is written. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

// The shapes PROTOCOL.md gives, as a raw frame carries them.

export interface WireMessage {
	id: string;
	seq: number;
	from: string;
	to: { user: string } | { group: string };
	text: string;
	ts: string;
	cid: string;
}

export interface WireFriend {
	username: string;
	alias: string | null;
	online: boolean;
}

export interface WireRequest {
	from: string;
	to: string;
	ts: string;
}

export interface WireGroup {
	name: string;
	description: string;
	creator?: string;
	role?: string;
}

export interface WireMember {
	username: string;
	role: string;
	online: boolean;
}

export interface WireUser {
	client: RawClient;
	name: string;
	token: string;
}

/** The server of the enclosing describe block (or file), started before its tests and stopped after. */
export function useServer(options: ServerOptions = {}): { readonly server: TestServer; readonly url: string } {
	let server: TestServer | undefined;
	beforeAll(async () => {
		server = await startTestServer(options);
	});
	afterAll(async () => {
		await server?.stop();
	});
	return {
		get server() {
			if (!server) throw new Error('the server is not running');
			return server;
		},
		get url() {
			return this.server.url;
		},
	};
}

/** Connections and users on a server; every connection opened is closed after each test. */
export function wireHelpers(use: { readonly url: string }) {
	const open: RawClient[] = [];
	afterEach(async () => {
		const clients = open.splice(0);
		for (const client of clients) client.close();
		await Promise.all(clients.map((client) => client.waitClosed()));
	});

	async function connect(): Promise<RawClient> {
		const client = await RawClient.connect(use.url);
		open.push(client);
		return client;
	}

	/** A new connection logged in as a freshly registered user. */
	async function user(prefix?: string): Promise<WireUser> {
		const client = await connect();
		const name = uniqueName(prefix);
		const reply = await client.ok('register', { username: name, password: PASSWORD });
		return { client, name, token: reply.token as string };
	}

	/** Another connection of the user, logged in by token; the login reply too. */
	async function session(of: WireUser): Promise<{ client: RawClient; login: Frame }> {
		const client = await connect();
		return { client, login: await client.ok('login', { token: of.token }) };
	}

	async function befriend(a: WireUser, b: WireUser): Promise<void> {
		await a.client.ok('friends.request', { username: b.name });
		await b.client.ok('friends.accept', { username: a.name });
	}

	return { connect, user, session, befriend };
}

/**
 * The reply is an error with this code and a message for people; when given,
 * the message matches and `re` names the request it answers.
 */
export function expectError(reply: Frame, code: string, expected: { message?: RegExp | string; re?: string } = {}): void {
	expect(reply.type, `expected ${code}, got ${JSON.stringify(reply)}`).toBe('error');
	expect(reply.code).toBe(code);
	expect(typeof reply.message).toBe('string');
	expect((reply.message as string).length).toBeGreaterThan(0);
	if (typeof expected.message === 'string') expect(reply.message).toBe(expected.message);
	else if (expected.message) expect(String(reply.message)).toMatch(expected.message);
	if (expected.re !== undefined) expect(reply.re).toBe(expected.re);
}

/** Every message event the client has received so far, oldest first. */
export function messagesOf(client: RawClient): WireMessage[] {
	return client.events('message').map((event) => event.message as WireMessage);
}
