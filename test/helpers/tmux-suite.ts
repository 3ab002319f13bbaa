import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { ServerOptions } from '../../server/server.js';
import { startTestServer, type TestServer } from './server.js';
import { hasTmux, TmuxTerminals } from './tmux.js';

/** The built CLI the terminal suites run (`npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../dist/source/cli.js', import.meta.url));

/** What a terminal suite works with once its hooks ran: its terminals, its server, and temporary directories. */
export interface TmuxSuite {
	readonly terminals: TmuxTerminals;
	readonly server: TestServer;
	/** A directory removed after the suite. */
	tempDir(prefix: string): string;
}

/**
 * The hooks every terminal end-to-end suite needs, registered in the calling
 * describe: tmux and a build must be there (CI needs these tests, so a
 * missing tmux fails there instead of skipping, see describe.skipIf at the
 * call), a private tmux server on its own socket, a test server; all
 * stopped and removed after the suite.
 */
export function tmuxSuite(name: string, serverOptions: ServerOptions = {}): TmuxSuite {
	let terminals: TmuxTerminals | undefined;
	let server: TestServer | undefined;
	const dirs: string[] = [];
	const tempDir = (prefix: string) => {
		const dir = mkdtempSync(path.join(tmpdir(), prefix));
		dirs.push(dir);
		return dir;
	};
	beforeAll(async () => {
		if (!hasTmux) throw new Error('tmux is not installed, and CI needs this test: install tmux (.ci/run does)');
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
		terminals = new TmuxTerminals(`chat-tui-${name}-${process.pid}`, path.join(tempDir(`chat-tui-${name}-`), 'tmux.conf'));
		server = await startTestServer(serverOptions);
	});
	afterAll(async () => {
		terminals?.close();
		await server?.stop();
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});
	return {
		get terminals() {
			if (!terminals) throw new Error('the suite has not started');
			return terminals;
		},
		get server() {
			if (!server) throw new Error('the suite has not started');
			return server;
		},
		tempDir,
	};
}
