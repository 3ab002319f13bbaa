import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Settings } from '../source/local/settings.js';
import { befriend, ClientPool } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { hasTmux, inCi } from './helpers/tmux.js';
import { CLI, tmuxSuite } from './helpers/tmux-suite.js';

/**
 * What each command loads (issue 16: every command used to import Ink,
 * React, the server, pg and ioredis before doing anything). The built bin
 * runs with test/helpers/record-modules.mjs, which lists every module the
 * loader loads; these tests check the list, not the time it took.
 */

const RECORDER = fileURLToPath(new URL('./helpers/record-modules.mjs', import.meta.url));

/** The client's UI and the server's storage: what `--version` and `send` must not load. */
const UI = ['ink', 'react', 'react-reconciler', 'yoga-layout'];
const SERVER_ONLY = ['pg', 'ioredis'];

interface Loaded {
	packages: Set<string>;
	/** The program's own modules, relative to dist/ (source/…, server/…). */
	own: string[];
}

function loadedFrom(log: string): Loaded {
	const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
	const packages = new Set<string>();
	const own: string[] = [];
	for (const url of urls) {
		const pkg = url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];
		if (pkg) packages.add(pkg);
		else if (url.includes('/dist/')) own.push(url.slice(url.lastIndexOf('/dist/') + '/dist/'.length));
	}
	return { packages, own };
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	dirs.push(dir);
	return dir;
}

/** The bin's argv (node, the recorder, cli.js, args) and the environment that names the log. */
function recorded(args: string[]): { argv: string[]; log: string } {
	const log = path.join(tempDir('chat-tui-modules-'), 'modules.log');
	return { argv: [process.execPath, '--import', RECORDER, CLI, ...args], log };
}

/** Runs the bin to its end; resolves with its exit code, stdout and what it loaded. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; loaded: Loaded }> {
	const { argv, log } = recorded(args);
	const env: NodeJS.ProcessEnv = { ...process.env, CHAT_TUI_MODULE_LOG: log };
	delete env.CHAT_TUI_PASSWORD;
	const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`chat-tui ${args.join(' ')} did not exit:\n${stdout}\n${stderr}`));
		}, 15_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, loaded: loadedFrom(log) });
		});
	});
}

function expectNone(loaded: Loaded, packages: string[]): void {
	expect(packages.filter((name) => loaded.packages.has(name))).toEqual([]);
}

let server: TestServer;
const pool = new ClientPool();

beforeAll(async () => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
	server = await startTestServer();
});

afterAll(async () => {
	await pool.closeAll();
	await server?.stop();
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('what each command loads', () => {
	it('a lone --version loads the bin, its version and nothing else (not even commander)', async () => {
		for (const flag of ['--version', '-v']) {
			const result = await run([flag]);
			expect(result.code).toBe(0);
			expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
			// The recorder saw the bin: an empty list would pass the checks below for nothing.
			expect(result.loaded.own).toContain('source/cli.js');
			expect(result.loaded.packages).toEqual(new Set());
			expect(result.loaded.own.filter((file) => !['source/cli.js', 'source/start-fast.js', 'source/version.js'].includes(file))).toEqual([]);
		}
	});

	it('--version among other options goes through commander, and still loads none of the client, the UI or the server', async () => {
		const result = await run(['--profile', 'work', '--version']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
		expect(result.loaded.packages.has('commander')).toBe(true);
		expectNone(result.loaded, [...UI, ...SERVER_ONLY, 'better-sqlite3', 'ws', 'zod']);
		expect(result.loaded.own.filter((file) => !file.startsWith('source/'))).toEqual([]);
		expect(result.loaded.own).not.toContain('source/client/chat-client.js');
	});

	it('send with a saved login loads the client (and sends), not Ink, React, SQLite or the server', async () => {
		const alice = await pool.registered(server.url, 'alice');
		const bob = await pool.registered(server.url, 'bob');
		await befriend(alice, bob);
		const configDir = tempDir('chat-tui-modules-send-');
		new Settings({ configDir, profile: 'default' }).saveLogin(server.url, { username: alice.name, token: alice.token! });

		const result = await run(['send', '--config-dir', configDir, '--to', bob.name, 'loaded', 'lightly']);
		expect(result).toMatchObject({ code: 0, stderr: '' });
		const { messages } = await bob.request('history', { with: { user: alice.name } });
		expect(messages.map((message) => [message.id, message.text])).toEqual([[result.stdout.trim(), 'loaded lightly']]);
		expect(result.loaded.packages.has('ws')).toBe(true);
		expectNone(result.loaded, [...UI, ...SERVER_ONLY, 'better-sqlite3']);
		expect(result.loaded.own.filter((file) => file.startsWith('server/'))).toEqual([]);
	});

	it("serve's options are there when serve is the command (they are added only then)", async () => {
		const result = await run(['serve', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('--max-frame-bytes <n>');
		expect(result.stdout).toContain('--redis-url <url>');
		expect(result.loaded.own).toContain('server/server.js');
	});

	it('`help serve` is `serve --help`, options and all; `help` lists the commands', async () => {
		const result = await run(['help', 'serve']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('--max-frame-bytes <n>');
		const list = await run(['help']);
		expect(list.stdout).toMatch(/serve\s+run the chat server/);
	});
});

describe('what the TUI waits for before its first frame', () => {
	it('ui/run.js (with the log-in screen it draws first) imports Ink, not the client, its protocol schemas or the chat screen', async () => {
		const log = path.join(tempDir('chat-tui-modules-run-'), 'modules.log');
		const child = spawn(process.execPath, ['--import', RECORDER, '--input-type=module', '-e', `await import(${JSON.stringify(CLI.replace(/cli\.js$/, 'ui/run.js'))})`], {
			env: { ...process.env, CHAT_TUI_MODULE_LOG: log },
			stdio: 'inherit',
		});
		const [code] = (await once(child, 'exit')) as [number | null];
		expect(code).toBe(0);
		const loaded = loadedFrom(log);
		expect(loaded.packages.has('ink')).toBe(true);
		expect(loaded.own).toContain('source/ui/screens/login-screen.js');
		expectNone(loaded, ['zod', 'ws']);
		expect(loaded.own.filter((file) => /^source\/(protocol\/index|client\/chat-client|ui\/app|ui\/screens\/chat-screen)\.js$/.test(file))).toEqual([]);
	});
});

describe.skipIf(!hasTmux && !inCi)('what the TUI loads (tmux)', () => {
	const suite = tmuxSuite('imports');

	it('draws the log-in screen with Ink and React, without the server, pg or ioredis', async () => {
		const { argv, log } = recorded(['--server', suite.server.url, '--config-dir', suite.tempDir('chat-tui-modules-tui-')]);
		suite.terminals.start('tui', ['env', `CHAT_TUI_MODULE_LOG=${log}`, ...argv], 100, 30);
		await suite.terminals.waitFor('tui', 'chat-tui · Log in');
		const loaded = loadedFrom(log);
		expect(UI.filter((name) => !loaded.packages.has(name))).toEqual([]);
		expectNone(loaded, SERVER_ONLY);
		expect(loaded.own.filter((file) => file.startsWith('server/'))).toEqual([]);
		expect(loaded.own).not.toContain('source/host.js');
	});
});
