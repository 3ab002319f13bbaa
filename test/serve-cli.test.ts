import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from './helpers/raw-client.js';

const CLI = fileURLToPath(new URL('../dist/source/cli.js', import.meta.url));

interface Served {
	child: ChildProcess;
	url: string;
	output: () => string;
	exited: Promise<number | null>;
}

/** Runs the built `chat-tui serve` as a user would and waits for the address it prints. */
async function serve(args: string[]): Promise<Served> {
	const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no address printed:\n${output}`)), 10_000);
		const check = () => {
			const match = /ws:\/\/[^\s]+/.exec(output);
			if (match) {
				clearTimeout(timer);
				resolve(match[0]);
			}
		};
		child.stdout!.on('data', check);
		void exited.then(() => reject(new Error(`exited before listening:\n${output}`)));
	});
	return { child, url, output: () => output, exited };
}

const dirs: string[] = [];
function tempDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-cli-'));
	dirs.push(dir);
	return dir;
}

afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('chat-tui serve', () => {
	it('prints its address, greets with the motd, and on SIGTERM tells clients, closes with 1001 and exits 0', async () => {
		const data = tempDir();
		const served = await serve(['--port', '0', '--host', '127.0.0.1', '--data', data, '--motd', 'be kind']);
		expect(served.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
		const client = await RawClient.connect(served.url);
		expect(client.welcome).toMatchObject({ type: 'welcome', server: 'chat-tui', protocol: 1, motd: 'be kind' });
		expect(client.frames[0]).toBe(client.welcome);
		await client.ok('register', { username: 'carol', password: 'secret-enough' });

		served.child.kill('SIGTERM');
		const notice = await client.event('notice');
		expect(notice.text).toMatch(/shutting down/i);
		expect(await client.waitClosed()).toMatchObject({ code: 1001 });
		expect(await served.exited).toBe(0);
		expect(existsSync(path.join(data, 'chat-tui.db'))).toBe(true);

		// The same data directory serves the same account again.
		const again = await serve(['--port', '0', '--data', data]);
		const returning = await RawClient.connect(again.url);
		const login = await returning.request('login', { username: 'CAROL', password: 'secret-enough' });
		expect(login).toMatchObject({ type: 'ok', user: { username: 'carol' } });
		returning.close();
		again.child.kill('SIGINT');
		expect(await again.exited).toBe(0);
	});

	it('refuses to start with a control character in the motd, in one sentence', async () => {
		const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', tempDir(), '--motd', 'hi \x1b]0;pwned\x07'], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		expect(code).toBe(1);
		expect(output.trim()).toBe(
			'the motd holds U+001B (ESC) at character 4: a message of the day must be plain text (no control characters)',
		);
		expect(output).not.toMatch(/listening/);
	});

	it('refuses a bad port with a clear message', async () => {
		const child = spawn(process.execPath, [CLI, 'serve', '--port', 'lots'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		expect(code).not.toBe(0);
		expect(stderr).toMatch(/port/);
	});

	it('says so when the port is taken', async () => {
		const first = await serve(['--port', '0', '--data', tempDir()]);
		const port = new URL(first.url).port;
		const child = spawn(process.execPath, [CLI, 'serve', '--port', port, '--data', tempDir()], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		expect(code).toBe(1);
		expect(stderr).toMatch(/in use/i);
		first.child.kill('SIGTERM');
		await first.exited;
	});
});
