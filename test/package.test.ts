/**
 * The package as a user gets it: `npm pack`, then installed globally into an
 * empty prefix (what `npm install -g chat-tui` and `npx chat-tui` do with the
 * registry's copy), and run from there, away from the source tree, on the
 * Node that runs this suite: --version, serve, send, the TUI's first frame;
 * cluster mode without its optional packages names a command that adds them,
 * and that command works. Needs a build (`npm test` builds first) and the npm
 * registry or npm's cache for the dependencies; outside CI an unreachable
 * registry skips it, saying so.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Message } from '../source/protocol/index.js';
import { VERSION } from '../source/version.js';
import { serveCli } from './helpers/cli-server.js';
import { befriend, ClientPool, PASSWORD } from './helpers/clients.js';
import { hasTmux, inCi, paneEnvironment, TmuxTerminals } from './helpers/tmux.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLUSTER_URLS = { '--database-url': 'postgres://127.0.0.1:1/none', '--redis-url': 'redis://127.0.0.1:1' };

let work: string;
/** The empty prefix the package is installed into: bin/chat-tui, lib/node_modules/chat-tui. */
let prefix: string;
let packedFiles: string[];
/** Set when the registry could not be reached outside CI: each test then skips with it. */
let registryProblem: string | undefined;
let terminals: TmuxTerminals | undefined;
const pool = new ClientPool();

/**
 * A user's environment: the installed bin first on PATH, nothing from the npm
 * run or vitest around this suite (npx's npm_command would change the hints),
 * but the node-gyp headers setting of this Node line.
 */
function userEnv(): NodeJS.ProcessEnv {
	const env = paneEnvironment();
	for (const name of Object.keys(env)) {
		if ((name.startsWith('npm_') && name !== 'npm_config_nodedir') || name.startsWith('VITEST')) delete env[name];
	}
	env['PATH'] = `${path.join(prefix, 'bin')}${path.delimiter}${env['PATH'] ?? ''}`;
	return env;
}

/** Runs a command as that user, in the temp dir (no source tree around); resolves with its exit code and output. */
async function asUser(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeout = 60_000) {
	try {
		const { stdout, stderr } = await run(command, args, { cwd: work, env: { ...userEnv(), ...extraEnv }, timeout });
		return { code: 0, stdout, stderr };
	} catch (error) {
		const failed = error as { code?: number | string; stdout?: string; stderr?: string };
		return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
	}
}

const NETWORK_ERROR = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH)\b/;

/**
 * `npm install -g` of the tarball, from npm's cache where it has the packages.
 * Install scripts are skipped: the only one, better-sqlite3's native build,
 * takes minutes here, and its output for this Node line is the one this tree's
 * own `npm ci` built (copied in by useTreeAddon).
 */
async function installGlobally(tarball: string): Promise<void> {
	const args = ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball];
	const result = await asUser('npm', args, {}, 100_000);
	if (result.code === 0) return;
	const problem = `npm ${args.join(' ')} failed:\n${result.stderr}`;
	if (!inCi && NETWORK_ERROR.test(result.stderr)) registryProblem = `the npm registry is unreachable, so the package cannot be installed: ${problem}`;
	else throw new Error(problem);
}

/** Puts this tree's better-sqlite3 addon (built for the Node running the suite) into the installed copy of the same version. */
function useTreeAddon(): void {
	const treePackage = createRequire(path.join(ROOT, 'package.json')).resolve('better-sqlite3/package.json');
	const installed = path.join(prefix, 'lib/node_modules/chat-tui/node_modules/better-sqlite3');
	const version = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
	const [mine, theirs] = [version(treePackage), version(path.join(installed, 'package.json'))];
	if (mine !== theirs) throw new Error(`the tree has better-sqlite3 ${mine}, the package installed ${theirs}: run npm install`);
	const addon = 'build/Release/better_sqlite3.node';
	mkdirSync(path.join(installed, 'build/Release'), { recursive: true });
	copyFileSync(path.join(path.dirname(treePackage), addon), path.join(installed, addon));
}

function skipWithoutRegistry(context: TestContext): void {
	if (registryProblem) context.skip(registryProblem);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

beforeAll(async () => {
	if (!existsSync(path.join(ROOT, 'dist/source/cli.js'))) throw new Error('dist/ is missing: run "npm run build" first');
	work = mkdtempSync(path.join(tmpdir(), 'chat-tui-package-'));
	prefix = path.join(work, 'prefix');
	// --ignore-scripts: packs the dist/ this suite runs on (npm test builds it) instead of building again.
	const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env: userEnv() });
	const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
	packedFiles = packed!.files.map((file) => file.path);
	await installGlobally(path.join(work, packed!.filename));
	if (!registryProblem) useTreeAddon();
}, 120_000);

afterAll(async () => {
	await pool.closeAll();
	terminals?.close();
	if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
	it('ships the built code, the docs and README, and no source maps (nor code pointing at one)', () => {
		expect(packedFiles).toContain('dist/source/cli.js');
		expect(packedFiles).toContain('dist/server/server.js');
		expect(packedFiles).toContain('README.md');
		expect(packedFiles.filter((file) => !/^(dist\/(source|server)\/|docs\/|README\.md$|package\.json$)/.test(file))).toEqual([]);
		expect(packedFiles.filter((file) => file.endsWith('.map'))).toEqual([]);
		const pointing = packedFiles.filter((file) => file.endsWith('.js') && readFileSync(path.join(ROOT, file), 'utf8').includes('sourceMappingURL'));
		expect(pointing).toEqual([]);
	});

	it('does not install pg and ioredis: they are optional, for cluster mode only', (context) => {
		skipWithoutRegistry(context);
		const modules = path.join(prefix, 'lib/node_modules');
		expect(readdirSync(modules)).toEqual(['chat-tui']);
		for (const name of ['pg', 'ioredis']) expect(existsSync(path.join(modules, 'chat-tui/node_modules', name)), name).toBe(false);
		expect(existsSync(path.join(modules, 'chat-tui/node_modules/ws'))).toBe(true);
	});

	it('prints its version', async (context) => {
		skipWithoutRegistry(context);
		const result = await asUser('chat-tui', ['--version']);
		expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
	});

	it('serves, and `chat-tui send` delivers a message through that server', { timeout: 60_000 }, async (context) => {
		skipWithoutRegistry(context);
		const data = path.join(work, 'data');
		const served = await serveCli(['--port', '0', '--data', data, '--rate', '100000', '--burst', '100000'], 15_000, {
			command: ['chat-tui'],
			env: userEnv(),
		});
		try {
			expect(served.output()).toContain(`chat-tui server ${VERSION} listening on ${served.url}`);
			const alice = await pool.registered(served.url, 'alice');
			const bob = await pool.registered(served.url, 'bob');
			await befriend(alice, bob);
			const args = ['send', '--server', served.url, '--config-dir', path.join(work, 'send-config'), '--username', alice.name, '--to', bob.name, 'from', 'the', 'package'];
			const sent = await asUser('chat-tui', args, { CHAT_TUI_PASSWORD: PASSWORD });
			expect(sent).toMatchObject({ code: 0, stderr: '' });
			const { messages } = await bob.request('history', { with: { user: alice.name } });
			expect(messages.map((m: Message) => [m.id, m.from, m.text])).toEqual([[sent.stdout.trim(), alice.name, 'from the package']]);
		} finally {
			await pool.closeAll();
			expect(await served.stop()).toEqual({ code: 0, signal: null });
		}
	});

	it.skipIf(!hasTmux && !inCi)('opens the TUI on its log-in screen, whose hint names the installed command', { timeout: 30_000 }, async (context) => {
		skipWithoutRegistry(context);
		if (!hasTmux) throw new Error('tmux is not installed, and CI needs this test: install tmux (.ci/run does)');
		terminals = new TmuxTerminals(`chat-tui-package-${process.pid}`, path.join(work, 'tmux.conf'));
		const env = Object.entries(userEnv()).map(([name, value]) => `${name}=${value}`);
		const server = `ws://127.0.0.1:${await closedPort()}`;
		terminals.start('tui', ['env', '-i', ...env, 'chat-tui', '--server', server, '--config-dir', path.join(work, 'tui-config')], 100, 30);
		await terminals.waitFor('tui', 'chat-tui · Log in');
		// Nothing listens there: the screen says how to start a server, as this user can.
		const screen = await terminals.waitFor('tui', (text) => text.includes('start a server with:'));
		expect(screen.replace(/[│\s]+/g, ' ')).toContain(`Cannot reach ${server}. Check the address, or start a server with: chat-tui serve`);
	});

	it('without pg and ioredis, cluster mode says in one sentence how to add them, and that command works', { timeout: 60_000 }, async (context) => {
		skipWithoutRegistry(context);
		const data = path.join(work, 'cluster-data');
		const sentence = `chat-tui serve: cluster mode needs the packages pg and ioredis: npm install -g pg ioredis --prefix ${prefix}\n`;
		for (const [flag, url] of Object.entries(CLUSTER_URLS)) {
			expect(await asUser('chat-tui', ['serve', flag, url, '--data', data])).toEqual({ code: 1, stdout: '', stderr: sentence });
		}
		const [npm, ...install] = sentence.slice(sentence.indexOf('npm install')).trim().split(' ');
		const added = await asUser(npm!, [...install, '--prefer-offline', '--no-audit', '--no-fund']);
		expect(added, added.stderr).toMatchObject({ code: 0 });
		// Now the packages load, and what stops the server is the address nothing listens on.
		const postgres = await asUser('chat-tui', ['serve', '--database-url', CLUSTER_URLS['--database-url']]);
		expect(postgres).toMatchObject({ code: 1, stdout: '' });
		expect(postgres.stderr).toMatch(/^chat-tui serve: .*ECONNREFUSED/);
		const redis = await asUser('chat-tui', ['serve', '--redis-url', CLUSTER_URLS['--redis-url'], '--data', data]);
		expect(redis).toMatchObject({ code: 1, stdout: '' });
		expect(redis.stderr).toMatch(/^chat-tui serve: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/m);
	});
});
