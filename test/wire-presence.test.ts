/**
 * Presence on the wire: who is told when a user comes and goes, with one or
 * more sessions.
 * Raw JSON frames over a plain `ws` socket (RawClient), never our ChatClient.
 */
import { describe, expect, it } from 'vitest';
import type { Frame, RawClient } from './helpers/raw-client.js';
import { PASSWORD, sleep, uniqueName, until, useServer, type WireFriend, wireHelpers, type WireUser } from './helpers/wire.js';

describe('presence', () => {
	const server = useServer();
	const { connect, user, befriend } = wireHelpers(server);

	const presenceOf = (client: RawClient, username: string) =>
		client.events('presence').filter((event) => event.username === username).map((event) => event.online);

	it('two friends logging in at the same moment each end up seeing the other online', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		alice.client.close();
		bob.client.close();
		await Promise.all([alice.client.waitClosed(), bob.client.waitClosed()]);
		for (let round = 0; round < 15; round++) {
			const [a, b] = await Promise.all([connect(), connect()]);
			// Password logins (as a person types them), alternating with token logins.
			const as = (who: WireUser) => (round % 2 ? { token: who.token } : { username: who.name, password: PASSWORD });
			const [aliceLogin, bobLogin] = await Promise.all([a.ok('login', as(alice)), b.ok('login', as(bob))]);
			await sleep(30);
			const sees = (login: Frame, client: RawClient, other: string) => {
				const events = presenceOf(client, other);
				if (events.length > 0) return events.at(-1);
				return (login.friends as WireFriend[]).find((friend) => friend.username === other)?.online;
			};
			expect(sees(aliceLogin, a, bob.name), `round ${round}: alice sees bob`).toBe(true);
			expect(sees(bobLogin, b, alice.name), `round ${round}: bob sees alice`).toBe(true);
			a.close();
			b.close();
			await Promise.all([a.waitClosed(), b.waitClosed()]);
			await sleep(20);
		}
	});

	it('tells a friend when the user logs in and when the last session closes', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		await sleep(100);
		expect(presenceOf(alice.client, bob.name)).toEqual([]);

		bob.client.close();
		const offline = await alice.client.event('presence', (frame) => frame.username === bob.name);
		expect(offline).toMatchObject({ type: 'presence', username: bob.name, online: false });

		const again = await connect();
		await again.ok('login', { username: bob.name, password: PASSWORD });
		await until(() => presenceOf(alice.client, bob.name).length >= 2, 'presence online');
		expect(presenceOf(alice.client, bob.name)).toEqual([false, true]);

		// Logging out also ends the last session.
		await again.ok('logout');
		await until(() => presenceOf(alice.client, bob.name).length >= 3, 'presence offline after logout');
		expect(presenceOf(alice.client, bob.name)).toEqual([false, true, false]);
	});

	it('tells members of a shared group', async () => {
		const alice = await user();
		const bob = await user();
		const group = uniqueName('Pres');
		await alice.client.ok('groups.create', { visibility: 'public', name: group });
		await bob.client.ok('groups.join', { name: group });
		bob.client.close();
		const event = await alice.client.event('presence', (frame) => frame.username === bob.name);
		expect(event).toMatchObject({ username: bob.name, online: false });
		const again = await connect();
		await again.ok('login', { token: bob.token });
		await until(() => presenceOf(alice.client, bob.name).length >= 2, 'presence online');
		expect(presenceOf(alice.client, bob.name)).toEqual([false, true]);
	});

	it('two sessions: one online event on the first, one offline event when the second closes', async () => {
		const alice = await user();
		const bob = await user();
		await befriend(alice, bob);
		bob.client.close();
		await until(() => presenceOf(alice.client, bob.name).length >= 1, 'bob offline');
		await sleep(200);
		const baseline = presenceOf(alice.client, bob.name).length;
		expect(baseline).toBe(1);
		const count = () => presenceOf(alice.client, bob.name).slice(baseline);

		const phone = await connect();
		await phone.ok('login', { token: bob.token });
		await until(() => count().length >= 1, 'online');
		const laptop = await connect();
		await laptop.ok('login', { token: bob.token });
		await sleep(200);
		expect(count()).toEqual([true]);

		phone.close();
		await phone.waitClosed();
		await sleep(200);
		expect(count()).toEqual([true]);

		laptop.close();
		await until(() => count().length >= 2, 'offline');
		await sleep(200);
		expect(count()).toEqual([true, false]);
	});
});
