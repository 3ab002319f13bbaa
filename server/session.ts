import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { ServerFrame } from '../source/protocol/index.js';
import { widenSpan, type MissedSpan } from './presence/presence.js';
import { CLOSE } from './settings.js';

/** Bytes given to ws are a text frame's UTF-8 (ws would send a Buffer as binary). */
const AS_TEXT = { binary: false } as const;

/** Who a session is logged in as. */
export interface SessionUser {
	id: number;
	username: string;
}

/**
 * One client connection: who it is logged in as and the frames going out to it.
 * Events can be held back while a login replays stored messages, so that a
 * message sent meanwhile cannot overtake older ones.
 */
export class Session {
	/**
	 * Names the connection on the bus (a delivery's `exceptSession`). From bytes, not randomUUID(), whose string
	 * Node builds from pieces: V8 kept it as a tree of 14 joined strings, about 0.6 KB of every idle connection.
	 */
	readonly id = randomBytes(16).toString('base64url');
	user: SessionUser | undefined;
	/** Hash of the token this session logged in with; `logout` revokes it. */
	tokenHash: string | undefined;
	/** The login session (token) it uses, as the store names it (sessions.list); `id` names the connection. */
	sessionId: string | undefined;
	/** Its login was revoked: it is closing, and no further request of it is handled. */
	revoked = false;
	/** Events held back during a login's replay, each with its message's `ts` if it is one. */
	private held: Array<{ data: Buffer; messageTs: string | undefined }> | undefined;
	/**
	 * The times of the messages handed to this session after its socket
	 * stopped being open (the peer's close frame had come): never written, so
	 * its user may not have them (see Hub.detach).
	 */
	private dropped: MissedSpan | undefined;
	/**
	 * Its instance is draining for a restart: requests arriving from now on
	 * are not handled (the client resends them elsewhere after the 1012 close).
	 */
	draining = false;
	/**
	 * Closed by a drain (1012): the user is moving to another instance, so its
	 * detach does not count them offline (see Hub.restartSessions).
	 */
	moving = false;
	/** Resolves once the requests queued so far are handled (the connection sets it). */
	requestsSettled: () => Promise<void> = () => Promise.resolve();
	/** Cleared at each heartbeat ping, set again by the pong. */
	alive = true;
	/** When the peer last sent anything (a frame or a pong), ms since the epoch. */
	lastHeard = Date.now();

	constructor(
		private readonly socket: WebSocket,
		readonly remoteAddress: string,
		/** A peer that lets more than this pile up unsent is not reading: it is closed rather than buffered. */
		private readonly maxBufferedBytes = Number.POSITIVE_INFINITY,
	) {}

	get isOpen(): boolean {
		return this.socket.readyState === this.socket.OPEN;
	}

	/** Sends a frame; resolves once it is handed to the OS (or at once if the socket is gone). */
	send(frame: ServerFrame): Promise<boolean> {
		return this.write(JSON.stringify(frame));
	}

	/** Writes a serialised frame; resolves once it is handed to the OS (or at once if the socket is gone). */
	private write(data: string): Promise<boolean> {
		if (!this.isOpen) return Promise.resolve(false);
		const sent = new Promise<boolean>((resolve) => {
			this.socket.send(data, (error) => resolve(!error));
		});
		this.checkBacklog();
		return sent;
	}

	/**
	 * Writes an event nobody waits on. It comes as UTF-8 bytes, encoded once
	 * for however many sessions get it, and no per-frame callback is set up.
	 */
	private push(data: Buffer): void {
		if (!this.isOpen) return;
		this.socket.send(data, AS_TEXT);
		this.checkBacklog();
	}

	private checkBacklog(): void {
		if (this.socket.bufferedAmount > this.maxBufferedBytes) {
			this.close(CLOSE.tryAgainLater, 'not reading: too much unsent data');
		}
	}

	/** Sends a heartbeat ping; false (and the socket cut off) when the last one got no pong. */
	ping(): boolean {
		if (!this.alive) {
			this.socket.terminate();
			return false;
		}
		this.alive = false;
		if (this.isOpen) this.socket.ping();
		return true;
	}

	/**
	 * Delivers an event, given as its serialised frame in UTF-8; `messageTs`
	 * is the `ts` of the message it carries, if it is one, so that a message
	 * that can no longer be written is noted as dropped.
	 */
	deliver(data: Buffer, messageTs?: string): void {
		if (this.held) this.held.push({ data, messageTs });
		else this.pushEvent(data, messageTs);
	}

	holdEvents(): void {
		this.held ??= [];
	}

	releaseEvents(): void {
		const held = this.held ?? [];
		this.held = undefined;
		for (const { data, messageTs } of held) this.pushEvent(data, messageTs);
	}

	/** The span of the messages dropped since the socket stopped being open, if any; asked once, when it is detached. */
	takeDropped(): MissedSpan | undefined {
		const dropped = this.dropped;
		this.dropped = undefined;
		return dropped;
	}

	private pushEvent(data: Buffer, messageTs: string | undefined): void {
		if (this.isOpen || messageTs === undefined) {
			this.push(data);
			return;
		}
		// Rare (a closing socket): the time is parsed only here, off the delivery path.
		const at = Date.parse(messageTs);
		this.dropped = widenSpan(this.dropped, { from: at, to: at });
	}

	/**
	 * Its login was revoked: the event goes out at once, ahead of anything
	 * held back (which the client no longer needs), then the close. ws writes
	 * frames already queued before the close frame, so the event arrives first.
	 */
	revoke(data: Buffer): void {
		this.revoked = true;
		this.held = undefined;
		this.push(data);
		this.close(CLOSE.revoked, 'session revoked');
	}

	close(code: number, reason: string): void {
		if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
			this.socket.close(code, reason);
		}
	}
}
