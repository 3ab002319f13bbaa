/**
 * "No message lost, none twice", under three kinds of abuse:
 *  - fuzz: 10,000+ random and mutated frames at a live `chat-tui serve` process;
 *  - chaos: three clients exchanging 3,000 messages while a proxy cuts their connections at random;
 *  - crash: the server SIGKILLed in the middle of a stream of sends and restarted on the same data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../source/client/index.js';
import { OPS, parseRequest, type Message, type Op, type Peer } from '../source/protocol/index.js';
import { befriend, ClientPool, fullHistory, PASSWORD, record, sleep, uniqueName, until } from './helpers/clients.js';
import { serveCli, type CliServer } from './helpers/cli-server.js';
import { conversationOf, planSends, seeded, sendThroughChaos, type Planned } from './helpers/chaos.js';
import { FlakyProxy } from './helpers/flaky-proxy.js';
import { fuzzFrames, validRequests, type FuzzFrame } from './helpers/fuzz-frames.js';
import { FuzzLink } from './helpers/fuzz-link.js';
import { RawClient } from './helpers/raw-client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const dirs: string[] = [];
const servers: CliServer[] = [];
const testServers: TestServer[] = [];
const proxies: FlakyProxy[] = [];
const pool = new ClientPool();

function tempDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-robust-'));
	dirs.push(dir);
	return dir;
}

async function serve(args: string[]): Promise<CliServer> {
	const server = await serveCli(args);
	servers.push(server);
	return server;
}

afterEach(async () => {
	await pool.closeAll();
	await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
	await Promise.all(servers.splice(0).map((server) => server.stop('SIGKILL')));
	await Promise.all(testServers.splice(0).map((server) => server.stop()));
});
afterAll(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});



function log(line: string): void {
	process.stdout.write(`[robustness] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// 1. Fuzz
// ---------------------------------------------------------------------------------------------

const FUZZ_SEED = 20_240_611;
const FUZZ_FRAMES = 11_000;
const LIMITED_SLICE_FRAMES = 1_600;
const WARM_UP_FRAMES = 1_500;
const FUZZ_PASSWORD = 'fuzz-links-own-password-9f3c';

/**
 * Valid requests a link holds back because they would change what is stored:
 * a register on a link that is not logged in makes a user; on a logged-in
 * link, logout would let the next one through, and groups.create makes a group.
 * Everything else valid names users and groups that do not exist, or is refused.
 */
function heldBack(frame: FuzzFrame, authed: boolean): boolean {
	if (typeof frame.data !== 'string') return false;
	let op: Op;
	try {
		op = parseRequest(frame.data).type;
	} catch {
		return false;
	}
	return authed ? op === 'logout' || op === 'groups.create' : op === 'register';
}

interface Barrage {
	links: FuzzLink[];
	sent: number;
	heldBack: number;
	closing: number;
	kinds: Map<string, number>;
	ms: number;
}

/** Four links, two logged in, share the frames round-robin and throw them concurrently. */
async function barrage(url: string, frames: FuzzFrame[], deliberate: Set<string>, prefix: string): Promise<Barrage> {
	let names = 0;
	const links = [true, true, false, false].map(
		(authed) =>
			new FuzzLink({
				url,
				authed,
				password: FUZZ_PASSWORD,
				nextName: () => `${prefix}_${++names}`,
				onRegistered: (name) => deliberate.add(name),
			}),
	);
	await Promise.all(links.map((link) => link.open()));
	const started = Date.now();
	let held = 0;
	let closing = 0;
	const kinds = new Map<string, number>();
	await Promise.all(
		links.map(async (link, index) => {
			const authed = index < 2;
			for (let i = index; i < frames.length; i += links.length) {
				const frame = frames[i]!;
				if (heldBack(frame, authed)) {
					held++;
					continue;
				}
				if (frame.closes !== undefined) closing++;
				kinds.set(frame.kind, (kinds.get(frame.kind) ?? 0) + 1);
				await link.send(frame);
			}
			await link.drain();
		}),
	);
	const ms = Date.now() - started;
	for (const link of links) link.close();
	return { links, sent: links.reduce((sum, link) => sum + link.sent, 0), heldBack: held, closing, kinds, ms };
}

function sumMaps(maps: Array<Map<string | number, number>>): Record<string, number> {
	const total: Record<string, number> = {};
	for (const map of maps) for (const [key, count] of map) total[key] = (total[key] ?? 0) + count;
	return total;
}

/** What an own-property snapshot of the built-in prototypes looks like. */
function prototypeSnapshot(): string {
	return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
		.map((proto) => Object.getOwnPropertyNames(proto).sort().join(','))
		.join('|');
}

interface StoredState {
	users: string[];
	groups: string[];
	members: string[];
	messages: Array<{ from: string; text: string; cid: string }>;
	friends: string[];
	friendRequests: number;
}

/** Reads the stopped server's database directly. */
function readDatabase(dataDir: string): StoredState {
	const db = new Database(path.join(dataDir, 'chat-tui.db'), { readonly: true, fileMustExist: true });
	try {
		const column = (sql: string) => (db.prepare(sql).all() as Array<{ v: string }>).map((row) => row.v).sort();
		return {
			users: column('SELECT username AS v FROM users'),
			groups: column('SELECT name AS v FROM groups'),
			members: column(`SELECT g.name || ':' || u.username AS v FROM members m JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id`),
			messages: db
				.prepare('SELECT u.username AS "from", m.text, m.cid FROM messages m JOIN users u ON u.id = m.sender_id ORDER BY m.id')
				.all() as StoredState['messages'],
			friends: column(`SELECT a.username || '>' || b.username AS v FROM friends f JOIN users a ON a.id = f.owner_id JOIN users b ON b.id = f.friend_id`),
			friendRequests: (db.prepare('SELECT count(*) AS n FROM friend_requests').get() as { n: number }).n,
		};
	} finally {
		db.close();
	}
}

/** A frame with only `type` and `id` must be refused by every op that needs fields, even after the barrage. */
async function expectFieldsStillRequired(url: string, deliberate: Set<string>): Promise<void> {
	const anonymous = await RawClient.connect(url);
	const bare = await anonymous.request('register', { password: 'x' });
	expect(bare).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message: 'username: is required' });
	anonymous.close();

	const probe = await RawClient.connect(url);
	const name = uniqueName('probe');
	await probe.ok('register', { username: name, password: PASSWORD });
	deliberate.add(name);
	const needFields = OPS.filter((op) => !['logout', 'friends.list', 'groups.list', 'unread', 'sessions.list', 'ignore.list', 'groups.browse'].includes(op));
	for (const op of needFields) {
		const reply = await probe.request(op);
		expect(reply, op).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
	}
	probe.close();
}

describe('fuzz: a live server fed garbage', () => {
	it('stays up, answers every frame once, keeps serving, gives memory back, and stores nothing from a bad frame', async () => {
		const prototypesBefore = prototypeSnapshot();
		expect(new Set(validRequests().map((frame) => frame['type']))).toEqual(new Set(OPS));

		// --- generous limits, so the frames are read rather than rate-limited away
		const dataDir = tempDir();
		const server = await serve(['--port', '0', '--data', dataDir, '--rate', '1000000', '--burst', '1000000']);
		const deliberate = new Set<string>();
		const rssStart = server.rssKiB();
		// A short warm-up first: scrypt's 16 MiB per hash on each pool thread and V8's heap grow to
		// their working size once, and stay there; what is measured is what the barrage adds after that.
		await barrage(server.url, fuzzFrames(WARM_UP_FRAMES, FUZZ_SEED + 2), deliberate, 'fw');
		await sleep(1000);
		const rssBefore = server.rssKiB();
		const frames = fuzzFrames(FUZZ_FRAMES, FUZZ_SEED);
		const run = await barrage(server.url, frames, deliberate, 'fz');
		const links = run.links;
		const codes = sumMaps(links.map((link) => link.codes));
		const expectedCloses = sumMaps(links.map((link) => link.expectedCloses));
		log(
			`fuzz: ${run.sent} frames sent in ${run.ms} ms over ${links.length} links ` +
				`(${run.heldBack} valid state-changing frames held back, ${run.closing} closing frames, ` +
				`${links.reduce((sum, link) => sum + link.connections, 0)} connections)`,
		);
		log(`fuzz: kinds ${JSON.stringify(Object.fromEntries(run.kinds))}`);
		log(`fuzz: replies ${JSON.stringify(codes)}; closes ${JSON.stringify(expectedCloses)}`);

		expect(run.sent).toBeGreaterThanOrEqual(10_000);
		expect(server.alive()).toBe(true);
		expect(links.flatMap((link) => link.wrongCloses)).toEqual([]);
		expect(sumMaps(links.map((link) => link.otherCloses))).toEqual({});
		// Every frame it read got exactly one answer; the frames it must not read closed the connection.
		expect(links.reduce((sum, link) => sum + link.extraReplies + link.unanswered, 0)).toBe(0);
		expect(links.reduce((sum, link) => sum + link.replies, 0)).toBe(run.sent - run.closing);
		expect(expectedCloses[1009]).toBeGreaterThan(0);
		expect(expectedCloses[1007]).toBeGreaterThan(0);
		expect(codes['INTERNAL']).toBeUndefined();
		expect(codes['BAD_REQUEST']).toBeGreaterThan(run.sent / 2);
		expect(server.output()).not.toMatch(/ failed/);

		// --- a normal conversation still works
		const alice = Object.assign(await pool.connect(server.url), { name: uniqueName('alice') });
		const bob = Object.assign(await pool.connect(server.url), { name: uniqueName('bob') });
		await alice.register(alice.name, PASSWORD);
		await bob.register(bob.name, PASSWORD);
		deliberate.add(alice.name).add(bob.name);
		const toAlice = record(alice, 'message');
		const toBob = record(bob, 'message');
		await befriend(alice, bob);
		const group = uniqueName('crew');
		const conversation = [
			await alice.send({ user: bob.name }, 'hello bob, still there after all that?'),
			await bob.send({ user: alice.name }, 'hello alice, all good'),
		];
		await alice.request('groups.create', { visibility: 'public', name: group, description: 'after the storm' });
		await bob.request('groups.join', { name: group });
		conversation.push(await alice.send({ group }, 'welcome to the group'), await bob.send({ group }, 'glad to be here'));
		await until(() => toBob.length === 2 && toAlice.length === 2, 'the conversation to arrive');
		expect(toBob.map((event) => event.message.text)).toEqual(['hello bob, still there after all that?', 'welcome to the group']);
		expect(toAlice.map((event) => event.message.text)).toEqual(['hello alice, all good', 'glad to be here']);
		expect((await alice.request('history', { with: { user: bob.name } })).messages.map((m) => m.text)).toEqual([
			'hello bob, still there after all that?',
			'hello alice, all good',
		]);
		expect((await bob.request('history', { with: { group } })).messages.map((m) => m.cid)).toEqual(
			conversation.slice(2).map((m) => m.cid),
		);
		await expectFieldsStillRequired(server.url, deliberate);
		await pool.closeAll();

		// --- memory comes back down once the barrage is over
		await sleep(2000);
		const rssAfter = server.rssKiB();
		log(`fuzz: server RSS ${rssStart} KiB at start, ${rssBefore} KiB after a ${WARM_UP_FRAMES}-frame warm-up, ` +
				`${rssAfter} KiB after the barrage (${rssAfter >= rssBefore ? '+' : ''}${rssAfter - rssBefore} KiB)`);
		expect(rssAfter).toBeLessThan(rssBefore + 150 * 1024);

		// --- a slice at the default limits, so the rate limiter's path sees garbage too
		const limitedDir = tempDir();
		const limited = await serve(['--port', '0', '--data', limitedDir]);
		const limitedDeliberate = new Set<string>();
		const slice = await barrage(limited.url, fuzzFrames(LIMITED_SLICE_FRAMES, FUZZ_SEED + 1), limitedDeliberate, 'fl');
		const sliceCodes = sumMaps(slice.links.map((link) => link.codes));
		const sliceCloses = sumMaps(slice.links.map((link) => link.otherCloses));
		log(
			`fuzz (default limits): ${slice.sent} frames in ${slice.ms} ms; replies ${JSON.stringify(sliceCodes)}; ` +
				`closed by the limiter ${JSON.stringify(sliceCloses)}; expected closes ` +
				JSON.stringify(sumMaps(slice.links.map((link) => link.expectedCloses))),
		);
		expect(slice.sent).toBeGreaterThanOrEqual(1_500);
		expect(limited.alive()).toBe(true);
		expect(sliceCodes['RATE_LIMITED']).toBeGreaterThan(0);
		expect(sliceCodes['INTERNAL']).toBeUndefined();
		expect(slice.links.flatMap((link) => link.wrongCloses)).toEqual([]);
		expect(Object.keys(sliceCloses).filter((code) => code !== '1008')).toEqual([]);
		expect(limited.output()).not.toMatch(/ failed/);

		// --- what is stored is only what was meant
		expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
		expect(await limited.stop('SIGTERM')).toEqual({ code: 0, signal: null });
		const stored = readDatabase(dataDir);
		expect(stored.users).toEqual([...deliberate].sort());
		expect(stored.groups).toEqual([group]);
		expect(stored.members).toEqual([`${group}:${alice.name}`, `${group}:${bob.name}`].sort());
		expect(stored.messages).toEqual(conversation.map((m) => ({ from: m.from, text: m.text, cid: m.cid })));
		expect(stored.friends).toEqual([`${alice.name}>${bob.name}`, `${bob.name}>${alice.name}`].sort());
		expect(stored.friendRequests).toBe(0);
		const storedLimited = readDatabase(limitedDir);
		expect(storedLimited.users).toEqual([...limitedDeliberate].sort());
		expect(storedLimited).toMatchObject({ groups: [], members: [], messages: [], friends: [], friendRequests: 0 });

		// --- and this process's prototypes are as they were
		expect(prototypeSnapshot()).toBe(prototypesBefore);
		const probe = {} as Record<string, unknown>;
		for (const key of ['polluted', 'isAdmin', 'username', 'text', 'to']) expect(probe[key], key).toBeUndefined();
	}, 120_000);
});

// ---------------------------------------------------------------------------------------------
// 2. Chaos
// ---------------------------------------------------------------------------------------------

const CHAOS_SEED = 7_051_999;
const CHAOS_PER_CLIENT = 1_000;
const CHAOS_IN_FLIGHT = 8;



/** Whether `user` is a recipient (not the sender) of a message. */
function isFor(user: string, planned: Planned, members: string[]): boolean {
	if (planned.from === user) return false;
	return 'group' in planned.to ? members.includes(user) : planned.to.user === user;
}

describe('chaos: connections cut at random', () => {
	it('delivers 3,000 messages between three clients: each stored once, in each sender\'s order', async () => {
		// Heartbeats every 2 s: a connection the proxy left half-open is found and cut quickly.
		const server = await startTestServer({ heartbeatIntervalMs: 2_000 });
		testServers.push(server);
		const proxy = await FlakyProxy.start(server.url);
		proxies.push(proxy);
		const random = seeded(CHAOS_SEED);
		const clients: Array<ChatClient & { name: string }> = [];
		for (const prefix of ['ann', 'ben', 'cat']) {
			const client = Object.assign(
				await pool.connect(proxy.url, { backoff: { initialMs: 10, maxMs: 150, factor: 2, jitter: 0.5 } }),
				{ name: uniqueName(prefix) },
			);
			await client.register(client.name, PASSWORD);
			clients.push(client);
		}
		const [ann, ben, cat] = clients as [ChatClient & { name: string }, ChatClient & { name: string }, ChatClient & { name: string }];
		await befriend(ann, ben);
		await befriend(ann, cat);
		await befriend(ben, cat);
		const group = uniqueName('chaos');
		await ann.request('groups.create', { visibility: 'public', name: group });
		await ben.request('groups.join', { name: group });
		await cat.request('groups.join', { name: group });
		const members = clients.map((client) => client.name);

		// What each client sees live, and the reconnects it made.
		const live = clients.map((client) => record(client, 'message'));
		// When each client saw its connection drop (the server's clock is this process's).
		const drops = clients.map((client) => {
			const at: number[] = [];
			client.on('state', (change) => change.state === 'reconnecting' && at.push(Date.now()));
			return at;
		});
		const logins = clients.map((client) => record(client, 'login'));

		// The plan: each client sends 1,000, to either friend or to the group, chosen by the seeded PRNG.
		const plans = planSends(members, CHAOS_PER_CLIENT, group, random);
		const byCid = new Map(plans.flat().map((planned) => [planned.cid, planned]));

		const { acked, cutsAllAtOnce, sendMs } = await sendThroughChaos(clients, plans, proxy, random, { min: 10, spread: 30, quietMs: 150 }, CHAOS_IN_FLIGHT);

		// Let everyone get back on and receive what was waiting for them.
		const expectedLive = clients.map((client) => plans.flat().filter((planned) => isFor(client.name, planned, members)).length);
		await until(() => clients.every((client) => client.state === 'open'), 'every client back online', 10_000);
		const settleUntil = Date.now() + 3000;
		await until(
			() => Date.now() > settleUntil || live.every((seen, i) => seen.filter((e) => e.message.from !== clients[i]!.name).length >= expectedLive[i]!),
			'live delivery to settle',
			10_000,
		);
		await sleep(300);

		log(
			`chaos: ${3 * CHAOS_PER_CLIENT} messages sent in ${sendMs} ms through ${proxy.connections} proxied connections; ` +
				`${proxy.cuts} cut (${cutsAllAtOnce} times all at once); logins after the first: ${logins.map((l) => l.length).join('/')}`,
		);

		// Every send was acknowledged once, as the message the client asked for.
		for (const [i, client] of clients.entries()) {
			expect(acked[i]!.size).toBe(CHAOS_PER_CLIENT);
			for (const [cid, message] of acked[i]!) {
				expect(message).toMatchObject({ cid, from: client.name, text: byCid.get(cid)!.text });
			}
		}

		// Messages written to a connection just before it was cut are replayed at the next login:
		// give the last logins' replays a moment to land.
		const missingFor = (i: number) => {
			const received = new Set(live[i]!.map((event) => event.message.cid));
			return plans.flat().filter((planned) => isFor(clients[i]!.name, planned, members) && !received.has(planned.cid));
		};
		await until(() => clients.every((_, i) => missingFor(i).length === 0), 'every message live', 10_000).catch(() => undefined);

		// Live: never twice, only what was meant for the client, and in each sender's order.
		const missingLive: string[] = [];
		for (const [i, client] of clients.entries()) {
			const events = live[i]!.map((event) => event.message);
			const ownAcks = [...acked[i]!.values()];
			const ids = [...events, ...ownAcks].map((message) => message.id);
			expect(new Set(ids).size, `${client.name}: a message shown twice`).toBe(ids.length);
			const cids = events.map((message) => message.cid);
			expect(new Set(cids).size, `${client.name}: a cid shown twice`).toBe(cids.length);
			// A message replayed after a cut arrives after newer ones; what the client ends with, placed
			// by seq as the UI places it, must be in each sender's order.
			const lastIndex = new Map<string, { index: number; seq: number }>();
			for (const message of [...events].sort((a, b) => a.seq - b.seq)) {
				const planned = byCid.get(message.cid);
				expect(planned, `${client.name} got a message nobody sent: ${message.cid}`).toBeDefined();
				expect(message.from).toBe(planned!.from);
				expect(message.text).toBe(planned!.text);
				if (planned!.from === client.name) continue; // its own, echoed from a session the server had not yet dropped
				expect(isFor(client.name, planned!, members), `${client.name} got ${message.cid}`).toBe(true);
				const key = `${planned!.from}|${conversationOf(planned!.from, planned!.to)}`;
				const last = lastIndex.get(key);
				if (last) {
					expect(planned!.index, `${client.name}: ${key} out of order`).toBeGreaterThan(last.index);
					expect(message.seq).toBeGreaterThan(last.seq);
				}
				lastIndex.set(key, { index: planned!.index, seq: message.seq });
			}
			const received = new Set(events.map((message) => message.cid));
			const missing = plans.flat().filter((planned) => isFor(client.name, planned, members) && !received.has(planned.cid));
			missingLive.push(...missing.map((planned) => `${client.name}<-${planned.cid}`));
			log(`chaos: ${client.name} got ${received.size - events.filter((m) => m.from === client.name).length} of ${expectedLive[i]} live; missed ${missing.length}`);
		}
		if (missingLive.length > 0) {
			log(`chaos: FINDING: live delivery missed ${missingLive.length} messages (history has them all): ${missingLive.slice(0, 6).join(', ')}, …`);
		}

		// History: every cid exactly once, in its conversation, in its sender's order; the same from every side.
		const conversations = new Map<string, Planned[]>();
		for (const planned of plans.flat()) {
			const key = conversationOf(planned.from, planned.to);
			conversations.set(key, [...(conversations.get(key) ?? []), planned]);
		}
		const histories = new Map<string, string[]>();
		for (const client of clients) {
			const peers: Peer[] = [{ group }, ...clients.filter((other) => other !== client).map((other): Peer => ({ user: other.name }))];
			for (const peer of peers) {
				const key = conversationOf(client.name, peer);
				const messages = await fullHistory(client, peer);
				const cids = messages.map((message) => message.cid);
				expect(new Set(cids).size, `${key}: a cid stored twice`).toBe(cids.length);
				expect(messages.map((message) => message.seq)).toEqual(messages.map((_, i) => i + 1));
				expect(new Set(cids)).toEqual(new Set(conversations.get(key)!.map((planned) => planned.cid)));
				for (const sender of members) {
					expect(
						messages.filter((message) => message.from === sender).map((message) => message.cid),
						`${key}: ${sender}'s order`,
					).toEqual(conversations.get(key)!.filter((planned) => planned.from === sender).map((planned) => planned.cid));
				}
				if (histories.has(key)) expect(cids, `${key} differs between its sides`).toEqual(histories.get(key));
				histories.set(key, cids);
			}
		}
		expect([...histories.values()].reduce((sum, cids) => sum + cids.length, 0)).toBe(3 * CHAOS_PER_CLIENT);

		// Live: every message reached every recipient, even those whose connection was cut while it
		// was in flight (the server replays what a cut connection may have missed at the next login).
		expect(missingLive, 'messages that never arrived live').toEqual([]);

		// Nothing is left waiting for a login that already happened.
		const db = new Database(path.join(server.dataDir, 'chat-tui.db'), { readonly: true });
		const pending = (db.prepare('SELECT count(*) AS n FROM pending').get() as { n: number }).n;
		db.close();
		expect(pending).toBe(0);
		// What is asserted is correctness, not speed: alone it takes ~12 s, but on a CI machine running the
		// other suites beside it a stalled cut connection can take a heartbeat or two to be found.
	}, 300_000);
});

// ---------------------------------------------------------------------------------------------
// 3. Crash
// ---------------------------------------------------------------------------------------------

const CRASH_TOTAL = 500;
const CRASH_IN_FLIGHT = 5;
const CRASH_KILL_AFTER = 200;
/** Generous limits: this test is about the crash, not the rate limiter. */
const GENEROUS = ['--rate', '1000000', '--burst', '1000000'];

/** Starts the server on a given port, retrying while the port is briefly not free. */
async function serveOnPort(port: number, dataDir: string): Promise<CliServer> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await serve(['--port', String(port), '--data', dataDir, ...GENEROUS]);
		} catch (error) {
			if (attempt >= 20 || !/in use/.test(String(error))) throw error;
			await sleep(100);
		}
	}
}

describe('crash: the server SIGKILLed mid-stream', () => {
	it('keeps every acknowledged message and, after a restart on the same data, stores all 500 once each, in order', async () => {
		const dataDir = tempDir();
		let server = await serve(['--port', '0', '--data', dataDir, ...GENEROUS]);
		const port = server.port;
		const backoff = { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.5 };
		const alice = Object.assign(await pool.connect(server.url, { backoff }), { name: uniqueName('alice') });
		const bob = Object.assign(await pool.connect(server.url, { backoff }), { name: uniqueName('bob') });
		await alice.register(alice.name, PASSWORD);
		await bob.register(bob.name, PASSWORD);
		await befriend(alice, bob);
		const toBob = record(bob, 'message');
		const aliceLogins = record(alice, 'login');
		const bobLogins = record(bob, 'login');

		const plan = Array.from({ length: CRASH_TOTAL }, (_, i) => ({
			cid: `crash-${String(i).padStart(6, '0')}`,
			text: `message ${i} of ${CRASH_TOTAL}`,
		}));
		const acked: string[] = [];
		const resolved = new Map<string, Message>();
		let ackedBeforeKill: string[] = [];
		let killedAt = 0;
		let restartedAt = 0;
		let crash: Promise<void> | undefined;
		const killAndRestart = async () => {
			ackedBeforeKill = [...acked];
			server.child.kill('SIGKILL');
			killedAt = Date.now();
			expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
			await sleep(300); // the clients find nobody there, and back off
			server = await serveOnPort(port, dataDir);
			restartedAt = Date.now();
		};

		const started = Date.now();
		const inFlight = new Set<Promise<void>>();
		for (const { cid, text } of plan) {
			while (inFlight.size >= CRASH_IN_FLIGHT) await Promise.race(inFlight);
			const sent: Promise<void> = alice.send({ user: bob.name }, text, cid).then((message) => {
				expect(resolved.has(cid)).toBe(false);
				resolved.set(cid, message);
				acked.push(cid);
				if (acked.length === CRASH_KILL_AFTER) crash = killAndRestart();
				inFlight.delete(sent);
			});
			inFlight.add(sent);
		}
		await Promise.all(inFlight);
		await crash;
		const firstAckAfterRestart = acked.findIndex((cid) => !ackedBeforeKill.includes(cid));
		log(
			`crash: ${CRASH_TOTAL} sends in ${Date.now() - started} ms; SIGKILL after ${ackedBeforeKill.length} acknowledged, ` +
				`restarted on port ${port} ${restartedAt - killedAt} ms later; alice logged in again ${aliceLogins.length}×, bob ${bobLogins.length}×; ` +
				`${CRASH_TOTAL - ackedBeforeKill.length} acknowledged after the restart (from #${firstAckAfterRestart})`,
		);
		expect(crash).toBeDefined();
		expect(ackedBeforeKill.length).toBeGreaterThanOrEqual(CRASH_KILL_AFTER);
		expect(ackedBeforeKill.length).toBeLessThan(CRASH_TOTAL);
		expect(aliceLogins.length).toBeGreaterThanOrEqual(1);

		// Acknowledged before the kill means stored: all of it is there after the restart.
		const history = await fullHistory(alice, { user: bob.name });
		const stored = new Set(history.map((message) => message.cid));
		expect(ackedBeforeKill.filter((cid) => !stored.has(cid))).toEqual([]);
		// And in the end every message is there exactly once, in the order it was sent.
		expect(history.map((message) => message.cid)).toEqual(plan.map((p) => p.cid));
		expect(history.map((message) => message.text)).toEqual(plan.map((p) => p.text));
		expect(history.map((message) => message.seq)).toEqual(plan.map((_, i) => i + 1));
		// Each send promise settled once, with the stored message.
		expect(plan.map((p) => resolved.get(p.cid)?.id)).toEqual(history.map((message) => message.id));
		expect((await fullHistory(bob, { user: alice.name })).map((message) => message.id)).toEqual(history.map((m) => m.id));

		// Bob, online throughout but for the crash: never twice, in order; what the kill cut off is in history.
		await until(() => bob.state === 'open', 'bob back online');
		await until(() => toBob.length >= CRASH_TOTAL, 'live delivery to bob', 3000).catch(() => undefined);
		const live = toBob.map((event) => event.message);
		expect(new Set(live.map((message) => message.id)).size).toBe(live.length);
		expect(live.map((message) => message.seq)).toEqual([...live.map((message) => message.seq)].sort((a, b) => a - b));
		const seen = new Set(live.map((message) => message.cid));
		const missed = history.filter((message) => !seen.has(message.cid));
		log(
			`crash: bob got ${live.length} of ${CRASH_TOTAL} live` +
				(missed.length === 0
					? ''
					: `; FINDING: missed ${missed.map((m) => `${m.cid} (stored ${killedAt - Date.parse(m.ts)} ms before the kill)`).join(', ')}, ` +
						'which history has; its resend after the restart was a duplicate, so nothing delivered it again'),
		);
		// Only what the old process had stored but not yet written to bob can be missing live;
		// everything stored by the restarted server reached him, live or replayed at his login.
		expect(missed.filter((message) => Date.parse(message.ts) > killedAt).map((m) => m.cid)).toEqual([]);
		expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
	}, 60_000);
});
