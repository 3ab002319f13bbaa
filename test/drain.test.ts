/**
 * A drain for a restart on one process (what SIGTERM does to a cluster
 * instance; test/cluster-rolling.test.ts does it to real ones behind nginx):
 * the client is closed with 1012, reconnects at once rather than after a
 * backoff, and whatever it had sent is stored once, in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RESTART_CLOSE_CODE, RESTART_JITTER_MS, type StateChange } from '../source/client/index.js';
import type { Message } from '../source/protocol/index.js';
import { befriend, ClientPool, fullHistory, PASSWORD, record, uniqueName, until } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const pool = new ClientPool();
let test: TestServer | undefined;

afterEach(async () => {
	await pool.closeAll();
	await test?.stop();
	test = undefined;
});

describe('a drain for a restart', () => {
	it('closes with 1012 after a notice; the client comes back at once (no backoff) and every send is stored once, in order', async () => {
		test = await startTestServer();
		// The default backoff, which would wait 250-500 ms before the first attempt.
		const alice = Object.assign(await pool.connect(test.url, { backoff: undefined }), { name: uniqueName('drain') });
		await alice.register(alice.name, PASSWORD);
		const bob = await pool.registered(test.url, 'drainb');
		await befriend(alice, bob);
		const notices = record(alice, 'notice');
		const states: Array<StateChange & { at: number }> = [];
		alice.on('state', (change) => states.push({ ...change, at: Date.now() }));
		const logins = record(alice, 'login');
		const bobLogins = record(bob, 'login');

		// Sends on the wire (16 at a time) and queued in the client when the drain starts.
		const sends: Array<Promise<Message>> = [];
		for (let k = 0; k < 40; k++) sends.push(alice.send({ user: bob.name }, `#${k}`));
		await test.halt({ restart: true });
		await test.resume();
		await until(() => logins.length > 0 && bobLogins.length > 0, 'alice and bob to log in again');
		const stored = await Promise.all(sends);

		const move = states.find((change) => change.state === 'reconnecting' && change.reason);
		expect(move?.reason).toBe(`service restart (${RESTART_CLOSE_CODE})`);
		expect(move!.retryAt! - move!.at).toBeLessThanOrEqual(RESTART_JITTER_MS);
		expect(notices.map((notice) => notice.text)).toEqual(['This server is restarting; reconnecting you.']);
		const history = await fullHistory(bob, { user: alice.name });
		expect(history.map((message) => message.text)).toEqual(stored.map((_, k) => `#${k}`));
		expect(history.map((message) => message.id)).toEqual(stored.map((message) => message.id));
	});
});
