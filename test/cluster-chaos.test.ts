/**
 * Chaos in a cluster (issue 14 item 1): six clients of three `chat-tui serve`
 * instances (one PostgreSQL schema, one Redis prefix, both the run's own)
 * exchange direct and group messages across the instances, through a proxy
 * that hands each connection to the next instance in turn (so a reconnect
 * lands on another instance) and cuts connections at random, with FIN or RST.
 * Every message is stored once and shown once, live or replayed at the next
 * login, in each sender's order; presence settles right. Modelled on the
 * single-server chaos test in robustness.test.ts.
 * Needs the build (`npm test` builds first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ChatClient } from '../source/client/index.js';
import type { Message, Peer } from '../source/protocol/index.js';
import { befriend, ClientPool, fullHistory, PASSWORD, record, sleep, uniqueName, until } from './helpers/clients.js';
import { Cluster, inCi, missingServices } from './helpers/cluster.js';
import { conversationOf, planSends, seeded, sendThroughChaos, type Planned } from './helpers/chaos.js';
import { FlakyProxy } from './helpers/flaky-proxy.js';

const missing = await missingServices(false);
if (!inCi && missing.length > 0) console.warn(`cluster chaos test skipped: missing ${missing.join('; ')}`);

const CHAOS_SEED = 0x14c1;
const USERS = 6;
const PER_CLIENT = 150;
const IN_FLIGHT = 8;

type Named = ChatClient & { name: string };




/** Whether `user` is a recipient (not the sender) of a message; everyone is in the group. */
function isFor(user: string, planned: Planned): boolean {
	return planned.from !== user && ('group' in planned.to || planned.to.user === user);
}

function log(line: string): void {
	process.stdout.write(`[cluster chaos] ${line}\n`);
}

/** Whom the client sees online among its friends (friends.list, as its instance says). */
async function onlineFriends(client: ChatClient): Promise<string[]> {
	const { friends } = await client.request('friends.list', {});
	return friends
		.filter((friend) => friend.online)
		.map((friend) => friend.username)
		.sort();
}

describe.runIf(inCi && missing.length > 0)('cluster services (chaos)', () => {
	it('are there (CI must not skip the cluster tests)', () => {
		throw new Error(`the cluster tests need: ${missing.join('; ')}`);
	});
});

describe.runIf(missing.length === 0)('cluster chaos: connections cut at random across three instances', () => {
	// Pings every 2 s: a connection the proxy left half-open is found quickly. No instance dies here:
	// the default presence timings, so that a busy machine never gets one taken for dead.
	const cluster = new Cluster({ presenceTtl: 15, presenceCheck: 5, heartbeat: 2 });
	const pool = new ClientPool();
	let proxy: FlakyProxy | undefined;
	afterAll(async () => {
		await pool.closeAll();
		await proxy?.close();
		await cluster.cleanup();
		expect(await cluster.redisKeys()).toEqual([]);
	});

	it(`delivers ${USERS * PER_CLIENT} DMs and group messages among six clients: each stored once, shown once, in each sender's order; presence settles`, async () => {
		await cluster.prepare();
		const instances = await Promise.all(['a', 'b', 'c'].map((name) => cluster.start(name)));
		proxy = await FlakyProxy.start(instances.map((instance) => instance.url));
		const random = seeded(CHAOS_SEED);

		const clients: Named[] = [];
		for (let i = 0; i < USERS; i++) {
			const client = Object.assign(await pool.connect(proxy.url, { backoff: { initialMs: 10, maxMs: 150, factor: 2, jitter: 0.5 } }), {
				name: uniqueName(`ch${i}`),
			});
			await client.register(client.name, PASSWORD);
			clients.push(client);
		}
		for (const [i, one] of clients.entries()) for (const other of clients.slice(i + 1)) await befriend(one, other);
		const group = uniqueName('chaos');
		await clients[0]!.request('groups.create', { visibility: 'public', name: group });
		for (const client of clients.slice(1)) await client.request('groups.join', { name: group });
		const names = clients.map((client) => client.name);

		const live = clients.map((client) => record(client, 'message'));
		const logins = clients.map((client) => record(client, 'login'));

		// The plan: each client sends to another user or (one time in three) to the group.
		const plans = planSends(names, PER_CLIENT, group, random);
		const byCid = new Map(plans.flat().map((planned) => [planned.cid, planned]));

		const started = Date.now();
		const { acked, cutsAllAtOnce, sendMs } = await sendThroughChaos(clients, plans, proxy, random, { min: 20, spread: 40, quietMs: 300 }, IN_FLIGHT);
		log(
			`${USERS * PER_CLIENT} messages sent in ${sendMs} ms through ${proxy.connections} proxied connections; ` +
				`${proxy.cuts} cut (${cutsAllAtOnce} times all at once); logins after the first: ${logins.map((l) => l.length).join('/')}`,
		);

		// Every send was acknowledged once, as the message the client asked for.
		for (const [i, client] of clients.entries()) {
			expect(acked[i]!.size).toBe(PER_CLIENT);
			for (const [cid, message] of acked[i]!) expect(message).toMatchObject({ cid, from: client.name, text: byCid.get(cid)!.text });
		}

		// Everyone back on; what a cut connection may have missed comes at its next login.
		await until(() => clients.every((client) => client.state === 'open'), 'every client back online', 10_000);
		const missingFor = (i: number) => {
			const received = new Set(live[i]!.map((event) => event.message.cid));
			return plans.flat().filter((planned) => isFor(names[i]!, planned) && !received.has(planned.cid));
		};
		await until(() => clients.every((_, i) => missingFor(i).length === 0), 'every message shown', 10_000).catch(() => undefined);
		await sleep(300); // anything shown twice would arrive now

		// Shown: never twice, only what was meant for the client, and (placed by seq, as the UI
		// places a replayed message) in each sender's order.
		const neverShown: string[] = [];
		for (const [i, client] of clients.entries()) {
			const events = live[i]!.map((event) => event.message);
			const ids = [...events, ...acked[i]!.values()].map((message) => message.id);
			expect(new Set(ids).size, `${client.name}: a message shown twice`).toBe(ids.length);
			const lastIndex = new Map<string, { index: number; seq: number }>();
			for (const message of [...events].sort((x, y) => x.seq - y.seq)) {
				const planned = byCid.get(message.cid);
				expect(planned, `${client.name} got a message nobody sent: ${message.cid}`).toBeDefined();
				expect(message).toMatchObject({ from: planned!.from, text: planned!.text });
				if (planned!.from === client.name) continue; // its own, echoed to a session the server had not yet dropped
				expect(isFor(client.name, planned!), `${client.name} got ${message.cid}`).toBe(true);
				const key = `${planned!.from}|${conversationOf(planned!.from, planned!.to)}`;
				const last = lastIndex.get(key);
				if (last) {
					expect(planned!.index, `${client.name}: ${key} out of order`).toBeGreaterThan(last.index);
					expect(message.seq).toBeGreaterThan(last.seq);
				}
				lastIndex.set(key, { index: planned!.index, seq: message.seq });
			}
			neverShown.push(...missingFor(i).map((planned) => `${client.name}<-${planned.cid}`));
		}
		if (neverShown.length > 0) for (const instance of instances) console.log(`${instance.id}:\n${instance.output()}`);
		expect(neverShown, 'messages never shown, live or replayed').toEqual([]);

		// History: every cid exactly once, in its conversation, in its sender's order; the same from every side.
		const conversations = new Map<string, Planned[]>();
		for (const planned of plans.flat()) {
			const key = conversationOf(planned.from, planned.to);
			conversations.set(key, [...(conversations.get(key) ?? []), planned]);
		}
		const histories = new Map<string, string[]>();
		for (const client of clients) {
			const peers: Peer[] = [{ group }, ...names.filter((name) => name !== client.name).map((name): Peer => ({ user: name }))];
			for (const peer of peers) {
				const key = conversationOf(client.name, peer);
				const messages = await fullHistory(client, peer);
				const cids = messages.map((message) => message.cid);
				expect(new Set(cids).size, `${key}: a cid stored twice`).toBe(cids.length);
				expect(messages.map((message) => message.seq)).toEqual(messages.map((_, i) => i + 1));
				const planned = conversations.get(key) ?? [];
				expect(new Set(cids)).toEqual(new Set(planned.map((entry) => entry.cid)));
				for (const sender of names) {
					expect(
						messages.filter((message) => message.from === sender).map((message) => message.cid),
						`${key}: ${sender}'s order`,
					).toEqual(planned.filter((entry) => entry.from === sender).map((entry) => entry.cid));
				}
				if (histories.has(key)) expect(cids, `${key} differs between its sides`).toEqual(histories.get(key));
				histories.set(key, cids);
			}
		}
		expect([...histories.values()].reduce((sum, cids) => sum + cids.length, 0)).toBe(USERS * PER_CLIENT);

		// Left queued after every login: seen once in several runs here, not yet explained (likely a
		// message queued on one instance while the recipient's login on another was replaying, which
		// reached that login live; the next login would send it again, and the client drops it by id).
		// Said, not asserted, until it is understood.
		const db = new pg.Client({ connectionString: cluster.databaseUrl });
		await db.connect();
		try {
			const { rows } = await db.query<{ username: string; cid: string }>(
				'SELECT u.username, m.cid FROM pending p JOIN users u ON u.id = p.user_id JOIN messages m ON m.id = p.message_id',
			);
			if (rows.length > 0) log(`FINDING: ${rows.length} message(s) left queued after every login: ${rows.map((row) => `${row.username}<-${row.cid}`).join(', ')}`);
		} finally {
			await db.end();
		}

		// Presence settles: everyone online for everyone, whichever instance answers; then half
		// of them leave, and the rest see exactly those offline.
		for (const client of clients) {
			const others = names.filter((name) => name !== client.name).sort();
			await until(async () => (await onlineFriends(client)).join() === others.join(), `${client.name} to see every friend online`).catch(() => undefined);
			expect(await onlineFriends(client), `${client.name} sees online`).toEqual(others);
		}
		const leaving = clients.slice(0, USERS / 2);
		const staying = clients.slice(USERS / 2);
		await Promise.all(leaving.map((client) => client.close()));
		for (const client of staying) {
			const expected = staying.filter((other) => other !== client).map((other) => other.name).sort();
			await until(async () => (await onlineFriends(client)).join() === expected.join(), `${client.name} to see who left offline`).catch(() => undefined);
			expect(await onlineFriends(client), `${client.name} sees online after half left`).toEqual(expected);
		}
		log(`test took ${Date.now() - started} ms from the first send`);
	}, 120_000);
});
