import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from './helpers/raw-client.js';
import { LOCK_FILE_NAME } from '../server/store/data-dir-lock.js';

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

interface Refusal {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs `chat-tui serve ARGS` that is expected not to start: how it exited and what it printed where. */
async function refusal(args: string[]): Promise<Refusal> {
	const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
	return { code, stdout, stderr };
}

/** A refusal is one sentence on stderr (no stack frames), nothing on stdout, and exit code 1. */
function expectOneSentence(refused: Refusal, sentence: string): void {
	expect(refused.stderr).not.toMatch(/^\s+at /m);
	expect(refused).toEqual({ code: 1, stdout: '', stderr: `${sentence}\n` });
}

const lockHolder = (data: string) => readFileSync(path.join(data, LOCK_FILE_NAME), 'utf8').trim();

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
		// A clean shutdown releases the data directory.
		expect(existsSync(path.join(data, LOCK_FILE_NAME))).toBe(false);

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
			'chat-tui serve: the motd holds U+001B (ESC) at character 4: a message of the day must be plain text (no control characters)',
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

	it('says so in one sentence when the port is taken, and exits 1', async () => {
		const first = await serve(['--port', '0', '--data', tempDir()]);
		const port = new URL(first.url).port;
		expectOneSentence(
			await refusal(['--port', port, '--data', tempDir()]),
			`chat-tui serve: port ${port} on 127.0.0.1 is already in use (another chat-tui serve?); choose another with --port`,
		);
		first.child.kill('SIGTERM');
		expect(await first.exited).toBe(0);
	});

	it('says so in one sentence when the port is taken by something else, and releases the data directory', async () => {
		const squatter = createServer();
		await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
		const { port } = squatter.address() as { port: number };
		const data = tempDir();
		try {
			expectOneSentence(
				await refusal(['--port', String(port), '--data', data]),
				`chat-tui serve: port ${port} on 127.0.0.1 is already in use (another chat-tui serve?); choose another with --port`,
			);
		} finally {
			squatter.close();
		}
		expect(existsSync(path.join(data, LOCK_FILE_NAME))).toBe(false);
	});

	it('says so in one sentence when the host is not an address of this machine', async () => {
		// 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address.
		expectOneSentence(
			await refusal(['--port', '0', '--host', '192.0.2.1', '--data', tempDir()]),
			'chat-tui serve: 192.0.2.1 is not an address of this machine, so port 0 cannot be listened on there; choose another with --host',
		);
	});

	it('refuses a second serve on the same data directory in one sentence naming it and the holder; the first goes on', async () => {
		const data = tempDir();
		const first = await serve(['--port', '0', '--data', data]);
		const client = await RawClient.connect(first.url);
		expect(lockHolder(data)).toBe(String(first.child.pid));

		expectOneSentence(
			await refusal(['--port', '0', '--data', data]),
			`chat-tui serve: the data directory ${data} is in use by process ${first.child.pid} (another chat-tui serve?); stop it, or choose another directory with --data`,
		);

		// The first is unharmed: its connection and new ones work, and it still holds the lock.
		await client.ok('register', { username: 'dora', password: 'secret-enough' });
		const another = await RawClient.connect(first.url);
		expect(await another.request('login', { username: 'dora', password: 'secret-enough' })).toMatchObject({ type: 'ok' });
		expect(lockHolder(data)).toBe(String(first.child.pid));
		client.close();
		another.close();
		first.child.kill('SIGTERM');
		expect(await first.exited).toBe(0);
	});

	it('takes over the lock of a serve that was killed (kill -9) and keeps its data', async () => {
		const data = tempDir();
		const first = await serve(['--port', '0', '--data', data]);
		const client = await RawClient.connect(first.url);
		await client.ok('register', { username: 'erin', password: 'secret-enough' });
		first.child.kill('SIGKILL');
		await first.exited;
		// Left behind, naming a process that is gone.
		expect(lockHolder(data)).toBe(String(first.child.pid));

		const next = await serve(['--port', '0', '--data', data]);
		expect(lockHolder(data)).toBe(String(next.child.pid));
		const returning = await RawClient.connect(next.url);
		expect(await returning.request('login', { username: 'erin', password: 'secret-enough' })).toMatchObject({ type: 'ok' });
		returning.close();
		next.child.kill('SIGTERM');
		expect(await next.exited).toBe(0);
		expect(existsSync(path.join(data, LOCK_FILE_NAME))).toBe(false);
	});
});
