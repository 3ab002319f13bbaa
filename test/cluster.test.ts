/**
 * Cluster mode against real services: `chat-tui serve` instances sharing one
 * PostgreSQL schema and one Redis (bus and presence), and nginx in front for
 * the fail-over test. Each run has its own schema and Redis prefix, removed
 * afterwards. Without PostgreSQL or Redis (or nginx, for the fail-over test)
 * these tests skip with one line saying what is missing; under CI they fail.
 * Needs the build (`npm test` builds first).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile, uploadFile } from '../source/client/files.js';
import type { TransferProgress } from '../source/client/transfer-progress.js';
import { ChatClient, type ClientEvents } from '../source/client/index.js';
import type { Message, Peer } from '../source/protocol/index.js';
import { RedisPresence } from '../server/presence/redis-presence.js';
import { startServer, type RunningServer } from '../server/server.js';
import { Cluster, inCi, missingServices, REDIS_URL, startNginx, type Nginx } from './helpers/cluster.js';
import { fullHistory, PASSWORD, uniqueName, until } from './helpers/clients.js';
import { RawClient } from './helpers/raw-client.js';

// Short presence timings so a killed instance is noticed quickly: its users are
// offline for the others within TTL + check = 2 s of its last heartbeat.
const PRESENCE_TTL_S = 1.5;
const PRESENCE_CHECK_S = 0.5;
/** Scheduling slack on a busy two-core machine, on top of the bound. */
const BOUND_SLACK_MS = 1000;

const allMissing = await missingServices(true);
const missingNginx = allMissing.filter((line) => line.startsWith('nginx'));
const missing = allMissing.filter((line) => !missingNginx.includes(line));
if (!inCi) {
	if (missing.length > 0) console.warn(`cluster tests skipped: missing ${missing.join('; ')}`);
	else if (missingNginx.length > 0) console.warn(`cluster fail-over test skipped: missing ${missingNginx.join('; ')}`);
}

type Named = ChatClient & { name: string };

const clients: ChatClient[] = [];

async function connect(url: string, options: { reconnect?: boolean } = {}): Promise<ChatClient> {
	const client = new ChatClient({ url, backoff: { initialMs: 50, maxMs: 300 }, reconnect: options.reconnect ?? true });
	clients.push(client);
	await client.connect();
	return client;
}

async function registered(url: string, prefix: string): Promise<Named> {
	const client = await connect(url);
	const name = uniqueName(prefix);
	await client.register(name, PASSWORD);
	return Object.assign(client, { name });
}

async function befriend(a: Named, b: Named): Promise<void> {
	await a.request('friends.request', { username: b.name });
	await b.request('friends.accept', { username: a.name });
}

function record<E extends keyof ClientEvents>(client: ChatClient, event: E): Array<ClientEvents[E]> {
	const seen: Array<ClientEvents[E]> = [];
	client.on(event, (payload) => seen.push(payload));
	return seen;
}


async function onlineIn(client: ChatClient, group: string, username: string): Promise<boolean | undefined> {
	const { members } = await client.request('groups.members', { name: group });
	return members.find((member) => member.username === username)?.online;
}

async function waitOnline(client: ChatClient, group: string, username: string, online: boolean): Promise<void> {
	const deadline = Date.now() + 10_000;
	while ((await onlineIn(client, group, username)) !== online) {
		if (Date.now() > deadline) throw new Error(`${username} never turned ${online ? 'online' : 'offline'} for ${client.user?.username}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

function log(line: string): void {
	process.stdout.write(`[cluster] ${line}\n`);
}

const ready = missing.length === 0;

describe.runIf(inCi && missing.length > 0)('cluster services', () => {
	it('are there (CI must not skip the cluster tests)', () => {
		throw new Error(`the cluster tests need: ${missing.join('; ')}`);
	});
});

describe.runIf(ready)('cluster: instances sharing PostgreSQL and Redis', () => {
	const cluster = new Cluster({ presenceTtl: PRESENCE_TTL_S, presenceCheck: PRESENCE_CHECK_S });
	beforeAll(async () => {
		await cluster.prepare();
	});
	afterEach(async () => {
		await Promise.all(clients.splice(0).map((client) => client.close()));
		await Promise.all(cluster.instances.splice(0).map((instance) => instance.stop('SIGTERM')));
	});
	afterAll(async () => {
		await cluster.cleanup();
		expect(await cluster.redisKeys()).toEqual([]);
	});

	it('carries direct and group messages between instances once and in order; history and offline delivery as on one server', async () => {
		const started = Date.now();
		const [a, b, c] = await Promise.all([cluster.start('a'), cluster.start('b'), cluster.start('c')]);
		const alice = await registered(a.url, 'alice');
		const bob = await registered(b.url, 'bob');
		const carol = await registered(c.url, 'carol');
		await befriend(alice, bob);
		const group = uniqueName('crew');
		await alice.request('groups.create', { visibility: 'public', name: group });
		await bob.request('groups.join', { name: group });
		await carol.request('groups.join', { name: group });
		const toAlice = record(alice, 'message');
		const toBob = record(bob, 'message');
		const toCarol = record(carol, 'message');

		// Direct messages both ways, pipelined: each side sees the other's in the order sent, once.
		const count = 25;
		const sent = await Promise.all([
			...Array.from({ length: count }, (_, i) => alice.send({ user: bob.name }, `a→b ${i}`)),
			...Array.from({ length: count }, (_, i) => bob.send({ user: alice.name }, `b→a ${i}`)),
		]);
		// Group messages from all three instances.
		const groupSent = await Promise.all([
			...Array.from({ length: 10 }, (_, i) => alice.send({ group }, `alice in group ${i}`)),
			...Array.from({ length: 10 }, (_, i) => bob.send({ group }, `bob in group ${i}`)),
			...Array.from({ length: 10 }, (_, i) => carol.send({ group }, `carol in group ${i}`)),
		]);
		await until(() => toBob.length === count + 20 && toAlice.length === count + 20 && toCarol.length === 20, 'deliveries', 10_000);
		await new Promise((resolve) => setTimeout(resolve, 300)); // anything extra would show up now

		const texts = (events: Array<{ message: Message }>, from: string, to: 'user' | 'group') =>
			events.filter((e) => e.message.from === from && to in e.message.to).map((e) => e.message.text);
		expect(texts(toBob, alice.name, 'user')).toEqual(Array.from({ length: count }, (_, i) => `a→b ${i}`));
		expect(texts(toAlice, bob.name, 'user')).toEqual(Array.from({ length: count }, (_, i) => `b→a ${i}`));
		const members = [
			{ client: alice, label: 'alice', events: toAlice },
			{ client: bob, label: 'bob', events: toBob },
			{ client: carol, label: 'carol', events: toCarol },
		];
		for (const { client: who, events } of members) {
			for (const { client: sender, label } of members) {
				if (sender === who) continue;
				const expected = Array.from({ length: 10 }, (_, i) => `${label} in group ${i}`);
				expect(texts(events, sender.name, 'group')).toEqual(expected);
			}
			const ids = events.map((e) => e.message.id);
			expect(new Set(ids).size).toBe(ids.length);
		}

		// History is the same from every instance: every message once, in seq order.
		const direct = await fullHistory(alice, { user: bob.name });
		expect(direct.map((m) => m.cid).sort()).toEqual(sent.map((m) => m.cid).sort());
		expect(direct.map((m) => m.seq)).toEqual(Array.from({ length: 2 * count }, (_, i) => i + 1));
		expect(await fullHistory(bob, { user: alice.name })).toEqual(direct);
		const groupHistory = await fullHistory(carol, { group });
		expect(groupHistory.map((m) => m.cid).sort()).toEqual(groupSent.map((m) => m.cid).sort());
		expect(await fullHistory(alice, { group })).toEqual(groupHistory);

		// Offline delivery: carol leaves (instance c); once alice's instance sees her offline,
		// messages wait for her and come at her next login, on another instance, in order, once.
		const token = carol.token!;
		await carol.close();
		await waitOnline(alice, group, carol.name, false);
		await waitOnline(bob, group, carol.name, false);
		const whileAway = [
			await alice.send({ group }, 'while you were away 1'),
			await bob.send({ group }, 'while you were away 2'),
			await alice.send({ group }, 'while you were away 3'),
		];
		const back = await connect(b.url);
		const replayed = record(back, 'message');
		await back.login({ token });
		await until(() => replayed.length >= 3, 'the replay');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(replayed.map((e) => e.message.id)).toEqual(whileAway.map((m) => m.id));
		await waitOnline(alice, group, carol.name, true);
		log(`messages across three instances: ${Date.now() - started} ms`);
	});

	// files
	it('a kick on one instance stops delivery to the kicked user on another at once; their history there is FORBIDDEN', async () => {
		const [a, b] = await Promise.all([cluster.start('a'), cluster.start('b')]);
		const alice = await registered(a.url, 'alice');
		const bob = await registered(b.url, 'bob');
		const carol = await registered(b.url, 'carol');
		const group = uniqueName('private');
		await alice.request('groups.create', { name: group });
		for (const member of [bob, carol]) {
			await alice.request('groups.invite', { name: group, username: member.name });
			await member.request('groups.join', { name: group });
		}
		const toBob = record(bob, 'message');
		const toCarol = record(carol, 'message');
		const bobUpdates = record(bob, 'group.update');
		await alice.send({ group }, 'before');
		await until(() => toBob.length === 1 && toCarol.length === 1, 'the message before the kick', 5000);

		await alice.request('groups.kick', { name: group, username: bob.name });
		await until(() => bobUpdates.some((update) => update.event === 'kicked'), 'bob told of the kick', 5000);
		await alice.send({ group }, 'after');
		await until(() => toCarol.length === 2, 'carol gets the message after the kick', 5000);
		await new Promise((resolve) => setTimeout(resolve, 300)); // a copy for bob would show up now
		expect(toBob.map((event) => event.message.text)).toEqual(['before']);
		await expect(bob.request('history', { with: { group } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
	});

	it('sends a 20 MiB file uploaded through one instance and downloaded through another, checksum equal', async () => {
		const [a, b] = await Promise.all([cluster.start('a'), cluster.start('b')]);
		const alice = await registered(a.url, 'alice');
		const bob = await registered(b.url, 'bob');
		await befriend(alice, bob);
		const toBob = record(bob, 'message');
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-cluster-files-'));
		try {
			const bytes = randomBytes(20 * 1024 * 1024);
			const source = path.join(dir, 'twenty.bin');
			writeFileSync(source, bytes);
			const uploadProgress: TransferProgress[] = [];
			const message = await uploadFile(alice, { to: { user: bob.name }, path: source, onProgress: (p) => uploadProgress.push(p) });
			const sha256 = createHash('sha256').update(bytes).digest('hex');
			expect(message.file).toMatchObject({ name: 'twenty.bin', size: bytes.length, sha256 });
			await until(() => toBob.length === 1, 'the file message on the other instance', 10_000);
			expect(toBob[0]!.message).toEqual(message);
			const into = mkdtempSync(path.join(dir, 'into-'));
			const downloadProgress: TransferProgress[] = [];
			const saved = await downloadFile(bob, toBob[0]!.message.file!, { dir: into, onProgress: (p) => downloadProgress.push(p) });
			expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(sha256);
			for (const progress of [uploadProgress, downloadProgress]) {
				expect(progress.at(-1)).toMatchObject({ done: bytes.length, total: bytes.length });
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('shows presence across instances, and a SIGKILLed instance’s users offline within the bound; what they missed comes at their next login', async () => {
		const [a, b, c] = await Promise.all([cluster.start('a'), cluster.start('b'), cluster.start('c')]);
		const alice = await registered(a.url, 'alice');
		const bob = await registered(b.url, 'bob');
		await befriend(alice, bob);
		const presence = record(alice, 'presence');
		expect((await alice.request('friends.list', {})).friends).toEqual([{ username: bob.name, alias: null, online: true }]);

		// A clean logout on b, a login on c: alice (on a) hears both.
		const token = bob.token!;
		await bob.close();
		await until(() => presence.some((p) => p.username === bob.name && !p.online), 'bob offline');
		const bobOnC = await connect(c.url, { reconnect: false });
		await bobOnC.login({ token });
		await until(() => presence.filter((p) => p.online).length === 1, 'bob online again');
		expect(presence).toEqual([
			{ username: bob.name, online: false },
			{ username: bob.name, online: true },
		]);
		expect((await alice.request('users.find', { query: bob.name })).users).toEqual([{ username: bob.name, online: true }]);

		// c dies without a word. bob is offline for alice within TTL + check.
		const killedAt = Date.now();
		await c.stop('SIGKILL');
		// Sent while a still counts bob online (nothing is queued for him); he must get it all the same.
		const duringWindow = await alice.send({ user: bob.name }, 'sent while c was dead but not yet noticed');
		await until(() => presence.length === 3, 'bob offline after the kill', cluster.offlineBoundMs + 5000);
		const offlineAfter = Date.now() - killedAt;
		log(`SIGKILLed instance: its user offline for the others after ${offlineAfter} ms (bound ${cluster.offlineBoundMs} ms)`);
		expect(presence[2]).toEqual({ username: bob.name, online: false });
		expect(offlineAfter).toBeLessThanOrEqual(cluster.offlineBoundMs + BOUND_SLACK_MS);
		expect((await alice.request('friends.list', {})).friends).toEqual([{ username: bob.name, alias: null, online: false }]);
		expect(a.output() + b.output()).toMatch(/instance c-\S+ stopped without leaving/);

		// Now he is offline: this one is queued as usual.
		const afterward = await alice.send({ user: bob.name }, 'sent after bob was seen offline');
		const bobAgain = await connect(b.url);
		const got = record(bobAgain, 'message');
		await bobAgain.login({ token });
		await until(() => got.length >= 2, 'bob’s replay');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(got.map((e) => e.message.id).sort()).toEqual([duringWindow.id, afterward.id].sort());
		await until(() => presence.length === 4, 'bob online once more');
		expect(presence[3]).toEqual({ username: bob.name, online: true });

		// A clean shutdown (SIGTERM) drains: bob is moving, not gone, for one presence TTL (a stand-in holds his
		// count so a quick reconnect elsewhere shows no offline); he does not come back, so he turns offline once,
		// within the same bound as a reaped instance, and the instance left the cluster rather than being reaped.
		const stoppingAt = Date.now();
		expect(await b.stop('SIGTERM')).toEqual({ code: 0, signal: null });
		await until(() => presence.length === 5, 'bob offline after the shutdown');
		expect(presence[4]).toEqual({ username: bob.name, online: false });
		const afterShutdown = Date.now() - stoppingAt;
		log(`SIGTERMed instance: its user offline for the others after ${afterShutdown} ms`);
		expect(afterShutdown).toBeLessThanOrEqual(cluster.offlineBoundMs + BOUND_SLACK_MS);
		expect(a.output()).not.toMatch(/instance b-\S+ stopped without leaving/);
	});

	it('a password change on one instance revokes the user\'s session on another: session.revoked, then 4001, within 1 s', async () => {
		const common = cluster.inProcessOptions();
		const servers: RunningServer[] = [];
		const raws: RawClient[] = [];
		try {
			servers.push(await startServer({ ...common, instanceId: `revoke-a-${cluster.run}` }));
			servers.push(await startServer({ ...common, instanceId: `revoke-b-${cluster.run}` }));
			const [a, b] = servers as [RunningServer, RunningServer];
			const name = uniqueName('rev');
			const onA = await RawClient.connect(a.url);
			const onB = await RawClient.connect(b.url);
			raws.push(onA, onB);
			await onA.ok('register', { username: name, password: PASSWORD });
			const phone = await onB.ok('login', { username: name, password: PASSWORD, device: 'phone' });
			// Instance A sees B's connection as online, through the store.
			const listed = (await onA.ok('sessions.list')).sessions as Array<{ device: string; online: boolean }>;
			expect(listed.find((session) => session.device === 'phone')?.online).toBe(true);

			const since = Date.now();
			await onA.ok('account.password', { current: PASSWORD, password: 'a brand new password' });
			const closed = await onB.waitClosed();
			expect(closed.code).toBe(4001);
			expect(Date.now() - since).toBeLessThan(1000);
			expect(onB.frames.at(-1)).toEqual({ type: 'session.revoked' });
			expect(onA.closed).toBeUndefined();
			// The revoked token no longer logs in on either instance.
			for (const server of servers) {
				const client = await RawClient.connect(server.url);
				raws.push(client);
				expect((await client.request('login', { token: phone.token })).code).toBe('UNAUTHENTICATED');
			}
		} finally {
			for (const client of raws) client.close();
			await Promise.all(servers.map((server) => server.close()));
		}
	});

	it('a message stored by an instance that still saw the recipient online, just after they left elsewhere, comes at their next login', async () => {
		// Two in-process instances; a's view of who is online is frozen ("everyone"), as it
		// would be for the moment before a presence change reaches it.
		let frozen = false;
		const presence = await RedisPresence.connect({
			url: REDIS_URL,
			prefix: cluster.prefix,
			instanceId: `stale-${cluster.run}`,
			ttlMs: PRESENCE_TTL_S * 1000,
			checkMs: PRESENCE_CHECK_S * 1000,
		});
		const realIsOnline = presence.isOnline.bind(presence);
		presence.isOnline = (userId) => frozen || realIsOnline(userId);
		const common = cluster.inProcessOptions();
		const servers: RunningServer[] = [];
		try {
			servers.push(await startServer({ ...common, presence }));
			servers.push(await startServer({ ...common, instanceId: `fresh-${cluster.run}` }));
			const [a, b] = servers as [RunningServer, RunningServer];
			const alice = await registered(a.url, 'alice');
			const bob = await registered(b.url, 'bob');
			await befriend(alice, bob);
			const presenceEvents = record(alice, 'presence');

			frozen = true;
			const token = bob.token!;
			await bob.close();
			await until(() => presenceEvents.length === 1, 'bob offline');
			const unqueued = await alice.send({ user: bob.name }, 'a still thinks you are online');
			await new Promise((resolve) => setTimeout(resolve, 200));
			frozen = false;

			const back = await connect(a.url);
			const got = record(back, 'message');
			await back.login({ token });
			await until(() => got.length >= 1, 'the missed message');
			expect(got.map((e) => e.message.id)).toEqual([unqueued.id]);
		} finally {
			await Promise.all(clients.splice(0).map((client) => client.close()));
			await Promise.all(servers.map((server) => server.close()));
		}
	});

	it('a message for a user whose last session here is leaving, published before their instance has counted them off, comes at their next login', async () => {
		// Two in-process instances; on b, counting bob's session off is held until the message
		// below has been delivered there: a still counts him online, so nothing is queued for him.
		const presence = await RedisPresence.connect({
			url: REDIS_URL,
			prefix: cluster.prefix,
			instanceId: `leaving-${cluster.run}`,
			ttlMs: PRESENCE_TTL_S * 1000,
			checkMs: PRESENCE_CHECK_S * 1000,
		});
		let release: () => void = () => undefined;
		const held = new Promise<void>((resolve) => (release = resolve));
		let closing: () => void = () => undefined;
		const closingStarted = new Promise<void>((resolve) => (closing = resolve));
		const realClosed = presence.closed.bind(presence);
		presence.closed = async (user) => {
			closing();
			await held;
			return realClosed(user);
		};
		const common = cluster.inProcessOptions();
		const servers: RunningServer[] = [];
		try {
			servers.push(await startServer({ ...common, instanceId: `sender-${cluster.run}` }));
			servers.push(await startServer({ ...common, presence }));
			const [a, b] = servers as [RunningServer, RunningServer];
			const alice = await registered(a.url, 'alice');
			const bob = await registered(b.url, 'bob');
			await befriend(alice, bob);

			const token = bob.token!;
			await bob.close();
			await closingStarted;
			const unqueued = await alice.send({ user: bob.name }, 'sent while your instance was counting you off');
			await new Promise((resolve) => setTimeout(resolve, 200)); // b has had the delivery, with no session for bob
			release();
			await until(async () => (await alice.request('friends.list', {})).friends[0]?.online === false, 'bob offline for alice');

			const back = await connect(a.url);
			const got = record(back, 'message');
			await back.login({ token });
			await until(() => got.length >= 1, 'the message sent while bob was leaving', 3000);
			expect(got.map((e) => e.message.id)).toEqual([unqueued.id]);
		} finally {
			release();
			await Promise.all(clients.splice(0).map((client) => client.close()));
			await Promise.all(servers.map((server) => server.close()));
		}
	});
});

describe.runIf(ready && (missingNginx.length === 0 || inCi))('cluster: fail-over behind nginx', () => {
	const cluster = new Cluster({ presenceTtl: PRESENCE_TTL_S, presenceCheck: PRESENCE_CHECK_S });
	let nginx: Nginx | undefined;
	afterAll(async () => {
		await Promise.all(clients.splice(0).map((client) => client.close()));
		await nginx?.stop();
		await cluster.cleanup();
		expect(await cluster.redisKeys()).toEqual([]);
	});

	it('keeps every message, exactly once, while an instance is SIGKILLed under its clients', async () => {
		if (missingNginx.length > 0) throw new Error(`the fail-over test needs: ${missingNginx.join('; ')}`);
		const started = Date.now();
		await cluster.prepare();
		const instances = await Promise.all(['x', 'y', 'z'].map((name) => cluster.start(name)));
		nginx = await startNginx(cluster.tempDir(), instances.map((instance) => instance.port));

		// Six users through nginx (round robin: two per instance), friends in a ring, all in one group.
		const users: Named[] = [];
		for (let i = 0; i < 6; i++) users.push(await registered(nginx.url, `fo${i}`));
		for (let i = 0; i < users.length; i++) await befriend(users[i]!, users[(i + 1) % users.length]!);
		const group = uniqueName('failover');
		await users[0]!.request('groups.create', { visibility: 'public', name: group });
		for (const user of users.slice(1)) await user.request('groups.join', { name: group });
		const received = users.map((user) => record(user, 'message'));
		const reconnects = users.map((user) => record(user, 'login'));

		// Everyone keeps sending (a direct message to the next user, then one to the group) ...
		const perUser = 40;
		const sends: Array<Promise<Message>> = [];
		const traffic = users.map(async (user, i) => {
			const next = users[(i + 1) % users.length]!;
			for (let k = 0; k < perUser; k++) {
				const to: Peer = k % 2 === 0 ? { user: next.name } : { group };
				sends.push(user.send(to, `${user.name} #${k}`));
				await new Promise((resolve) => setTimeout(resolve, 25));
			}
		});
		// ... while one instance is killed a third of the way in.
		await new Promise((resolve) => setTimeout(resolve, (perUser * 25) / 3));
		const killedAt = Date.now();
		await instances[1]!.stop('SIGKILL');
		await Promise.all(traffic);
		const stored = await Promise.all(sends);
		log(`fail-over: ${stored.length} messages acknowledged ${Date.now() - killedAt} ms after the kill`);

		// Some clients were on the victim, and came back through nginx.
		const reconnected = reconnects.filter((logins) => logins.length > 0).length;
		expect(reconnected).toBeGreaterThan(0);
		// Messages meant for them in the moments after the kill go out again once the victim is reaped.
		await new Promise((resolve) => setTimeout(resolve, cluster.offlineBoundMs + 1000));

		// History: every message stored exactly once.
		const byCid = new Map<string, number>();
		for (let i = 0; i < users.length; i++) {
			const history = await fullHistory(users[i]!, { user: users[(i + 1) % users.length]!.name });
			for (const message of history) byCid.set(message.cid, (byCid.get(message.cid) ?? 0) + 1);
		}
		for (const message of await fullHistory(users[0]!, { group })) byCid.set(message.cid, (byCid.get(message.cid) ?? 0) + 1);
		expect(stored.length).toBe(users.length * perUser);
		expect(stored.map((m) => byCid.get(m.cid))).toEqual(stored.map(() => 1));
		expect(byCid.size).toBe(stored.length);

		// Live: every user got every message meant for them, once (by id), none lost.
		for (let i = 0; i < users.length; i++) {
			const me = users[i]!.name;
			const previous = users[(i + users.length - 1) % users.length]!.name;
			const meant = stored.filter((m) => m.from !== me && ('group' in m.to || (m.from === previous && m.to.user === me)));
			await until(
				() => meant.every((m) => received[i]!.some((e) => e.message.id === m.id)),
				`${me} to receive all ${meant.length} messages`,
			).catch(() => undefined);
			const ids = received[i]!.map((e) => e.message.id);
			const fromOthers = received[i]!.filter((e) => e.message.from !== me).map((e) => e.message.id);
			expect(new Set(ids).size, `${me}: no message twice`).toBe(ids.length);
			expect(
				meant.filter((m) => !fromOthers.includes(m.id)).map((m) => m.text),
				`${me}: messages never received`,
			).toEqual([]);
			expect(fromOthers.length).toBe(meant.length);
		}

		// Everyone is online again, as seen from every surviving instance.
		for (const user of users) {
			const { friends } = await user.request('friends.list', {});
			expect(friends.every((friend) => friend.online)).toBe(true);
		}
		log(`fail-over: ${reconnected} client(s) reconnected through nginx; test took ${Date.now() - started} ms`);
	});
});
