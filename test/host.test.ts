/**
 * The TUI hosting the server (Ctrl-O on the log-in screen) keeps `serve`'s
 * rules: a port in use or a data directory another process holds is refused
 * with one sentence (the log-in screen shows it), never an uncaught error
 * that ends the TUI. Hosting runs in this process, as the TUI runs it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostServer } from '../source/host.js';
import { LOCK_FILE_NAME } from '../server/store/data-dir-lock.js';
import { serveCli } from './helpers/cli-server.js';
import { RawClient } from './helpers/raw-client.js';

const dirs: string[] = [];
function tempDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-host-'));
	dirs.push(dir);
	return dir;
}

afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lockFile = (dir: string) => path.join(dir, LOCK_FILE_NAME);

describe('hosting the server in the TUI', () => {
	it('refuses a port in use in one sentence, and leaves the data directory free', async () => {
		const squatter = createServer();
		await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
		const { port } = squatter.address() as AddressInfo;
		const data = tempDir();
		try {
			await expect(hostServer(`ws://127.0.0.1:${port}`, data)).rejects.toHaveProperty(
				'message',
				`port ${port} on 127.0.0.1 is already in use (another chat-tui serve?)`,
			);
		} finally {
			squatter.close();
		}
		expect(existsSync(lockFile(data))).toBe(false);
		// Freed, the same directory hosts at once.
		const hosted = await hostServer('ws://127.0.0.1:0', data);
		await hosted.close();
	});

	it('refuses a data directory a running serve holds, naming it and its pid; the serve goes on', async () => {
		const data = tempDir();
		const served = await serveCli(['--port', '0', '--data', data]);
		try {
			await expect(hostServer('ws://127.0.0.1:0', data)).rejects.toHaveProperty(
				'message',
				`the data directory ${data} is in use by process ${served.pid} (another chat-tui serve?)`,
			);
			const client = await RawClient.connect(served.url);
			await client.ok('register', { username: 'fred', password: 'secret-enough' });
			client.close();
		} finally {
			expect(await served.stop()).toEqual({ code: 0, signal: null });
		}
	});

	it('refuses hosting twice on one directory in one process, and releases it on close', async () => {
		const data = tempDir();
		const hosted = await hostServer('ws://127.0.0.1:0', data);
		await expect(hostServer('ws://127.0.0.1:0', data)).rejects.toThrow(`is in use by process ${process.pid} `);
		await hosted.close();
		expect(existsSync(lockFile(data))).toBe(false);
	});

	it('takes over a lock naming its own pid that it never took (an earlier life, as in a restarted container)', async () => {
		const data = tempDir();
		writeFileSync(lockFile(data), `${process.pid}\n`);
		const hosted = await hostServer('ws://127.0.0.1:0', data);
		await hosted.close();
		expect(existsSync(lockFile(data))).toBe(false);
	});
});
