import { EVENT_TYPES, type EventFrame } from '../protocol/index.js';
import type { ChatClient } from './chat-client.js';

/**
 * Keeps a client's server events from the moment it is made until they are
 * taken. The TUI makes one before it logs in: the events a login sets off
 * (stored messages replayed, friends' presence) arrive right after the reply,
 * before the chat screen exists to listen, and would otherwise be lost.
 */
export class EventBuffer {
	private events: EventFrame[] | undefined = [];
	private readonly offs: Array<() => void>;

	constructor(client: ChatClient) {
		this.offs = EVENT_TYPES.map((type) =>
			client.on(type, (payload) => this.events?.push({ type, ...payload } as EventFrame)),
		);
	}

	/** The events so far, oldest first; from now on the buffer keeps nothing. */
	take(): EventFrame[] {
		const taken = this.events ?? [];
		this.stop();
		return taken;
	}

	stop(): void {
		this.events = undefined;
		for (const off of this.offs.splice(0)) off();
	}
}
