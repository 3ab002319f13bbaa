/**
 * The `startup` section of `npm run bench` (issue 16, item 1): how soon
 * chat-tui shows something, and what it holds in memory, against WeeChat
 * measured the same way.
 *
 * One harness for all: each program starts in a pane of a private tmux
 * server (120×40), and the pane is captured every POLL_MS until it shows the
 * screen looked for; the time is from just before `tmux new-session` to the
 * capture that first shows it. Memory is the pane program's VmRSS from /proc
 * once its screen has been still for a while. Runs are interleaved (one of
 * each kind, then again) and the medians reported.
 *
 * - first frame: chat-tui with an empty profile (its log-in screen's title,
 *   "chat-tui · Log in"); WeeChat with an empty home (its title bar's
 *   "weechat.org" and status bar's "[core]").
 * - chat screen: chat-tui with a saved login to a server holding 100
 *   messages (the chat screen, its contact and the newest message shown).
 * - `chat-tui --version` and `chat-tui send` (saved login), spawn to exit,
 *   against `node -e ""`; one round trip is a WebSocket ping on an open connection.
 * - idle RSS on the chat screen (100 messages), and with a 5,000-message
 *   conversation loaded as far as the log keeps (Home until nothing more loads).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { paneEnvironment, shellQuote } from '../test/helpers/tmux.js';
import { rssKiB, sleep } from './proc.js';
import { note, record, recordTarget, ROOT, setDetails, setTitle } from './results.js';
import { ensureDebianProgram, programVersion } from './systems.js';
import { seedWorld, type SeededWorld } from './tui/seed.js';

const SECTION = 'startup';
const RUNS = 5;
const POLL_MS = 15;
const SIZE = { columns: 120, rows: 40 };
/** The screen must stay unchanged this long before its RSS is read. */
const STILL_MS = 1500;
/** Runs of the 5,000-message RSS (each scrolls through the whole conversation). */
const LOADED_RUNS = 3;
const HOME = 'Home';

const run = promisify(execFile);

export interface StartupOptions {
	/** The cli.js to time (default: this checkout's dist/source/cli.js). */
	cli?: string | undefined;
	/** Another build's cli.js, timed side by side as "baseline" (e.g. a checkout of main, before a change). */
	baseline?: string | undefined;
	/** The node binary that runs chat-tui and `node -e ""` (default: node on PATH); the harness itself stays on its own. */
	node?: string | undefined;
	log: (line: string) => void;
}

/** A private tmux server whose panes get a user's environment; captures are asynchronous, so an in-process server keeps answering. */
class Panes {
	readonly #socket = `chat-tui-startup-${process.pid}`;
	readonly #config: string;

	constructor(dir: string) {
		this.#config = path.join(dir, 'tmux.conf');
		writeFileSync(this.#config, 'set -g status off\nset -g remain-on-exit on\n');
	}

	async tmux(...args: string[]): Promise<string> {
		const { stdout } = await run('tmux', ['-L', this.#socket, '-f', this.#config, ...args], { env: paneEnvironment(), encoding: 'utf8' });
		return stdout;
	}

	/** Starts `argv` in a new pane and returns the time just before, and the program's pid (exec'd, so the pane's). */
	async start(session: string, argv: string[], env: Record<string, string> = {}): Promise<{ startedAt: number; pid: number }> {
		const exports = Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)} `).join('');
		const startedAt = performance.now();
		await this.tmux('new-session', '-d', '-s', session, '-x', String(SIZE.columns), '-y', String(SIZE.rows), `${exports}exec ${argv.map(shellQuote).join(' ')}`);
		const pid = Number((await this.tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}')).trim());
		return { startedAt, pid };
	}

	screen(session: string): Promise<string> {
		return this.tmux('capture-pane', '-p', '-t', `=${session}:`);
	}

	/** Polls until the screen holds; returns when (performance.now()) the capture that showed it was taken. */
	async waitFor(session: string, holds: (screen: string) => boolean, timeoutMs = 20_000): Promise<number> {
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			const asked = performance.now();
			const screen = await this.screen(session);
			if (holds(screen)) return asked;
			if (performance.now() > deadline) throw new Error(`${session}: the screen looked for did not appear in ${timeoutMs} ms:\n${screen}`);
			await sleep(POLL_MS);
		}
	}

	/** Waits until the screen has not changed for STILL_MS. */
	async still(session: string): Promise<string> {
		let last = '';
		let since = performance.now();
		for (;;) {
			const screen = await this.screen(session);
			if (screen !== last) {
				last = screen;
				since = performance.now();
			} else if (performance.now() - since >= STILL_MS) return screen;
			await sleep(100);
		}
	}

	press(session: string, key: string): Promise<string> {
		return this.tmux('send-keys', '-t', `=${session}:`, key);
	}

	async kill(session: string): Promise<void> {
		await this.tmux('kill-session', '-t', `=${session}`).catch(() => undefined);
	}

	/** Ends the tmux server and removes its socket file (tmux leaves it behind when killed). */
	async close(): Promise<void> {
		const socket = (await this.tmux('display-message', '-p', '#{socket_path}').catch(() => '')).trim();
		await this.tmux('kill-server').catch(() => undefined);
		if (socket) rmSync(socket, { force: true });
	}
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length / 2;
	return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const isLogin = (screen: string) => screen.includes('chat-tui · Log in');
const isWeechat = (screen: string) => screen.includes('weechat.org') && screen.includes('[core]');
// The status bar (bottom row) and the newest message: the top rows may scroll away when tmux and the app disagree on an emoji's width.
const isChat = (world: SeededWorld) => (screen: string) => screen.includes('● connected') && screen.includes(world.newestMarker);

/** Spawn to exit, in ms; fails on a non-zero exit. */
function timeProcess(command: string, args: string[]): Promise<number> {
	return new Promise((resolve, reject) => {
		const startedAt = performance.now();
		const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: paneEnvironment() });
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('exit', (code) => (code === 0 ? resolve(performance.now() - startedAt) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))));
	});
}

/** One WebSocket ping → pong on an open connection to the server, median of several. */
async function roundTripMs(url: string): Promise<number> {
	const socket = new WebSocket(url);
	await new Promise<void>((resolve, reject) => {
		socket.once('open', () => resolve());
		socket.once('error', reject);
	});
	const samples: number[] = [];
	for (let index = 0; index < 20; index++) {
		const startedAt = performance.now();
		await new Promise<void>((resolve) => {
			socket.once('pong', () => resolve());
			socket.ping();
		});
		samples.push(performance.now() - startedAt);
	}
	socket.close();
	return median(samples);
}

/** Samples by figure and program, e.g. ('first_frame_ms', 'WeeChat'). */
class Samples {
	readonly #values = new Map<string, number[]>();

	add(figure: string, program: string, value: number): void {
		const key = `${figure}\u0000${program}`;
		this.#values.set(key, [...(this.#values.get(key) ?? []), value]);
	}

	median(figure: string, program: string): number {
		return median(this.#values.get(`${figure}\u0000${program}`) ?? [Number.NaN]);
	}
}

/** A build of chat-tui to time: this checkout's, and optionally a baseline (`--startup-baseline`) side by side. */
interface Build {
	label: string;
	cli: string;
	/** The node binary that runs it (`--startup-node`; default: the one on PATH). */
	node: string;
}

/** Sends Home until the oldest message shown stops changing: the log holds all it keeps. */
async function loadWholeLog(panes: Panes, session: string): Promise<number> {
	let oldest = Number.POSITIVE_INFINITY;
	for (;;) {
		await panes.press(session, HOME);
		await sleep(150);
		await panes.press(session, HOME);
		const screen = await panes.still(session);
		const shown = Math.min(...[...screen.matchAll(/#(\d+) /g)].map((match) => Number(match[1])));
		if (!(shown < oldest)) return oldest;
		oldest = shown;
	}
}

/** chat-tui's log-in screen on an empty profile (nothing listens at its address: a first start), its chat screen with a saved login, its idle RSS, `--version` and `send`. */
async function chatTuiRound(panes: Panes, build: Build, world: SeededWorld, dir: string, session: string, samples: Samples): Promise<void> {
	const { label, cli, node } = build;
	const empty = mkdtempSync(path.join(dir, 'empty-'));
	let started = await panes.start(`${session}-login`, [node, cli, '--config-dir', empty, '--server', 'ws://127.0.0.1:9']);
	samples.add('first_frame_ms', label, (await panes.waitFor(`${session}-login`, isLogin)) - started.startedAt);
	await panes.kill(`${session}-login`);

	started = await panes.start(`${session}-chat`, [node, cli, '--config-dir', world.location.configDir, '--profile', world.location.profile]);
	samples.add('chat_screen_saved_login_ms', label, (await panes.waitFor(`${session}-chat`, isChat(world))) - started.startedAt);
	await panes.still(`${session}-chat`);
	samples.add('idle_rss_mb', label, rssKiB(started.pid)! / 1024);
	await panes.kill(`${session}-chat`);

	samples.add('version_ms', label, await timeProcess(node, [cli, '--version']));
	const profile = ['--config-dir', world.location.configDir, '--profile', world.location.profile];
	samples.add('send_saved_login_ms', label, await timeProcess(node, [cli, 'send', ...profile, '--to', 'bob', `startup bench ${session}`]));
}

/** One interleaved round: each build of chat-tui, WeeChat (a fresh home each time, as a first start) and `node -e ""`. */
async function oneRound(panes: Panes, builds: Build[], world: SeededWorld, dir: string, round: number, samples: Samples): Promise<void> {
	for (const [index, build] of builds.entries()) await chatTuiRound(panes, build, world, dir, `r${round}b${index}`, samples);
	const session = `r${round}-weechat`;
	const started = await panes.start(session, ['weechat', '--dir', mkdtempSync(path.join(dir, 'weechat-'))]);
	samples.add('first_frame_ms', 'WeeChat', (await panes.waitFor(session, isWeechat)) - started.startedAt);
	await panes.still(session);
	samples.add('idle_rss_mb', 'WeeChat', rssKiB(started.pid)! / 1024);
	await panes.kill(session);
	samples.add('version_ms', 'node -e ""', await timeProcess(builds[0]!.node, ['-e', '']));
}

/** RSS of chat-tui with the 5,000-message conversation loaded to its oldest message. */
async function loadedRss(panes: Panes, build: Build, world: SeededWorld, round: number): Promise<{ mb: number; oldest: number }> {
	const session = `loaded-${build.label}-${round}`;
	const { pid } = await panes.start(session, [build.node, build.cli, '--config-dir', world.location.configDir, '--profile', world.location.profile]);
	await panes.waitFor(session, isChat(world));
	const oldest = await loadWholeLog(panes, session);
	const mb = rssKiB(pid)! / 1024;
	await panes.kill(session);
	return { mb, oldest };
}

const nodeVersion = (node: string) => `Node ${programVersion(node, ['--version'], /^(v\S+)/)}`;

const FIGURES: Array<[string, string]> = [
	['first_frame_ms', 'ms'],
	['chat_screen_saved_login_ms', 'ms'],
	['version_ms', 'ms'],
	['send_saved_login_ms', 'ms'],
	['idle_rss_mb', 'MB'],
];

function recordFigures(samples: Samples, builds: Build[], rtt: number, loaded: Map<string, { mb: number; oldest: number }>, count: number, weechat: string): void {
	setTitle(SECTION, `Start-up and memory: chat-tui against WeeChat ${weechat} in a ${SIZE.columns}×${SIZE.rows} tmux pane`);
	for (const [figure, unit] of FIGURES) {
		for (const program of [...builds.map((build) => build.label), 'WeeChat', 'node -e ""']) {
			const value = samples.median(figure, program);
			if (Number.isFinite(value)) record(SECTION, figure, value, unit, program);
		}
	}
	record(SECTION, 'round_trip_ms', rtt, 'ms');
	for (const [label, { mb }] of loaded) record(SECTION, 'loaded_rss_mb', mb, 'MB', label);
	const chat = (figure: string) => samples.median(figure, 'chat-tui');
	const weechatFrame = samples.median('first_frame_ms', 'WeeChat');
	const nodeEmpty = samples.median('version_ms', 'node -e ""');
	const target = (id: string, text: string, value: number, limit: number) => recordTarget({ id: `startup_${id}`, text, value, limit, op: '<=' });
	target('first_frame', 'chat-tui first frame ÷ WeeChat first frame', chat('first_frame_ms') / weechatFrame, 2.5);
	target('chat_screen', 'chat screen with a saved login ÷ WeeChat first frame', chat('chat_screen_saved_login_ms') / weechatFrame, 3);
	target('version', '`chat-tui --version` ÷ `node -e ""`', chat('version_ms') / nodeEmpty, 2);
	target('send', '`chat-tui send` ÷ (3 × `node -e ""` + one round trip), saved login', chat('send_saved_login_ms') / (3 * nodeEmpty + rtt), 1);
	target('idle_rss', 'idle RSS on the chat screen ÷ WeeChat idle RSS', chat('idle_rss_mb') / samples.median('idle_rss_mb', 'WeeChat'), 2.5);
	const own = loaded.get('chat-tui');
	if (own) target('loaded_rss', `RSS with ${count.toLocaleString('en')} messages loaded ÷ idle RSS on the chat screen`, own.mb / chat('idle_rss_mb'), 1.3);
	note(SECTION, `Each program starts in a pane of a private tmux server (${SIZE.columns}×${SIZE.rows}), captured every ${POLL_MS} ms; times run from just before \`tmux new-session\` to the capture showing the screen: chat-tui's log-in title on an empty profile, WeeChat's title and status bars on an empty home, chat-tui's chat screen with a saved login to a local server (100 ordinary messages). Median of ${RUNS} runs, interleaved, after one unrecorded round. React's production build (as \`chat-tui\` runs). ${nodeVersion(builds[0]!.node)}: the compile cache and the resolve hook of source/start-fast.ts need Node ≥ 22.1 and ≥ 22.15.`);
	note(SECTION, `\`--version\` and \`send\` (saved login, one direct message) are spawn to exit; the round trip is a WebSocket ping on an open connection to the same server. RSS is VmRSS once the screen has been still ${STILL_MS / 1000} s; loaded: the ${count.toLocaleString('en')}-message conversation, Home until its oldest message (#${own?.oldest ?? '?'}) shows, median of ${LOADED_RUNS} runs.`);
	const load = loadavg()[0] ?? 0;
	setDetails(SECTION, 'load_average_1m', load);
	// The harness and one program keep about one core busy; more means other work ran alongside, and slowed Node's starts more than WeeChat's.
	if (load > 1.5) note(SECTION, `The 1-minute load average was ${load.toFixed(2)} at the end (${cpus().length} cores): other work ran alongside, so these figures are noisy; compare the ratios and side-by-side columns of one run.`);
	if (builds.length > 1) note(SECTION, `Side by side with ${builds.slice(1).map((build) => `"${build.label}" (${build.cli})`).join(', ')}, in the same rounds.`);
}

/** Runs the section and records it; WeeChat comes from Debian as ngircd does (skipped, with a note, if it cannot be installed). */
export async function runStartupBench(options: StartupOptions): Promise<void> {
	const { log } = options;
	const node = options.node ?? 'node';
	const builds: Build[] = [{ label: 'chat-tui', cli: options.cli ?? path.join(ROOT, 'dist', 'source', 'cli.js'), node }];
	if (options.baseline) builds.push({ label: 'baseline', cli: options.baseline, node });
	const why = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0 ? ensureDebianProgram('weechat', 'weechat-curses', log) : 'tmux is not installed';
	if (why) {
		note(SECTION, `Skipped: ${why}.`);
		return;
	}
	const weechat = programVersion('weechat', ['--version'], /^(\S+)/);
	const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-startup-'));
	const panes = new Panes(dir);
	const worlds: SeededWorld[] = [];
	try {
		// Ordinary conversations: the TUI bench (bench/tui/) times the hostile wide and zero-width messages.
		const idle = await seedWorld(100, { stress: false });
		worlds.push(idle);
		const big = await seedWorld(5000, { stress: false });
		worlds.push(big);
		const rtt = await roundTripMs(idle.server.url);
		// The tmux server starts on the first command; a session that stays keeps it up between runs.
		await panes.tmux('new-session', '-d', '-s', 'keep', 'sleep 100000');
		// One unrecorded round: the page cache holds node, WeeChat and the modules afterwards, as for a user who ran them before.
		await oneRound(panes, builds, idle, dir, 0, new Samples());
		const samples = new Samples();
		for (let round = 1; round <= RUNS; round++) {
			log(`startup: round ${round} of ${RUNS}`);
			await oneRound(panes, builds, idle, dir, round, samples);
		}
		log(`startup: RSS with ${big.count} messages loaded`);
		const loaded = new Map<string, { mb: number; oldest: number }>();
		// Fewer runs than the rest (each scrolls through the whole conversation), interleaved the same way; the median.
		const runs = new Map<string, Array<{ mb: number; oldest: number }>>();
		for (let round = 0; round < LOADED_RUNS; round++) {
			for (const build of builds) runs.set(build.label, [...(runs.get(build.label) ?? []), await loadedRss(panes, build, big, round)]);
		}
		for (const [label, results] of runs) loaded.set(label, { mb: median(results.map((result) => result.mb)), oldest: Math.max(...results.map((result) => result.oldest)) });
		recordFigures(samples, builds, rtt, loaded, big.count, weechat);
	} finally {
		await panes.close();
		for (const world of worlds) await world.close();
		rmSync(dir, { recursive: true, force: true });
	}
}
