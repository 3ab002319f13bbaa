import type { EventFrame, Message } from '../source/protocol/index.js';
import type { Bus, Delivery } from './bus/bus.js';
import { participationsOf, recipientsAmong } from './conversations/access.js';
import { audienceOf } from './ignore-filter.js';
import { silentLogger, type Logger } from './logger.js';
import { LocalPresence } from './presence/local-presence.js';
import { widenSpan, type LostSessions, type MissedSpan, type Presence } from './presence/presence.js';
import { messagesSince } from './recovery.js';
import { replayMissed } from './replay.js';
import type { Session, SessionUser } from './session.js';
import { CLOSE } from './settings.js';
import type { AppendResult, NewMessage, Store } from './store/store.js';

export interface HubOptions {
	/** Who is online; LocalPresence (this process only) unless the server runs in a cluster. */
	presence?: Presence;
	/**
	 * When an instance dies, messages stored from this long before its last
	 * heartbeat on go out again to everyone in the conversations of its users
	 * (clients drop the copies they already have, by message id).
	 */
	lostSlackMs?: number;
	logger?: Logger;
}

/**
 * Messages written to a connection up to this long before the peer was last
 * heard from may still have been in flight when it was cut.
 */
const CUT_SLACK_MS = 5_000;

/** What a revoked connection is sent before it is closed with 4001. */
const SESSION_REVOKED: EventFrame = { type: 'session.revoked' };

/** How long after a user's last session ends here a message for them, not queued, counts as missed. */
const DEPARTED_GRACE_MS = 10_000;

/**
 * Who is connected, and getting events to them. Every event goes out through
 * the bus, so the same code serves one server and a cluster; each instance
 * hands a delivery to the sessions it holds. Whether a user is online is the
 * presence's to say: in a cluster a user is online while any of their
 * sessions on any instance is.
 */
export class Hub {
	private readonly sessionsByUser = new Map<number, Set<Session>>();
	private readonly anonymous = new Set<Session>();
	/**
	 * Connections whose socket has closed, until their detach settles, with
	 * the user each was logged in as (one cut during its login learns it at attach).
	 */
	private readonly closed = new Map<Session, { userId: number | undefined; detached: Promise<void> }>();
	/** Of those, the ones of each user. */
	private readonly closedByUser = new Map<number, Set<Session>>();
	/**
	 * Per logged-in connection, the detaches its replay waits for: those of
	 * its user's connections that had already closed when it logged in.
	 */
	private readonly predecessors = new WeakMap<Session, Array<Promise<void>>>();
	/** Connections that have taken what their user may have missed (their login's replay has begun). */
	private readonly tookMissed = new WeakSet<Session>();
	/** Users whose last session anywhere ended here lately, and when (ms). */
	private readonly departed = new Map<number, number>();
	/** Users whose last session here has ended, while presence counts it off (how many such closes are in flight). */
	private readonly leaving = new Map<number, number>();
	/** Per user, the appends in flight that were queued for them (see storeMessage). */
	private readonly queuingByUser = new Map<number, Set<Promise<unknown>>>();
	readonly presence: Presence;
	private readonly lostSlackMs: number;
	private readonly logger: Logger;

	constructor(
		private readonly store: Store,
		private readonly bus: Bus,
		options: HubOptions = {},
	) {
		this.presence = options.presence ?? new LocalPresence();
		this.lostSlackMs = options.lostSlackMs ?? 5000;
		this.logger = options.logger ?? silentLogger;
		bus.subscribe((delivery) => this.deliverLocally(delivery));
		this.presence.onLost((lost) => this.recover(lost));
	}

	/** Every open session, logged in or not (for server notices). */
	*sessions(): Iterable<Session> {
		yield* this.anonymous;
		for (const sessions of this.sessionsByUser.values()) yield* sessions;
	}

	connected(session: Session): void {
		this.anonymous.add(session);
	}

	/** True while the user has a session anywhere (on any instance of a cluster). */
	isOnline(userId: number): boolean {
		return this.presence.isOnline(userId);
	}

	publish(userIds: Iterable<number>, event: EventFrame, exceptSession?: Session, queued?: number[]): Promise<void> {
		return this.bus.publish({ userIds: [...new Set(userIds)], event, exceptSession: exceptSession?.id, queued });
	}

	/** Marks the session as logged in; the user's first session anywhere tells their contacts they are online. */
	async attach(session: Session, user: SessionUser): Promise<void> {
		// Before anything is awaited: the connections closed by now are the ones this login replaces.
		this.predecessors.set(session, this.closedOf(user.id));
		const closed = this.closed.get(session);
		if (closed) this.indexClosed(session, (closed.userId = user.id));
		session.user = user;
		this.anonymous.delete(session);
		let sessions = this.sessionsByUser.get(user.id);
		if (!sessions) {
			sessions = new Set();
			this.sessionsByUser.set(user.id, sessions);
		}
		sessions.add(session);
		// Deliveries are routed here once this resolves, before the login's reply and replay. What was routed
		// earlier was stored earlier: queued for the user if they were offline, or marked missed if no session
		// of theirs got it, and this login's replay reads it (see RedisBus).
		await this.bus.join(user.id);
		await this.countSession(session, 1);
		if (await this.presence.opened(user)) await this.announce(user, true);
		// Online from here on; appends that counted the user offline before are waited for (see storeMessage).
		await this.queuedSettled(user.id);
	}

	/**
	 * Stores a new message and hands it to the sender's other sessions and the
	 * recipients. The hub decides who is offline and the store records it:
	 * those get the message at their next login. A login or a logout racing
	 * the send must not leave the message both delivered and queued, nor
	 * neither, so the decision is ordered against attach and detach:
	 * - counted offline (queued): until the append commits, it is in flight
	 *   for the user, and an attach of theirs, once it has made them online,
	 *   waits for it; the login's replay then reads the committed message
	 *   (a live copy too, if any, reaches only the held session and the client
	 *   drops it by id). Appends decided after they are online do not queue.
	 * - counted online (not queued): if their last session ended before the
	 *   message reached it, they are offline once it is published, and are
	 *   marked as having missed it (their next login replays it).
	 */
	async storeMessage(message: Omit<NewMessage, 'pendingFor'>, recipients: number[], sender: Session): Promise<AppendResult> {
		const pendingFor = recipients.filter((id) => !this.isOnline(id));
		const appended = this.store.appendMessage({ ...message, pendingFor });
		this.trackQueuing(pendingFor, appended);
		const result = await appended;
		if (result.duplicate) return result;
		const queued = new Set(result.queuedFor);
		const ts = Date.parse(result.message.ts);
		await this.bus.publish({
			userIds: [...new Set([...recipients, message.senderId])],
			event: { type: 'message', message: result.message },
			exceptSession: sender.id,
			queued: result.queuedFor,
			// Counted online but reached by no session (they were moving between instances): their next login replays it.
			missedIfUnreached: { userIds: recipients.filter((id) => !queued.has(id)), at: ts },
		});
		for (const id of recipients) {
			if (!queued.has(id) && !this.isOnline(id)) await this.noteMissed(id, { from: ts, to: ts }, 'could not note a missed message');
		}
		return result;
	}

	/** Remembers an append queued for these users until it settles (attach waits for it). */
	private trackQueuing(userIds: number[], append: Promise<unknown>): void {
		if (userIds.length === 0) return;
		const settled = append.then(
			() => undefined,
			() => undefined,
		);
		for (const userId of userIds) {
			let pending = this.queuingByUser.get(userId);
			if (!pending) this.queuingByUser.set(userId, (pending = new Set()));
			pending.add(settled);
		}
		void settled.then(() => {
			for (const userId of userIds) {
				const pending = this.queuingByUser.get(userId);
				pending?.delete(settled);
				if (pending?.size === 0) this.queuingByUser.delete(userId);
			}
		});
	}

	/** Resolves once every append queued for the user so far has committed (or failed). */
	private async queuedSettled(userId: number): Promise<void> {
		const pending = this.queuingByUser.get(userId);
		if (pending) await Promise.all([...pending]);
	}

	/** Notes that the user may have missed messages in the span; bookkeeping, so a failure is only logged. */
	private noteMissed(userId: number, span: MissedSpan, failure: string): Promise<void> {
		return this.presence.markMissed(userId, span).catch((error: unknown) => this.logger.error(failure, error));
	}

	/**
	 * Keeps the store's count of live connections per login session (for
	 * sessions.list on any instance). Bookkeeping only: a failure is logged,
	 * never fails a login or a close.
	 */
	private async countSession(session: Session, change: 1 | -1): Promise<void> {
		const { sessionId } = session;
		if (sessionId === undefined) return;
		if (change < 0) session.sessionId = undefined;
		await this.store
			.sessionConnected(sessionId, change, new Date().toISOString())
			.catch((error: unknown) => this.logger.error('could not count a session connection', error));
	}

	/** The login sessions the user has a connection to on this instance. */
	localSessionIds(userId: number): Set<string> {
		const ids = new Set<string>();
		for (const session of this.sessionsByUser.get(userId) ?? []) if (session.sessionId) ids.add(session.sessionId);
		return ids;
	}

	/** Every login session with a connection on this instance (to mark them seen). */
	allLocalSessionIds(): string[] {
		const ids: string[] = [];
		for (const sessions of this.sessionsByUser.values()) for (const session of sessions) if (session.sessionId) ids.push(session.sessionId);
		return ids;
	}

	/**
	 * Ends the live connections of these login sessions of the user, on
	 * whichever instance holds them: each gets `session.revoked`, then a
	 * close with 4001. Their tokens must already be gone from the store.
	 */
	revokeSessions(userId: number, sessionIds: string[]): Promise<void> {
		if (sessionIds.length === 0) return Promise.resolve();
		return this.bus.publish({ userIds: [userId], event: SESSION_REVOKED, revokeSessions: sessionIds });
	}

	/**
	 * Logs the session out (or forgets a closed one); the user's last session
	 * anywhere tells contacts they are offline. A connection that was `cut`
	 * (no closing handshake) may have lost messages written to it shortly
	 * before, and a cleanly closed one those handed to it after its peer said
	 * goodbye: the user's next login replays them (the client drops copies it has).
	 */
	async detach(session: Session, closed: boolean, cut = false): Promise<void> {
		const user = session.user;
		session.user = undefined;
		if (closed) this.anonymous.delete(session);
		else this.anonymous.add(session);
		if (!user) return;
		const sessions = this.sessionsByUser.get(user.id);
		if (!sessions?.has(session)) return;
		// Unrouted before the session goes: a delivery counted as reached here always had a session to reach.
		const left = this.bus.leave(user.id);
		sessions.delete(session);
		const last = sessions.size === 0;
		if (last) {
			this.sessionsByUser.delete(user.id);
			this.leaving.set(user.id, (this.leaving.get(user.id) ?? 0) + 1);
		}
		try {
			await left;
			// Noted once nothing more is handed to it: all it may have missed is stored by then.
			const missed = this.missedBy(session, cut);
			if (missed) await this.noteMissedBy(user.id, session, missed);
			// Moving (closed by a drain): still counted here, so contacts see no offline while they reconnect elsewhere.
			if (!session.moving && (await this.presence.closed(user))) {
				this.noteDeparture(user.id);
				await this.announce(user, false);
			}
		} finally {
			if (last) this.notLeaving(user.id);
			// Bookkeeping after presence: contacts hear of the departure without waiting on a store write.
			await this.countSession(session, -1);
		}
	}

	/**
	 * What a closed connection may not have got: a cut one, what was written
	 * to it lately (it may not have arrived); a cleanly closed one, the
	 * messages handed to it after its peer's close frame had come (ws writes
	 * nothing more then, while the hub still counts the user reached here).
	 */
	private missedBy(session: Session, cut: boolean): MissedSpan | undefined {
		const dropped = session.takeDropped();
		return cut ? widenSpan(dropped, { from: session.lastHeard - CUT_SLACK_MS, to: Date.now() }) : dropped;
	}

	/**
	 * The user's next login replays what the closed connection may have
	 * missed. A login replacing it may have replayed already (on another
	 * instance, which does not wait for this detach): it is asked to again.
	 */
	private async noteMissedBy(userId: number, session: Session, span: MissedSpan): Promise<void> {
		await this.noteMissed(userId, span, 'could not note messages a closed connection may have missed');
		if (session.sessionId === undefined) return;
		await this.bus
			.publish({ userIds: [userId], replayMissed: [session.sessionId] })
			.catch((error: unknown) => this.logger.error('could not ask for a replay of what a closed connection missed', error));
	}

	/**
	 * Drains this instance for a restart (cluster mode): each session
	 * finishes the requests it has queued and takes no more (until
	 * `deadline`, ms since the epoch; then it is closed anyway), then is
	 * closed with 1012 so its client reconnects at once, through the proxy, to
	 * another instance. The user is moving, not leaving:
	 * - Presence: the detach does not count the session down, so the user
	 *   stays online for everyone; when this instance leaves, the presence
	 *   hands the counts still here to a short-lived stand-in
	 *   (RedisPresence.close with `moving`), and whoever reaps it when its
	 *   TTL runs out announces offline only the users who did not come back.
	 * - Messages: between the close frame and the login elsewhere, deliveries
	 *   for the user reach no session, and none is queued for them (they
	 *   count online). Before the close that span is marked missed, up to
	 *   `comeBackWithinMs` from now (by when they are back or the stand-in is
	 *   reaped, which marks the rest): the login elsewhere replays it, and
	 *   the client drops the copies it has, by id.
	 */
	async restartSessions(deadline: number, comeBackWithinMs: number): Promise<void> {
		await Promise.all([...this.sessions()].map((session) => this.restartSession(session, deadline, comeBackWithinMs)));
	}

	private async restartSession(session: Session, deadline: number, comeBackWithinMs: number): Promise<void> {
		session.draining = true;
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
		await Promise.race([session.requestsSettled(), late]);
		clearTimeout(timer);
		const user = session.user;
		session.moving = true;
		if (user) {
			const now = Date.now();
			const span = { from: now - CUT_SLACK_MS, to: now + comeBackWithinMs + CUT_SLACK_MS };
			await this.noteMissed(user.id, span, 'could not note what a moving user may miss');
		}
		session.close(CLOSE.serviceRestart, 'service restart');
	}

	/** Resolves once every closed socket's detach has run (a shutdown waits for them before leaving the cluster). */
	async detachesSettled(): Promise<void> {
		await Promise.allSettled([...this.closed.values()].map(({ detached }) => detached));
	}

	/**
	 * A connection whose socket closed, until `detached` settles. Its requests
	 * still queued (sends waiting for their commit) finish first, and only
	 * its detach marks what a cut connection may have missed.
	 */
	closing(session: Session, detached: Promise<void>): void {
		const closed = { userId: session.user?.id, detached };
		this.closed.set(session, closed);
		if (closed.userId !== undefined) this.indexClosed(session, closed.userId);
		void detached.finally(() => {
			this.closed.delete(session);
			const ofUser = closed.userId === undefined ? undefined : this.closedByUser.get(closed.userId);
			ofUser?.delete(session);
			if (ofUser?.size === 0) this.closedByUser.delete(closed.userId!);
		});
	}

	private indexClosed(session: Session, userId: number): void {
		let ofUser = this.closedByUser.get(userId);
		if (!ofUser) this.closedByUser.set(userId, (ofUser = new Set()));
		ofUser.add(session);
	}

	/** The detaches still to come of the user's closed connections. */
	private closedOf(userId: number): Array<Promise<void>> {
		return [...(this.closedByUser.get(userId) ?? [])].map((session) => this.closed.get(session)!.detached);
	}

	/**
	 * When the user may have missed messages (a cut connection, or an instance
	 * that died under them); asked once per login. Waits first for the
	 * detaches of the connections that had closed when this one logged in, so
	 * a quick reconnect also gets what the connection it replaces missed.
	 * Only those: a connection's detach comes after its own login's replay,
	 * so waiting for its own, or for one that closed after it logged in
	 * (whose replay may in turn be waiting for this one's detach), would wait forever.
	 */
	async takeMissed(session: Session, userId: number): Promise<MissedSpan | undefined> {
		const before = this.predecessors.get(session) ?? [];
		this.predecessors.delete(session);
		this.tookMissed.add(session);
		await Promise.allSettled(before);
		return this.presence.takeMissed(userId);
	}

	private async announce(user: SessionUser, online: boolean): Promise<void> {
		const contacts = await audienceOf(this.store, user.id, await this.store.contactsOf(user.id));
		// A newer change (the user came back, or left again) has its own announcement.
		if (contacts.length === 0 || this.presence.isOnline(user.id) !== online) return;
		await this.publish(contacts, { type: 'presence', username: user.username, online });
	}

	/**
	 * Sessions ended without a goodbye (their instance died): contacts of users
	 * now offline everywhere hear so, and every message stored since shortly
	 * before the instance's last heartbeat goes out again to its conversation,
	 * since the dead instance may have stored it without publishing it, or
	 * been handed it for a session it could no longer reach. Users now offline
	 * get those messages at their next login.
	 */
	private async recover(lost: LostSessions): Promise<void> {
		for (const user of lost.users) {
			if (user.offline) await this.announce(user, false).catch((error) => this.logger.error('presence announcement failed', error));
		}
		if (lost.graceful) return;
		// Users moving off a drained instance: its work was finished before it left, so nothing is sent again.
		const resend = !lost.moved;
		await this.bus.forget(lost.instanceId).catch((error: unknown) => this.logger.error('could not drop a lost instance\'s routes', error));
		const since = lost.lastSeen - this.lostSlackMs;
		// From now on they count as offline, so new messages are queued for them.
		const span = { from: since, to: Date.now() + this.lostSlackMs };
		const seen = new Set<string>();
		const senderIds = new Map<string, number | undefined>();
		let republished = 0;
		for (const user of lost.users) {
			if (user.offline) await this.presence.markMissed(user.id, span);
			if (!resend) continue;
			for (const conversation of await participationsOf(this.store, user.id)) {
				if (seen.has(conversation.key)) continue;
				seen.add(conversation.key);
				for (const message of await messagesSince(this.store, user.id, conversation, since)) {
					await this.publish(await this.audienceOfMessage(message, conversation.participants, senderIds), {
						type: 'message',
						message,
					});
					republished++;
				}
			}
		}
		if (!resend) {
			const gone = lost.users.filter((user) => user.offline).length;
			this.logger.info(`${lost.users.length} user(s) moved off a drained instance; ${gone} did not come back and are offline`);
			return;
		}
		this.logger.warn(
			`instance ${lost.instanceId} was lost with ${lost.users.length} user(s) online; ` +
				`${republished} message(s) since ${new Date(since).toISOString()} sent again`,
		);
	}

	/** Of the participants, those who do not ignore the message's sender; sender ids are looked up once per recovery. */
	private async audienceOfMessage(message: Message, participants: number[], senderIds: Map<string, number | undefined>): Promise<number[]> {
		if (!senderIds.has(message.from)) senderIds.set(message.from, (await this.store.userByName(message.from))?.id);
		const senderId = senderIds.get(message.from);
		return senderId === undefined ? participants : recipientsAmong(this.store, senderId, participants);
	}

	/** Only the named sessions get the event (and are closed); the user's other sessions hear nothing. */
	private revokeLocally(userIds: number[], sessionIds: string[], event: EventFrame): void {
		const data = Buffer.from(JSON.stringify(event));
		const revoked = new Set(sessionIds);
		for (const userId of userIds) {
			for (const session of this.sessionsByUser.get(userId) ?? []) {
				if (session.sessionId !== undefined && revoked.has(session.sessionId)) session.revoke(data);
			}
		}
	}

	private notLeaving(userId: number): void {
		const count = (this.leaving.get(userId) ?? 1) - 1;
		if (count > 0) this.leaving.set(userId, count);
		else this.leaving.delete(userId);
	}

	private noteDeparture(userId: number): void {
		const now = Date.now();
		this.departed.delete(userId);
		this.departed.set(userId, now);
		for (const [id, at] of this.departed) {
			if (now - at <= DEPARTED_GRACE_MS) break;
			this.departed.delete(id);
		}
	}

	/** Open connections of these login sessions that have taken their missed span take the new one (see ReplayRequest). */
	private replayLocally(userIds: number[], sessionIds: string[]): void {
		const asked = new Set(sessionIds);
		for (const userId of userIds) {
			for (const session of this.sessionsByUser.get(userId) ?? []) {
				if (session.sessionId === undefined || !asked.has(session.sessionId)) continue;
				if (!this.tookMissed.has(session) || this.closed.has(session)) continue;
				void replayMissed(this.store, this, session, userId).catch((error: unknown) =>
					this.logger.error('could not replay what a cut connection missed', error),
				);
			}
		}
	}

	/** Hands the delivery to this instance's sessions; returns the users who have one here. */
	private deliverLocally(delivery: Delivery): number[] {
		const reached: number[] = [];
		if ('replayMissed' in delivery) {
			this.replayLocally(delivery.userIds, delivery.replayMissed);
			return reached;
		}
		if (delivery.revokeSessions) {
			this.revokeLocally(delivery.userIds, delivery.revokeSessions, delivery.event);
			return reached;
		}
		const { event } = delivery;
		let data: Buffer | undefined; // serialised and encoded once, for however many sessions get it
		const messageTs = event.type === 'message' ? event.message.ts : undefined;
		for (const userId of delivery.userIds) {
			const sessions = this.sessionsByUser.get(userId);
			if (sessions) reached.push(userId);
			for (const session of sessions ?? []) {
				if (session.id !== delivery.exceptSession) session.deliver((data ??= Buffer.from(JSON.stringify(event))), messageTs);
			}
			// In a cluster another instance may have stored this message while it still
			// saw the user online, just after their last session ended here: it was
			// neither delivered nor queued. Their next login picks it up. While presence
			// is still counting that session off, whether it was their last anywhere is
			// not known yet: the mark is made anyway (at worst a copy they have comes again).
			if (!sessions && messageTs !== undefined && delivery.queued && !delivery.queued.includes(userId)) {
				const departedAt = this.departed.get(userId);
				const departed = departedAt !== undefined && Date.now() - departedAt <= DEPARTED_GRACE_MS && !this.presence.isOnline(userId);
				if (departed || this.leaving.has(userId)) {
					const at = Date.parse(messageTs);
					void this.noteMissed(userId, { from: at, to: at }, 'could not note a missed message');
				}
			}
		}
		return reached;
	}
}
