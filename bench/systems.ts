/**
 * Starting and stopping the systems under test, each its own process pinned
 * to the server core: the bare relay, `chat-tui serve`, ngircd and mosquitto.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type { AccountStore } from './xmpp-stores.js';
import { hashPassword } from '../server/auth/passwords.js';
import { hashToken, newToken } from '../server/auth/tokens.js';
import { SqliteStore } from '../server/store/sqlite-store.js';
import type { SystemKind, Target } from './clients.js';
import { freePort, sleep, spawnPinned, stopProcess, waitForOutput, type Pinned } from './proc.js';
import { ROOT } from './results.js';

export const NOFILE = 65536;

export interface RunningSystem {
	kind: SystemKind;
	/** What the table calls it. */
	label: string;
	pid: number;
	target: Target;
	process: Pinned;
	/** Node servers started with `inspect`: their inspector, to force a full garbage collection. */
	inspectorUrl?: string;
	/** XMPP servers: where their accounts are kept (bench/accounts.ts copies one registered account for every client). */
	accounts?: AccountStore;
	/** Non-Node servers that can be asked for a full garbage collection (forceGc): whether it was done. */
	collectGarbage?(): Promise<boolean>;
	/** Servers that keep a message archive: its row count, read once the server has stopped. */
	storedRows?(): number;
	stop(): Promise<void>;
}

/** The server's own "listening on ws://..." line (not the inspector's "Debugger listening on"). */
const LISTENING = /^(?!Debugger).*listening on (ws:\/\/\S+)/m;
const INSPECTOR = /Debugger listening on (ws:\/\/\S+)/;

/** The inspector URL a node process started with --inspect=127.0.0.1:0 printed. */
function inspectorOf(pinned: Pinned): string | undefined {
	return pinned.log.tail().match(INSPECTOR)?.[1];
}

/**
 * A full garbage collection in a Node server, through its inspector
 * (HeapProfiler.collectGarbage, twice), or in another server that has a way
 * (collectGarbage): what stays is what the server keeps.
 */
export async function forceGc(system: RunningSystem): Promise<boolean> {
	if (system.collectGarbage) return system.collectGarbage();
	if (!system.inspectorUrl) return false;
	const { default: WebSocket } = await import('ws');
	const socket = new WebSocket(system.inspectorUrl);
	try {
		await new Promise<void>((resolve, reject) => {
			socket.once('open', () => resolve());
			socket.once('error', reject);
		});
		for (let id = 1; id <= 2; id++) {
			const answered = new Promise<void>((resolve) => {
				const onMessage = (data: Buffer) => {
					if ((JSON.parse(data.toString()) as { id?: number }).id === id) {
						socket.off('message', onMessage);
						resolve();
					}
				};
				socket.on('message', onMessage);
			});
			socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
			await answered;
		}
		return true;
	} finally {
		socket.close();
	}
}

const DIST = path.join(ROOT, 'dist');

/** The limits chat-tui is started with, opened so the benchmark measures work, not refusals. */
export const CHAT_TUI_OPEN_LIMITS = [
	'--rate',
	'1000000',
	'--burst',
	'1000000',
	'--max-strikes',
	'1000000',
	'--max-connections',
	'1000000',
	'--max-connections-per-address',
	'1000000',
];

export async function startBareRelay(core: number | undefined, options: { inspect?: boolean } = {}): Promise<RunningSystem> {
	const nodeArgs = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
	const pinned = spawnPinned(process.execPath, [...nodeArgs, path.join(DIST, 'bench', 'bare-relay.js'), '--port', '0'], {
		core,
		nofile: NOFILE,
	});
	const [, url] = await waitForOutput(pinned, LISTENING, 15_000, 'bare relay');
	return {
		kind: 'bare-relay',
		label: 'bare relay',
		pid: pinned.pid,
		target: { system: 'bare-relay', url: url! },
		process: pinned,
		inspectorUrl: options.inspect ? inspectorOf(pinned) : undefined,
		stop: () => stopProcess(pinned),
	};
}

export interface ChatTuiOptions {
	dataDir: string;
	/** Write a V8 CPU profile into this directory when the server exits. */
	cpuProfileDir?: string;
	/** Diagnostics only: run the same server with SQLite synchronous=NORMAL (bench/chat-tui-variant.ts). */
	synchronous?: 'NORMAL';
	/** Start with the inspector on (to force garbage collections from outside). */
	inspect?: boolean;
}

export async function startChatTui(core: number | undefined, options: ChatTuiOptions): Promise<RunningSystem> {
	const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
	if (options.inspect) nodeArgs.push('--inspect=127.0.0.1:0');
	const entry = options.synchronous
		? [path.join(DIST, 'bench', 'chat-tui-variant.js'), '--synchronous', options.synchronous]
		: [path.join(DIST, 'source', 'cli.js'), 'serve'];
	const pinned = spawnPinned(
		process.execPath,
		[...nodeArgs, ...entry, '--port', '0', '--data', options.dataDir, ...CHAT_TUI_OPEN_LIMITS],
		{ core, nofile: NOFILE },
	);
	const [, url] = await waitForOutput(pinned, LISTENING, 30_000, 'chat-tui serve');
	return {
		kind: 'chat-tui',
		label: options.synchronous ? `chat-tui (synchronous=${options.synchronous})` : 'chat-tui',
		pid: pinned.pid,
		target: { system: 'chat-tui', url: url! },
		process: pinned,
		inspectorUrl: options.inspect ? inspectorOf(pinned) : undefined,
		stop: () => stopProcess(pinned, 15_000),
	};
}

export interface SeedPlan {
	/** Usernames to create, each with a token. */
	users: string[];
	/** Pairs of usernames made friends. */
	friends?: Array<[string, string]>;
	/** A group: its creator and the members who join it. */
	group?: { name: string; creator: string; members: string[] };
}

/**
 * Fills a chat-tui data directory before the server starts, through the
 * server's own store code (so the rows are what the server would write), in
 * far less time than thousands of scrypt registrations would take. Every
 * seeded user has the same password hash (at the server's default scrypt
 * cost) and a token of their own, which the clients log in with.
 */
export async function seedChatTui(dataDir: string, plan: SeedPlan, password: string): Promise<Map<string, string>> {
	const store = new SqliteStore({ dataDir, synchronous: 'NORMAL' });
	const tokens = new Map<string, string>();
	try {
		const hash = await hashPassword(password);
		const ids = new Map<string, number>();
		for (const name of plan.users) {
			const user = await store.createUser(name, hash);
			if (!user) throw new Error(`seeding: ${name} exists already`);
			ids.set(name, user.id);
			const token = newToken();
			await store.saveToken(user.id, hashToken(token), null, 'bench');
			tokens.set(name, token);
		}
		for (const [a, b] of plan.friends ?? []) await store.addFriendship(ids.get(a)!, ids.get(b)!);
		if (plan.group) {
			const group = await store.createGroup(plan.group.name, 'benchmark fan-out', ids.get(plan.group.creator)!);
			if (!group) throw new Error('seeding: the group exists already');
			for (const member of plan.group.members) await store.addMember(group.id, ids.get(member)!);
		}
	} finally {
		await store.close();
	}
	return tokens;
}

export function waitForPort(port: number, timeoutMs: number, what: string, pinned: Pinned): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		const attempt = () => {
			if (pinned.child.exitCode !== null) {
				reject(new Error(`${what} exited with ${pinned.child.exitCode}:\n${pinned.log.tail()}`));
				return;
			}
			const socket = connect({ port, host: '127.0.0.1' });
			socket.once('connect', () => {
				socket.destroy();
				resolve();
			});
			socket.once('error', () => {
				socket.destroy();
				if (Date.now() > deadline) reject(new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`));
				else setTimeout(attempt, 50);
			});
		};
		attempt();
	});
}

function hasCommand(command: string): boolean {
	return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure a Debian package's program is there, installing it when it is
 * not (and we are root with apt-get). Returns why not when it cannot be had.
 */
export function ensureDebianProgram(program: string, pkg: string, log: (line: string) => void): string | undefined {
	return ensureDebianPackages(program, [pkg], log);
}

function packageInstalled(pkg: string): boolean {
	const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
	return status.status === 0 && status.stdout.includes('install ok installed');
}

/** The same for a program that needs more packages than its own (e.g. a database driver); all are checked. */
export function ensureDebianPackages(program: string, packages: string[], log: (line: string) => void): string | undefined {
	const present = () => hasCommand(program) && packages.slice(1).every(packageInstalled);
	if (present()) return undefined;
	const list = packages.join(' ');
	if (process.getuid?.() !== 0 || !hasCommand('apt-get')) return `${program} is not installed (apt-get install ${list})`;
	log(`installing ${list} (apt-get) ...`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = () =>
		spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env, stdio: 'ignore', timeout: 300_000 });
	let result = install();
	if (result.status !== 0) {
		spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 300_000 });
		result = install();
	}
	return present() ? undefined : `${program} could not be installed (apt-get install ${list} failed)`;
}

export function programVersion(command: string, args: string[], pattern: RegExp): string {
	try {
		const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		return out.match(pattern)?.[1] ?? '?';
	} catch (error) {
		const out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
		return out.match(pattern)?.[1] ?? '?';
	}
}

export const IRC_OPER = { user: 'bench', password: 'bench-oper-pw' };

/**
 * ngircd with a configuration of the benchmark's own: no DNS/ident lookups,
 * no per-address or connection caps, and penalty times off (MaxPenaltyTime = 0),
 * which lifts the 1-second penalties ngircd adds after 3 commands per read or
 * 256 bytes/s. Its log goes to /dev/null.
 */
export async function startNgircd(core: number | undefined, dir: string): Promise<RunningSystem> {
	const port = await freePort();
	mkdirSync(path.join(dir, 'conf.d'), { recursive: true });
	chmodSync(dir, 0o777); // ngircd drops to nobody and writes its pid file here
	const config = path.join(dir, 'ngircd.conf');
	writeFileSync(
		config,
		[
			'[Global]',
			'\tName = bench.invalid',
			'\tInfo = chat-tui benchmark',
			'\tAdminInfo1 = benchmark',
			'\tAdminInfo2 = benchmark',
			'\tAdminEMail = bench@bench.invalid',
			'\tListen = 127.0.0.1',
			`\tPorts = ${port}`,
			'\tMotdPhrase = benchmark',
			`\tPidFile = ${path.join(dir, 'ngircd.pid')}`,
			'\tServerUID = 65534',
			'\tServerGID = 65534',
			'[Limits]',
			'\tMaxConnections = 0',
			'\tMaxConnectionsIP = 0',
			'\tMaxJoins = 0',
			'\tMaxNickLength = 16',
			'\tMaxPenaltyTime = 0',
			'\tPingTimeout = 600',
			'\tPongTimeout = 600',
			'[Options]',
			'\tDNS = no',
			'\tIdent = no',
			'\tPAM = no',
			`\tIncludeDir = ${path.join(dir, 'conf.d')}`,
			'[Operator]',
			`\tName = ${IRC_OPER.user}`,
			`\tPassword = ${IRC_OPER.password}`,
			'',
		].join('\n'),
	);
	const check = spawnSync('ngircd', ['--configtest', '-f', config], { encoding: 'utf8' });
	if (check.status !== 0) throw new Error(`ngircd --configtest failed:\n${check.stdout}${check.stderr}`);
	// -n: stay in the foreground (so the pid is ngircd's); its log goes nowhere (it can be chatty).
	const pinned = spawnPinned('sh', ['-c', `exec ngircd -n -f '${config}' >/dev/null 2>&1`], { core, nofile: NOFILE });
	await waitForPort(port, 15_000, 'ngircd', pinned);
	return {
		kind: 'ngircd',
		label: 'ngircd',
		pid: pinned.pid,
		target: { system: 'ngircd', port },
		process: pinned,
		stop: () => stopProcess(pinned, 5000, 'SIGTERM'),
	};
}

/** A mosquitto of our own on a free port (not the system one), no persistence, no log. */
export async function startMosquitto(core: number | undefined, dir: string): Promise<RunningSystem> {
	const port = await freePort();
	mkdirSync(dir, { recursive: true });
	const config = path.join(dir, 'mosquitto.conf');
	writeFileSync(
		config,
		[
			`listener ${port} 127.0.0.1`,
			'allow_anonymous true',
			'persistence false',
			'log_dest none',
			'max_connections -1',
			'set_tcp_nodelay true',
			'',
		].join('\n'),
	);
	const pinned = spawnPinned('sh', ['-c', `exec mosquitto -c '${config}' >/dev/null 2>&1`], { core, nofile: NOFILE });
	await waitForPort(port, 15_000, 'mosquitto', pinned);
	return {
		kind: 'mosquitto',
		label: 'mosquitto',
		pid: pinned.pid,
		target: { system: 'mosquitto', port },
		process: pinned,
		stop: () => stopProcess(pinned, 5000, 'SIGTERM'),
	};
}

/** Waits a little for a stopped server's port to be released, if a test wants to reuse it. */
export async function settle(ms = 300): Promise<void> {
	await sleep(ms);
}

export function distExists(): boolean {
	return existsSync(path.join(DIST, 'bench', 'generator.js')) && existsSync(path.join(DIST, 'source', 'cli.js'));
}
