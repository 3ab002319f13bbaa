import type { SessionUser } from '../session.js';
import { widenSpan, type LostSessions, type MissedSpan, type Presence } from './presence.js';

/** Presence for a single server: session counts in this process. */
export class LocalPresence implements Presence {
	private readonly counts = new Map<number, number>();
	private readonly missed = new Map<number, MissedSpan>();

	async start(): Promise<void> {}

	async opened(user: SessionUser): Promise<boolean> {
		const count = (this.counts.get(user.id) ?? 0) + 1;
		this.counts.set(user.id, count);
		return count === 1;
	}

	async closed(user: SessionUser): Promise<boolean> {
		const count = this.counts.get(user.id);
		if (count === undefined) return false;
		if (count > 1) {
			this.counts.set(user.id, count - 1);
			return false;
		}
		this.counts.delete(user.id);
		return true;
	}

	isOnline(userId: number): boolean {
		return this.counts.has(userId);
	}

	/** A single server's sessions end with the process: there is no one left to tell. */
	onLost(_handler: (lost: LostSessions) => Promise<void>): void {}

	async markMissed(userId: number, span: MissedSpan): Promise<void> {
		this.missed.set(userId, widenSpan(this.missed.get(userId), span));
	}

	async takeMissed(userId: number): Promise<MissedSpan | undefined> {
		const span = this.missed.get(userId);
		this.missed.delete(userId);
		return span;
	}

	/** One process: whoever moves comes back to a new one, which counts afresh. */
	async close(_options?: { moving?: boolean }): Promise<void> {
		this.counts.clear();
	}
}
