import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/logger.js';
import { startServer, type RunningServer, type ServerOptions } from '../../server/server.js';

/** scrypt at a lower cost keeps dozens of registrations per test file fast; it is still real scrypt. */
export const TEST_PASSWORD_COST = { N: 1024, r: 8, p: 1 };

export interface TestServer {
	readonly url: string;
	readonly dataDir: string;
	readonly server: RunningServer;
	/** Stops the server and starts a new one on the same data directory and port, as a restarted server would. */
	restart(): Promise<void>;
	/** Stops the server, keeping its data and port for `resume` (the server is away meanwhile); `restart` drains it (1012). */
	halt(options?: { restart?: boolean }): Promise<void>;
	/** Starts the halted server again on the same data directory and port. */
	resume(): Promise<void>;
	/** Stops the server and deletes its data. */
	stop(): Promise<void>;
}

/**
 * Limits high enough that suites about other things are never slowed by them;
 * the suites about limits pass the real values (DEFAULT_SETTINGS) explicitly.
 */
export const RELAXED_LIMITS = {
	rateLimitPerSecond: 100_000,
	rateLimitBurst: 100_000,
	loginFreeFailures: 1000,
	loginFreeFailuresPerAddress: 100_000,
} as const;

/** The real server on an ephemeral port with its own temporary data directory. */
export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-test-'));
	const start = (port = 0) =>
		startServer({
			port,
			dataDir,
			logger: silentLogger,
			passwordCost: TEST_PASSWORD_COST,
			...RELAXED_LIMITS,
			...options,
		});
	let server = await start();
	let halted = false;
	return {
		get url() {
			return server.url;
		},
		get server() {
			return server;
		},
		dataDir,
		async restart() {
			await server.close();
			server = await start(server.port);
		},
		async halt(options?: { restart?: boolean }) {
			halted = true;
			await server.close(undefined, options);
		},
		async resume() {
			server = await start(server.port);
			halted = false;
		},
		async stop() {
			if (!halted) await server.close();
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}
