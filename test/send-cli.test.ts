import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { REVOKED_CLOSE_CODE } from '../source/client/index.js';
import { Settings } from '../source/local/settings.js';
import { PROTOCOL_VERSION, type Message } from '../source/protocol/index.js';
import { befriend, ClientPool, PASSWORD, record, until } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CLI = fileURLToPath(new URL('../dist/source/cli.js', import.meta.url));

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

interface RunOptions {
	password?: string;
	/** Written to stdin, which is then closed; without it stdin stays open and unread data would hang the CLI. */
	input?: string;
}

/** Runs the built `chat-tui send ...` as a script would, never with a password in the environment unless asked. */
function send(args: string[], options: RunOptions = {}): Promise<Run> {
	const env = { ...process.env };
	delete env.CHAT_TUI_PASSWORD;
	if (options.password !== undefined) env.CHAT_TUI_PASSWORD = options.password;
	const child = spawn(process.execPath, [CLI, 'send', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	if (options.input !== undefined) child.stdin.end(options.input);
	return new Promise((resolve, reject) => {
		// The CLI must end by itself once it has sent (or failed); a hang is a failure.
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`chat-tui send did not exit:\nstdout: ${stdout}\nstderr: ${stderr}`));
		}, 15_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			child.stdin.destroy();
			resolve({ code, stdout, stderr });
		});
	});
}

/** A failure is one sentence on stderr, prefixed with the command, and no stack trace. */
function expectOneSentence(run: Run): void {
	expect(run.code).toBe(1);
	expect(run.stdout).toBe('');
	expect(run.stderr).toMatch(/^chat-tui send: .+\n$/);
	expect(run.stderr).not.toMatch(/\n\s+at /);
}

let server: TestServer;
const pool = new ClientPool();
const dirs: string[] = [];

function configDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-send-'));
	dirs.push(dir);
	return dir;
}

beforeAll(async () => {
	server = await startTestServer();
});

afterAll(async () => {
	await server.stop();
});

afterEach(async () => {
	await pool.closeAll();
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two friends, and the `--server`/`--config-dir` arguments that keep the CLI away from the real profile. */
async function friends() {
	const alice = await pool.registered(server.url, 'alice');
	const bob = await pool.registered(server.url, 'bob');
	await befriend(alice, bob);
	return { alice, bob, where: ['--server', server.url, '--config-dir', configDir()] };
}

describe('chat-tui send', () => {
	it('logs in with --username and CHAT_TUI_PASSWORD, prints only the id, and the friend gets that message', async () => {
		const { alice, bob, where } = await friends();
		const live = record(bob, 'message');
		// stdin stays open: with the password in the environment the CLI must not wait for it.
		const run = await send([...where, '--username', alice.name, '--to', bob.name, 'hello', 'from', 'a', 'script'], {
			password: PASSWORD,
		});
		expect(run).toMatchObject({ code: 0, stderr: '' });
		expect(run.stdout).toMatch(/^\S+\n$/);
		const id = run.stdout.trim();

		await until(() => live.length > 0, 'the live message');
		expect(live[0]!.message).toMatchObject({ id, from: alice.name, to: { user: bob.name }, text: 'hello from a script' });
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((m: Message) => [m.id, m.text])).toEqual([[id, 'hello from a script']]);
	});

	it('reads the password from stdin when CHAT_TUI_PASSWORD is unset', async () => {
		const { alice, bob, where } = await friends();
		const run = await send([...where, '--username', alice.name, '--to', bob.name, 'piped'], { input: `${PASSWORD}\n` });
		expect(run).toMatchObject({ code: 0, stderr: '' });
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((m: Message) => [m.id, m.from, m.text])).toEqual([[run.stdout.trim(), alice.name, 'piped']]);
	});

	it("uses the profile's saved token, and its last server, with --config-dir and --profile", async () => {
		const { alice, bob } = await friends();
		const dir = configDir();
		new Settings({ configDir: dir, profile: 'work' }).saveLogin(server.url, { username: alice.name, token: alice.token! });
		// No --server: the profile's last server is the test server.
		const run = await send(['--config-dir', dir, '--profile', 'work', '--to', bob.name, 'saved', 'login']);
		expect(run).toMatchObject({ code: 0, stderr: '' });
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((m: Message) => [m.id, m.from, m.text])).toEqual([[run.stdout.trim(), alice.name, 'saved login']]);
		// The default profile in the same directory has no login.
		const other = await send(['--config-dir', dir, '--server', server.url, '--to', bob.name, 'nope']);
		expectOneSentence(other);
		expect(other.stderr).toMatch(/no saved login/);
	});

	it('makes a profile directory left readable to all private: 0700, its files 0600', async () => {
		const { alice, bob } = await friends();
		const dir = configDir();
		new Settings({ configDir: dir, profile: 'old' }).saveLogin(server.url, { username: alice.name, token: alice.token! });
		chmodSync(dir, 0o755);
		chmodSync(path.join(dir, 'old.json'), 0o644);
		const run = await send(['--config-dir', dir, '--profile', 'old', '--to', bob.name, 'private']);
		expect(run).toMatchObject({ code: 0, stderr: '' });
		expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
		expect((statSync(path.join(dir, 'old.json')).mode & 0o777).toString(8)).toBe('600');
	});

	it('sends to a group the user is a member of with --group', async () => {
		const creator = await pool.registered(server.url, 'carol');
		const member = await pool.registered(server.url, 'dave');
		const group = `g${process.pid % 1000}_${Date.now() % 100000}`;
		await creator.request('groups.create', { visibility: 'public', name: group });
		await member.request('groups.join', { name: group });
		const run = await send(
			['--server', server.url, '--config-dir', configDir(), '--username', member.name, '--group', group, 'hi', 'all'],
			{ password: PASSWORD },
		);
		expect(run).toMatchObject({ code: 0, stderr: '' });
		const { messages } = await creator.request('history', { with: { group } });
		expect(messages.map((m: Message) => [m.id, m.from, m.to, m.text])).toEqual([
			[run.stdout.trim(), member.name, { group }, 'hi all'],
		]);
	});

	it('refuses a user who is not a friend with the FORBIDDEN sentence and exit 1', async () => {
		const alice = await pool.registered(server.url, 'alice');
		const stranger = await pool.registered(server.url, 'erin');
		const run = await send(
			['--server', server.url, '--config-dir', configDir(), '--username', alice.name, '--to', stranger.name, 'hi'],
			{ password: PASSWORD },
		);
		expectOneSentence(run);
		expect(run.stderr).toBe(
			`chat-tui send: ${stranger.name} is not your friend; send a friend request first (FORBIDDEN)\n`,
		);
	});

	it('says NOT_FOUND for a group that does not exist', async () => {
		const alice = await pool.registered(server.url, 'alice');
		const run = await send(
			['--server', server.url, '--config-dir', configDir(), '--username', alice.name, '--group', 'no-such-group', 'hi'],
			{ password: PASSWORD },
		);
		expectOneSentence(run);
		expect(run.stderr).toMatch(/no-such-group.*\(NOT_FOUND\)/);
	});

	it('fails with exit 1 on a wrong password, and does not echo the password', async () => {
		const { alice, bob, where } = await friends();
		const run = await send([...where, '--username', alice.name, '--to', bob.name, 'hi'], { input: 'not-the-password\n' });
		expectOneSentence(run);
		expect(run.stderr).toMatch(/wrong username or password \(UNAUTHENTICATED\)/);
		expect(run.stderr).not.toMatch(/not-the-password/);
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages).toEqual([]);
	});

	it('says so when the saved token was revoked', async () => {
		const { alice, bob } = await friends();
		const dir = configDir();
		new Settings({ configDir: dir, profile: 'default' }).saveLogin(server.url, { username: alice.name, token: alice.token! });
		await alice.logout();
		const run = await send(['--config-dir', dir, '--to', bob.name, 'hi']);
		expectOneSentence(run);
		expect(run.stderr).toMatch(/refused the saved login.*log in again with the TUI, or pass --username \(UNAUTHENTICATED\)/);
	});

	// accounts
	it('labels its session "chat-tui send on <host>", and says so in one sentence, exit 1, when it is logged out from another device', async () => {
		// A server that takes the login, then revokes the session instead of storing the message.
		const fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
		await once(fake, 'listening');
		const devices: unknown[] = [];
		fake.on('connection', (socket) => {
			socket.send(JSON.stringify({ type: 'welcome', server: 'chat-tui', protocol: PROTOCOL_VERSION, version: 'fake', motd: '' }));
			socket.on('message', (data) => {
				const request = JSON.parse(String(data)) as { type: string; id: string; device?: string };
				if (request.type !== 'login') {
					socket.send(JSON.stringify({ type: 'session.revoked' }));
					socket.close(REVOKED_CLOSE_CODE, 'session revoked');
					return;
				}
				devices.push(request.device);
				const login = { user: { username: 'alice' }, token: 'fake-token', friends: [], groups: [], requests: [] };
				socket.send(JSON.stringify({ type: 'ok', re: request.id, ...login }));
			});
		});
		try {
			const url = `ws://127.0.0.1:${(fake.address() as AddressInfo).port}`;
			const run = await send(['--server', url, '--config-dir', configDir(), '--username', 'alice', '--to', 'bob', 'hi'], { password: PASSWORD });
			expectOneSentence(run);
			expect(run.stderr).toBe('chat-tui send: this session was logged out from another device (UNAUTHENTICATED)\n');
			expect(devices).toEqual([`chat-tui send on ${hostname()}`]);
		} finally {
			fake.close();
		}
	});

	it('takes a --server without a scheme as ws://, and refuses one with a scheme no chat server speaks', async () => {
		const { alice, bob } = await friends();
		const bare = server.url.replace(/^ws:\/\//, '');
		const run = await send(['--server', bare, '--config-dir', configDir(), '--username', alice.name, '--to', bob.name, 'no scheme'], {
			password: PASSWORD,
		});
		expect(run).toMatchObject({ code: 0, stderr: '' });
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((m: Message) => m.text)).toEqual(['no scheme']);

		const refused = await send(['--server', `ftp://${bare}`, '--config-dir', configDir(), '--username', alice.name, '--to', bob.name, 'hi']);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('ftp:// is not a chat server\'s scheme; a server is an address such as ws://127.0.0.1:4100');
	});

	it('fails with one sentence and exit 1 when the server cannot be reached', async () => {
		const run = await send(['--server', 'ws://127.0.0.1:1', '--config-dir', configDir(), '--username', 'alice', '--to', 'bob', 'hi'], {
			password: PASSWORD,
		});
		expectOneSentence(run);
		expect(run.stderr).toMatch(/cannot reach ws:\/\/127\.0\.0\.1:1.*\(UNAVAILABLE\)/);
	});

	it('is a usage error without --to or --group, or with both', async () => {
		const where = ['--server', server.url, '--config-dir', configDir(), '--username', 'alice'];
		for (const peer of [[], ['--to', 'bob', '--group', 'friends']]) {
			const run = await send([...where, ...peer, 'hi'], { password: PASSWORD });
			expectOneSentence(run);
			expect(run.stderr).toMatch(/exactly one of --to USER or --group NAME/);
		}
	});

	it('is an error to send empty text or no text', async () => {
		const where = ['--server', server.url, '--config-dir', configDir(), '--username', 'alice', '--to', 'bob'];
		const empty = await send([...where, '  ', ''], { password: PASSWORD });
		expectOneSentence(empty);
		expect(empty.stderr).toMatch(/the message is empty/);
		const none = await send(where, { password: PASSWORD });
		expect(none.code).toBe(1);
		expect(none.stderr).toMatch(/missing required argument 'text'/);
	});

	it('refuses text over the limit with TOO_LARGE before sending', async () => {
		const { alice, bob, where } = await friends();
		const run = await send([...where, '--username', alice.name, '--to', bob.name, 'x'.repeat(4097)], { password: PASSWORD });
		expectOneSentence(run);
		expect(run.stderr).toMatch(/longer than 4096 characters \(TOO_LARGE\)/);
	});

	it('without --username and with no saved login, tells the user to log in with the TUI or pass --username', async () => {
		const dir = configDir();
		const run = await send(['--server', server.url, '--config-dir', dir, '--to', 'bob', 'hi']);
		expectOneSentence(run);
		expect(run.stderr).toMatch(/no saved login for ws:\/\/.*log in with the TUI first, or pass --username/);
	});

	it('saves nothing after a --username login', async () => {
		const { alice, bob } = await friends();
		const dir = configDir();
		const run = await send(['--server', server.url, '--config-dir', dir, '--username', alice.name, '--to', bob.name, 'hi'], {
			password: PASSWORD,
		});
		expect(run.code).toBe(0);
		expect(new Settings({ configDir: dir, profile: 'default' }).loginFor(server.url)).toBeUndefined();
		// Settings are written only when something changes: nothing in the directory holds the password.
		for (const name of readdirSync(dir)) expect(readFileSync(path.join(dir, name), 'utf8')).not.toContain(PASSWORD);
	});
});

// files
describe('chat-tui send --file', () => {
	it('uploads the file, prints the id of the message carrying it, and writes no progress to a stderr that is not a terminal', async () => {
		const { alice, bob, where } = await friends();
		const dir = configDir();
		const bytes = randomBytes(300_000);
		const file = path.join(dir, 'slides.pdf');
		writeFileSync(file, bytes);
		const live = record(bob, 'message');
		const run = await send([...where, '--username', alice.name, '--to', bob.name, '--file', file, 'the', 'slides'], { password: PASSWORD });
		expect(run).toMatchObject({ code: 0, stderr: '' });
		expect(run.stdout).toMatch(/^\d+\n$/);
		await until(() => live.length > 0, 'the file message');
		expect(live[0]!.message).toMatchObject({
			id: run.stdout.trim(),
			text: 'the slides',
			file: { name: 'slides.pdf', size: bytes.length, mime: 'application/pdf', sha256: createHash('sha256').update(bytes).digest('hex') },
		});
		// No caption: the text is the file's name.
		const bare = await send([...where, '--username', alice.name, '--to', bob.name, '--file', file], { password: PASSWORD });
		expect(bare).toMatchObject({ code: 0, stderr: '' });
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((m: Message) => [m.id, m.text])).toEqual([
			[run.stdout.trim(), 'the slides'],
			[bare.stdout.trim(), 'slides.pdf'],
		]);
	});

	it('is a usage error for a missing file, and TOO_LARGE for one over the server limit, sending nothing', async () => {
		const { alice, bob, where } = await friends();
		const missing = await send([...where, '--username', alice.name, '--to', bob.name, '--file', '/nonexistent/x.bin'], { password: PASSWORD });
		expectOneSentence(missing);
		expect(missing.stderr).toMatch(/no such file/);
		const small = await startTestServer({ maxFileBytes: 1000 });
		try {
			const carol = await pool.registered(small.url, 'carol');
			const dave = await pool.registered(small.url, 'dave');
			await befriend(carol, dave);
			const file = path.join(configDir(), 'big.bin');
			writeFileSync(file, randomBytes(1001));
			const run = await send(['--server', small.url, '--config-dir', configDir(), '--username', carol.name, '--to', dave.name, '--file', file], {
				password: PASSWORD,
			});
			expectOneSentence(run);
			expect(run.stderr).toMatch(/TOO_LARGE/);
			expect((await dave.request('history', { with: { user: carol.name } })).messages).toEqual([]);
		} finally {
			await small.stop();
		}
	});
});
