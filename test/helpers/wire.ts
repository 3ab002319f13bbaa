/**
 * What the wire-level test files share: a real server per describe block,
 * fresh users on raw connections (RawClient, JSON frames only), and the
 * checks on error replies. Connections a test opens are closed after it.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ServerOptions } from '../../server/server.js';
import { RawClient, type Frame } from './raw-client.js';
import { startTestServer, type TestServer } from './server.js';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** A name (user or group) no other test in this process uses; at most 32 characters. */
export function uniqueName(prefix = 'w'): string {
	counter += 1;
	return `${prefix}${process.pid % 10000}_${counter}`;
}

/** A `send` cid no other test in this process uses (8–64 characters). */
export function uniqueCid(): string {
	counter += 1;
	return `cid-${process.pid}-${counter}`.padEnd(8, '0');
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

/** The reply is an error with this code (and, when given, a message that matches). */
export function expectError(reply: Frame, code: string, message?: RegExp | string): void {
	expect(reply.type, JSON.stringify(reply)).toBe('error');
	expect(reply.code).toBe(code);
	if (typeof message === 'string') expect(reply.message).toBe(message);
	else if (message) expect(String(reply.message)).toMatch(message);
}
