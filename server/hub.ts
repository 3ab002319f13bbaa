import type { EventFrame } from '../source/protocol/index.js';
import type { Bus, Delivery } from './bus/bus.js';
import type { Session, SessionUser } from './session.js';
import type { Store } from './store/store.js';

/**
 * Who is connected, and getting events to them. Every event goes out through
 * the bus, so the same code serves one server and a cluster; each instance
 * hands a delivery to the sessions it holds.
 */
export class Hub {
	private readonly sessionsByUser = new Map<number, Set<Session>>();
	private readonly anonymous = new Set<Session>();

	constructor(
		private readonly store: Store,
		private readonly bus: Bus,
	) {
		bus.subscribe((delivery) => this.deliverLocally(delivery));
	}

	/** Every open session, logged in or not (for server notices). */
	*sessions(): Iterable<Session> {
		yield* this.anonymous;
		for (const sessions of this.sessionsByUser.values()) yield* sessions;
	}

	connected(session: Session): void {
		this.anonymous.add(session);
	}

	isOnline(userId: number): boolean {
		return this.sessionsByUser.has(userId);
	}

	publish(userIds: Iterable<number>, event: EventFrame, exceptSession?: Session): Promise<void> {
		return this.bus.publish({ userIds: [...new Set(userIds)], event, exceptSession: exceptSession?.id });
	}

	/** Marks the session as logged in; the user's first session tells their contacts they are online. */
	async attach(session: Session, user: SessionUser): Promise<void> {
		session.user = user;
		this.anonymous.delete(session);
		let sessions = this.sessionsByUser.get(user.id);
		const first = !sessions;
		if (!sessions) {
			sessions = new Set();
			this.sessionsByUser.set(user.id, sessions);
		}
		sessions.add(session);
		if (first) await this.announce(user, true);
	}

	/** Logs the session out (or forgets a closed one); the user's last session tells contacts they are offline. */
	async detach(session: Session, closed: boolean): Promise<void> {
		const user = session.user;
		session.user = undefined;
		if (closed) this.anonymous.delete(session);
		else this.anonymous.add(session);
		if (!user) return;
		const sessions = this.sessionsByUser.get(user.id);
		if (!sessions?.delete(session) || sessions.size > 0) return;
		this.sessionsByUser.delete(user.id);
		await this.announce(user, false);
	}

	private async announce(user: SessionUser, online: boolean): Promise<void> {
		const contacts = await this.store.contactsOf(user.id);
		if (contacts.length > 0) await this.publish(contacts, { type: 'presence', username: user.username, online });
	}

	private deliverLocally(delivery: Delivery): void {
		for (const userId of delivery.userIds) {
			for (const session of this.sessionsByUser.get(userId) ?? []) {
				if (session.id !== delivery.exceptSession) session.deliver(delivery.event);
			}
		}
	}
}
