import { expect } from 'vitest';
import type { ChatClient } from '../../source/client/index.js';
import type { Message, Peer } from '../../source/protocol/index.js';
import type { FlakyProxy } from './flaky-proxy.js';
import { sleep } from './wait.js';

/**
 * What the chaos tests share (one server, and a cluster): a seeded plan of
 * sends, and the run that sends it while a proxy cuts connections at random.
 */

/** A small seeded PRNG (mulberry32), so a run's choices can be replayed. */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface Planned {
	from: string;
	to: Peer;
	text: string;
	cid: string;
	/** Position in the sender's own sequence of sends. */
	index: number;
}

/** The conversation a message is in, named the same from both sides. */
export function conversationOf(from: string, to: Peer): string {
	return 'group' in to ? `group:${to.group}` : `dm:${[from, to.user].sort().join('+')}`;
}

/** Each sender's `count` sends, to another of `names` or (one time in three) to the group, chosen by `random`. */
export function planSends(names: string[], count: number, group: string, random: () => number): Planned[][] {
	return names.map((name) => {
		const others = names.filter((other) => other !== name);
		return Array.from({ length: count }, (_, index): Planned => {
			const pick = Math.floor(random() * others.length * 1.5);
			const to: Peer = pick >= others.length ? { group } : { user: others[pick]! };
			return {
				from: name,
				to,
				text: `${name} #${index} to ${'group' in to ? to.group : to.user}`,
				cid: `${name}-${String(index).padStart(6, '0')}`,
				index,
			};
		});
	});
}

/** How often the proxy cuts: after `min` to `min + spread` acknowledged sends, or `quietMs` without a cut. */
export interface CutPace {
	min: number;
	spread: number;
	quietMs: number;
}

export interface ChaosRun {
	/** Per client, its acknowledged messages by cid (each acknowledged once). */
	acked: Array<Map<string, Message>>;
	cutsAllAtOnce: number;
	sendMs: number;
}

/**
 * Sends every plan, each client keeping `inFlight` sends open (the outbox
 * carries them across the cuts), while the proxy cuts one connection with
 * FIN or RST at the pace given, and one time in ten all of them at once. The
 * cuts follow progress, so every run sees about as many whatever the machine.
 */
export async function sendThroughChaos(
	clients: ChatClient[],
	plans: Planned[][],
	proxy: FlakyProxy,
	random: () => number,
	pace: CutPace,
	inFlight: number,
): Promise<ChaosRun> {
	let sending = true;
	let acknowledged = 0;
	const started = Date.now();
	const chaos = (async () => {
		let allAtOnce = 0;
		let nextCut = pace.min + random() * pace.spread;
		let lastCut = Date.now();
		while (sending) {
			await sleep(5);
			if (!sending || (acknowledged < nextCut && Date.now() - lastCut < pace.quietMs)) continue;
			if (random() < 0.1) {
				proxy.cutAll(random() < 0.5);
				allAtOnce++;
			} else proxy.cutRandom(random);
			nextCut = acknowledged + pace.min + random() * pace.spread;
			lastCut = Date.now();
		}
		return allAtOnce;
	})();
	const acked = clients.map(() => new Map<string, Message>());
	await Promise.all(
		clients.map(async (client, i) => {
			const open = new Set<Promise<void>>();
			for (const planned of plans[i]!) {
				while (open.size >= inFlight) await Promise.race(open);
				const sent: Promise<void> = client.send(planned.to, planned.text, planned.cid).then((message) => {
					expect(acked[i]!.has(planned.cid)).toBe(false);
					acked[i]!.set(planned.cid, message);
					acknowledged++;
					open.delete(sent);
				});
				open.add(sent);
			}
			await Promise.all(open);
		}),
	);
	sending = false;
	const cutsAllAtOnce = await chaos;
	return { acked, cutsAllAtOnce, sendMs: Date.now() - started };
}
