import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from './rate-limit.js';

export interface HttpAdmissionLimits {
	/** Requests per second per address, and the burst allowed (the WebSocket's request rate). */
	perSecond: number;
	burst: number;
	/** Requests under way at once per address (the WebSocket's connection cap per address). */
	concurrent: number;
}

/** Past this many addresses, those idle for IDLE_MS are forgotten (their buckets are full again anyway). */
const PRUNE_AT = 1_000;
const IDLE_MS = 60_000;

interface AddressState {
	bucket: TokenBucket;
	inFlight: number;
	lastSeen: number;
}

/**
 * Whether an HTTP request (a file upload or download) may start: per address,
 * a token bucket for the rate and a count of requests under way, so one peer
 * cannot flood the server with requests (each costs a token lookup) or hold
 * every socket. Returns why not, or undefined and counts the request until
 * its response closes.
 */
export function createHttpAdmission(limits: HttpAdmissionLimits): (address: string, request: IncomingMessage, response: ServerResponse) => string | undefined {
	const byAddress = new Map<string, AddressState>();
	const prune = (now: number) => {
		for (const [address, state] of byAddress) {
			if (state.inFlight === 0 && now - state.lastSeen > IDLE_MS) byAddress.delete(address);
		}
	};
	return (address, _request, response) => {
		const now = Date.now();
		if (byAddress.size > PRUNE_AT) prune(now);
		let state = byAddress.get(address);
		if (!state) byAddress.set(address, (state = { bucket: new TokenBucket(limits.perSecond, limits.burst), inFlight: 0, lastSeen: now }));
		state.lastSeen = now;
		if (state.inFlight >= limits.concurrent) return 'too many transfers from your address at once';
		if (!state.bucket.take()) return 'too many requests; slow down';
		state.inFlight++;
		const current = state;
		response.once('close', () => {
			current.inFlight--;
			current.lastSeen = Date.now();
		});
		return undefined;
	};
}
