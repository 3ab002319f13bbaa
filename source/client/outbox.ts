import type { Message, RequestInput } from '../protocol/index.js';

type SendFields = RequestInput<'send'>;

interface Entry {
	fields: SendFields;
	promise: Promise<Message>;
	resolve: (message: Message) => void;
	reject: (error: Error) => void;
	/** True while a copy is on the wire of the current connection. */
	inFlight: boolean;
}

/**
 * Sends not yet acknowledged, in the order they were made, keyed by cid.
 * Nothing leaves the outbox until the server has said `ok` (the message is
 * stored) or refused it for good; after a reconnect every entry goes out
 * again with its original cid, which the server deduplicates.
 */
export class Outbox {
	private readonly entries = new Map<string, Entry>();

	get size(): number {
		return this.entries.size;
	}

	/** What is waiting, oldest first (for a UI that shows unsent messages). */
	pending(): SendFields[] {
		return [...this.entries.values()].map((entry) => entry.fields);
	}

	/** Queues a send; the same cid again joins the entry already waiting. */
	add(fields: SendFields): { promise: Promise<Message>; isNew: boolean } {
		const existing = this.entries.get(fields.cid);
		if (existing) return { promise: existing.promise, isNew: false };
		const entry = { fields, inFlight: false } as Entry;
		entry.promise = new Promise<Message>((resolve, reject) => {
			entry.resolve = resolve;
			entry.reject = reject;
		});
		this.entries.set(fields.cid, entry);
		return { promise: entry.promise, isNew: true };
	}

	/** Up to `limit` entries not on the wire, oldest first, marked as in flight. */
	takeUnsent(limit = Number.POSITIVE_INFINITY): SendFields[] {
		const unsent: SendFields[] = [];
		for (const entry of this.entries.values()) {
			if (unsent.length >= limit) break;
			if (entry.inFlight) continue;
			entry.inFlight = true;
			unsent.push(entry.fields);
		}
		return unsent;
	}

	/** The connection dropped: whatever was on the wire must go again. */
	markAllUnsent(): void {
		for (const entry of this.entries.values()) entry.inFlight = false;
	}

	/** Puts one entry back to be sent again (e.g. after RATE_LIMITED). */
	markUnsent(cid: string): void {
		const entry = this.entries.get(cid);
		if (entry) entry.inFlight = false;
	}

	has(cid: string): boolean {
		return this.entries.has(cid);
	}

	acknowledge(cid: string, message: Message): void {
		const entry = this.entries.get(cid);
		if (!entry) return;
		this.entries.delete(cid);
		entry.resolve(message);
	}

	fail(cid: string, error: Error): void {
		const entry = this.entries.get(cid);
		if (!entry) return;
		this.entries.delete(cid);
		entry.reject(error);
	}

	failAll(error: Error): void {
		for (const cid of [...this.entries.keys()]) this.fail(cid, error);
	}
}
