import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import WebSocket from 'ws';
import {
	isEventFrame,
	MAX_DEVICE_CHARS,
	ProtocolError,
	resultFields,
	ServerFrame,
	type EventFrame,
	type EventOf,
	type EventType,
	type Message,
	type Op,
	type Peer,
	type RequestInput,
	type ResultOf,
	type User,
	type WelcomeFrame,
} from '../protocol/index.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { Outbox } from './outbox.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
	state: ConnectionState;
	/** While reconnecting: when the next attempt starts (ms since the epoch). */
	retryAt?: number;
	/** Why the last connection ended, when it did. */
	reason?: string;
}

/** Everything a ChatClient tells its listeners: the protocol's events plus its own. */
export type ClientEvents = { [T in EventType]: EventOf<T> } & {
	state: StateChange;
	welcome: WelcomeFrame;
	/** A login (first or after a reconnect) succeeded. */
	login: ResultOf<'login'> | ResultOf<'register'>;
	/** Logging back in by token after a reconnect failed: the user must log in again. */
	'auth-lost': ProtocolError;
	/**
	 * The server logged this session out (`session.revoked`, or a close with
	 * REVOKED_CLOSE_CODE): another device revoked it or changed the password.
	 * The client does not reconnect; the user must log in again.
	 */
	revoked: ProtocolError;
	/** A frame from the server did not match the protocol; it was dropped. */
	'protocol-error': { frame: string; problem: string };
	/** A new send entered the outbox: a caller may keep it on disk so a quit or a crash loses none. */
	'send-queued': RequestInput<'send'>;
	/**
	 * A send left the outbox for good: stored (`ok`, or our own echo with its cid) or refused.
	 * Not when the client closes or the session is revoked: those sends are still owed.
	 */
	'send-settled': { cid: string };
};

export interface ChatClientOptions {
	url: string;
	/** Reconnect after a connection that was up drops (default true). */
	reconnect?: boolean;
	backoff?: Partial<BackoffOptions>;
	/** A request without a reply after this long fails with UNAVAILABLE (default 20 s). */
	requestTimeoutMs?: number;
	/** A token from an earlier login: used when reconnecting, and by `login()` with no arguments. */
	token?: string;
	/** Passed to the socket: e.g. `{ ca }` to trust a self-signed wss:// server. */
	socketOptions?: WebSocket.ClientOptions;
	/** Labels this client's sessions in `sessions.list`, e.g. `chat-tui on laptop` (see deviceLabel). */
	device?: string;
}

/** The close code a server ends a revoked session's connection with. */
export const REVOKED_CLOSE_CODE = 4001;

/** Service restart: the instance is draining; another one (behind the same address) takes us at once. */
export const RESTART_CLOSE_CODE = 1012;

/**
 * After a 1012 the reconnect waits a random 0 to this many ms, no backoff:
 * a drained instance closes all its clients within moments, and this
 * spreads a thousand logins over a fifth of a second instead of landing
 * them on the other instances in one burst, while a person hardly notices it.
 */
export const RESTART_JITTER_MS = 200;

/** `<program> on <this host>`, cut to what the protocol allows: how the user tells their sessions apart. */
export function deviceLabel(program: string, host = hostname()): string {
	return `${program} on ${host}`.slice(0, MAX_DEVICE_CHARS);
}

interface PendingRequest {
	op: Op;
	resolve: (result: unknown) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
}

/** After RATE_LIMITED, sends wait this long before going out again. */
const RATE_LIMITED_PAUSE_MS = 1000;

/** Sends on the wire at once; well under the server's default burst of 40. */
const SENDS_IN_FLIGHT = 16;

/** How long a cid stays in the set of messages already seen, counted in messages. */
const SEEN_MESSAGES_KEPT = 10_000;

function lost(detail = 'the connection to the server was lost'): ProtocolError {
	return new ProtocolError('UNAVAILABLE', detail);
}

function revokedError(): ProtocolError {
	return new ProtocolError('UNAUTHENTICATED', 'this session was logged out from another device');
}

/**
 * The one way our programs talk to a chat-tui server: the TUI, the scripting
 * CLI, the tests and the benchmarks. No UI here. It validates every frame it
 * receives, matches replies to requests, reconnects with backoff, logs back in
 * with its token, and resends every unacknowledged message with its cid, so a
 * message is neither lost nor shown twice.
 */
export class ChatClient extends Emitter<ClientEvents> {
	readonly url: string;
	state: ConnectionState = 'idle';
	/** The last state change, with its countdown and reason: for a listener that comes later. */
	lastChange: StateChange = { state: 'idle' };
	welcome: WelcomeFrame | undefined;
	user: User | undefined;
	token: string | undefined;

	private socket: WebSocket | undefined;
	private readonly pending = new Map<string, PendingRequest>();
	private readonly outbox = new Outbox();
	private readonly seenMessages = new Set<string>();
	private nextRequestId = 1;
	private sendsInFlight = 0;
	private pauseSendsUntil = 0;
	private attempt = 0;
	private reconnectTimer: NodeJS.Timeout | undefined;
	private loggedIn = false;
	/** The session ended for good (revoked, or the account deleted): nothing reconnects or logs back in. */
	private ended = false;
	private readonly device: string | undefined;
	private readonly options: Required<Omit<ChatClientOptions, 'token' | 'backoff' | 'socketOptions' | 'device'>> & {
		backoff: BackoffOptions;
		socketOptions: WebSocket.ClientOptions;
	};

	constructor(options: ChatClientOptions) {
		super();
		this.url = options.url;
		this.token = options.token;
		this.device = options.device;
		this.options = {
			url: options.url,
			reconnect: options.reconnect ?? true,
			requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
			backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
			socketOptions: options.socketOptions ?? {},
		};
	}

	/** Opens the connection; resolves with the server's welcome. */
	connect(): Promise<WelcomeFrame> {
		if (this.state === 'closed') return Promise.reject(new Error('this client was closed'));
		this.setState({ state: this.state === 'reconnecting' ? 'reconnecting' : 'connecting' });
		return new Promise((resolve, reject) => {
			const socket = new WebSocket(this.url, this.options.socketOptions);
			this.socket = socket;
			let welcomed = false;
			socket.on('message', (data) => {
				const frame = this.parse(data.toString());
				if (frame?.type === 'welcome' && !welcomed) {
					welcomed = true;
					this.onWelcome(frame);
					resolve(frame);
				} else if (frame) {
					this.onFrame(frame);
				}
			});
			socket.on('error', (error) => {
				if (!welcomed) reject(lost(`cannot reach ${this.url}: ${error.message}`));
			});
			socket.on('close', (code, reason) => {
				if (!welcomed) reject(lost(`the server at ${this.url} closed the connection (${code})`));
				this.onClose(socket, code, reason.toString(), welcomed);
			});
		});
	}

	/** Sends a request; resolves with the `ok` result, rejects with a ProtocolError carrying the code. */
	request<O extends Op>(op: O, fields: RequestInput<O>): Promise<ResultOf<O>> {
		if (op === 'send') return this.queueSend(fields as RequestInput<'send'>).then((message) => ({ message }) as ResultOf<O>);
		return this.transmit(op, fields);
	}

	/** Registers and logs this connection in. */
	async register(username: string, password: string): Promise<ResultOf<'register'>> {
		return this.request('register', { username, password, ...this.deviceField() });
	}

	/** Logs in with a password, or with the saved token when called without one. */
	async login(credentials?: { username: string; password: string } | { token: string }): Promise<ResultOf<'login'>> {
		const fields = credentials ?? (this.token ? { token: this.token } : undefined);
		if (!fields) throw new ProtocolError('UNAUTHENTICATED', 'no saved login: give a username and password');
		return this.request('login', { ...fields, ...this.deviceField() });
	}

	/**
	 * Starts from a saved token while the server cannot be reached: tries
	 * again with backoff, as after a dropped connection, and logs in by itself
	 * when the server answers (the `login` event; `auth-lost` if the token is dead).
	 */
	resume(token: string): void {
		if (this.state === 'closed' || this.state === 'open') return;
		this.token = token;
		clearTimeout(this.reconnectTimer);
		this.scheduleReconnect('cannot reach the server');
	}

	/** While waiting to reconnect: tries now instead of at the end of the countdown. */
	retryNow(): void {
		if (this.state !== 'reconnecting' || this.socket) return;
		clearTimeout(this.reconnectTimer);
		void this.reconnect();
	}

	/** Whether this connection is logged in now (requests other than log-in can be answered). */
	get isLoggedIn(): boolean {
		return this.loggedIn;
	}

	async logout(): Promise<void> {
		await this.request('logout', {});
	}

	/**
	 * Sends a message. It waits in the outbox until the server has stored it,
	 * across reconnects if need be; the promise settles with the stored message.
	 */
	send(to: Peer, text: string, cid: string = randomUUID()): Promise<Message> {
		return this.queueSend({ to, text, cid });
	}

	/**
	 * The server ended this session (revoked, or the account deleted). Its
	 * connection is closing if not closed yet: log in again with a new client.
	 */
	get sessionEnded(): boolean {
		return this.ended;
	}

	/** files: the socket's options (TLS trust), so HTTP transfers to the same server trust what the socket does. */
	get socketOptions(): WebSocket.ClientOptions {
		return this.options.socketOptions;
	}

	/** Messages sent but not yet acknowledged, oldest first. */
	unacknowledged(): Array<RequestInput<'send'>> {
		return this.outbox.pending();
	}

	/** Closes for good: no reconnect; waiting requests and sends fail with UNAVAILABLE. */
	async close(): Promise<void> {
		if (this.state === 'closed') return;
		clearTimeout(this.reconnectTimer);
		this.setState({ state: 'closed' });
		const socket = this.socket;
		this.failPending(lost('the client was closed'));
		this.outbox.failAll(lost('the client was closed before the message was acknowledged'));
		if (socket && socket.readyState !== WebSocket.CLOSED) {
			await new Promise<void>((resolve) => {
				socket.once('close', () => resolve());
				socket.close(1000);
			});
		}
	}

	// --- internals ---

	private deviceField(): { device?: string } {
		return this.device ? { device: this.device } : {};
	}

	private transmit<O extends Op>(op: O, fields: RequestInput<O>): Promise<ResultOf<O>> {
		const socket = this.socket;
		if (!socket || socket.readyState !== WebSocket.OPEN || !this.welcome) {
			return Promise.reject(lost('not connected to the server'));
		}
		const id = `q${this.nextRequestId++}`;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(lost(`no reply to ${op} within ${this.options.requestTimeoutMs} ms`));
			}, this.options.requestTimeoutMs);
			this.pending.set(id, { op, resolve: resolve as (result: unknown) => void, reject, timer });
			socket.send(JSON.stringify({ ...fields, type: op, id }));
		});
	}

	private queueSend(fields: RequestInput<'send'>): Promise<Message> {
		const { promise, isNew } = this.outbox.add(fields);
		if (isNew) this.emit('send-queued', fields);
		this.flushOutbox();
		return promise;
	}

	/**
	 * Puts unsent outbox entries on the wire, in order, when logged in: at most
	 * SENDS_IN_FLIGHT at a time, so a long queue after a reconnect stays within
	 * the server's burst allowance instead of being refused.
	 */
	private flushOutbox(): void {
		if (!this.loggedIn || this.socket?.readyState !== WebSocket.OPEN || Date.now() < this.pauseSendsUntil) return;
		for (const fields of this.outbox.takeUnsent(SENDS_IN_FLIGHT - this.sendsInFlight)) {
			this.sendsInFlight++;
			this.transmit('send', fields)
				.then(
					({ message }) => {
						this.rememberMessage(message.id);
						this.acknowledge(fields.cid, message);
					},
					(error: ProtocolError) => this.onSendFailed(fields.cid, error),
				)
				.finally(() => {
					this.sendsInFlight--;
					this.flushOutbox();
				});
		}
	}

	private onSendFailed(cid: string, error: ProtocolError): void {
		if (error.code === 'UNAVAILABLE') {
			// Resent after the reconnect; the server deduplicates by cid.
			this.outbox.markUnsent(cid);
		} else if (error.code === 'RATE_LIMITED') {
			this.outbox.markUnsent(cid);
			this.pauseSendsUntil = Date.now() + RATE_LIMITED_PAUSE_MS;
			setTimeout(() => this.flushOutbox(), RATE_LIMITED_PAUSE_MS).unref();
		} else if (this.outbox.has(cid)) {
			this.outbox.fail(cid, error);
			this.emit('send-settled', { cid });
		}
	}

	private acknowledge(cid: string, message: Message): void {
		if (!this.outbox.has(cid)) return;
		this.outbox.acknowledge(cid, message);
		this.emit('send-settled', { cid });
	}

	private parse(text: string): ServerFrame | undefined {
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			this.emit('protocol-error', { frame: text.slice(0, 200), problem: 'not JSON' });
			return undefined;
		}
		const result = ServerFrame.safeParse(value);
		if (!result.success) {
			this.emit('protocol-error', { frame: text.slice(0, 200), problem: result.error.message });
			return undefined;
		}
		return result.data as ServerFrame;
	}

	private onWelcome(frame: WelcomeFrame): void {
		this.welcome = frame;
		this.attempt = 0;
		this.setState({ state: 'open' });
		this.emit('welcome', frame);
	}

	private onFrame(frame: ServerFrame): void {
		if (frame.type === 'ok' || frame.type === 'error') {
			if (frame.re !== undefined) this.onReply(frame.re, frame);
			else if (frame.type === 'error') this.emit('protocol-error', { frame: JSON.stringify(frame), problem: frame.message });
			return;
		}
		if (isEventFrame(frame)) this.onEvent(frame);
	}

	private onReply(re: string, frame: ServerFrame & { type: 'ok' | 'error' }): void {
		const request = this.pending.get(re);
		if (!request) return;
		this.pending.delete(re);
		clearTimeout(request.timer);
		if (frame.type === 'error') {
			request.reject(new ProtocolError(frame.code, frame.message));
			return;
		}
		const { type: _type, re: _re, ...fields } = frame;
		const result = resultFields[request.op].safeParse(fields);
		if (!result.success) {
			request.reject(new ProtocolError('INTERNAL', `the server's reply to ${request.op} did not match the protocol`));
			return;
		}
		this.afterOk(request.op, result.data);
		request.resolve(result.data);
	}

	/** Keeps the session's own state in step with what the server confirmed. */
	private afterOk(op: Op, result: unknown): void {
		if (op === 'login' || op === 'register') {
			const login = result as ResultOf<'login'> | ResultOf<'register'>;
			this.user = login.user;
			this.token = login.token;
			this.loggedIn = true;
			this.ended = false;
			this.emit('login', login);
			this.flushOutbox();
		} else if (op === 'logout' || op === 'account.delete') {
			this.loggedIn = false;
			this.user = undefined;
			this.token = undefined;
			// The server closes the connection of a deleted account: that is the end, not a drop.
			if (op === 'account.delete') this.ended = true;
		}
	}

	private onEvent(event: EventFrame): void {
		if (event.type === 'session.revoked') this.revoke();
		if (event.type === 'message') {
			const { message } = event;
			// At-least-once delivery: an id seen before is the same message again.
			if (this.seenMessages.has(message.id)) return;
			this.rememberMessage(message.id);
			// Our own send, stored by a copy that went out before a reconnect: this copy of it
			// reached us (as to any other session of ours) before the resend's reply. It is the reply.
			if (this.outbox.has(message.cid) && message.from.toLowerCase() === this.user?.username.toLowerCase()) {
				this.acknowledge(message.cid, message);
				return;
			}
		}
		const { type, ...payload } = event;
		this.emit(type, payload as never);
	}

	private rememberMessage(id: string): void {
		this.seenMessages.add(id);
		if (this.seenMessages.size > SEEN_MESSAGES_KEPT) {
			const oldest = this.seenMessages.values().next().value;
			if (oldest !== undefined) this.seenMessages.delete(oldest);
		}
	}

	/**
	 * The server logged this session out. Its token is dead, so reconnecting
	 * would only be refused: waiting requests and unsent messages fail, and
	 * listeners hear it once, whether the event or the close came first.
	 */
	private revoke(): void {
		if (this.ended) return;
		this.ended = true;
		this.loggedIn = false;
		this.token = undefined;
		this.user = undefined;
		const error = revokedError();
		this.failPending(error);
		this.outbox.failAll(error);
		this.emit('revoked', error);
	}

	private onClose(socket: WebSocket, code: number, reason: string, wasOpen: boolean): void {
		if (socket !== this.socket) return;
		if (code === REVOKED_CLOSE_CODE) this.revoke();
		this.socket = undefined;
		this.loggedIn = false;
		this.failPending(lost());
		this.outbox.markAllUnsent();
		if (this.state === 'closed') return;
		// A connection that never came up is the caller's to retry; one that dropped is ours, unless the session is over.
		if (!this.options.reconnect || this.ended || (!wasOpen && this.state !== 'reconnecting')) {
			this.setState({ state: 'idle', reason: describeClose(code, reason) });
			return;
		}
		if (code === RESTART_CLOSE_CODE) {
			// Not a failure: the first attempt goes at once; if it fails, the backoff starts from its first step.
			this.attempt = 0;
			this.scheduleReconnect(describeClose(code, reason), Math.round(Math.random() * RESTART_JITTER_MS));
			return;
		}
		this.scheduleReconnect(describeClose(code, reason));
	}

	private scheduleReconnect(reason: string, delay = backoffDelay(this.attempt++, this.options.backoff)): void {
		this.setState({ state: 'reconnecting', retryAt: Date.now() + delay, reason });
		this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
	}

	private async reconnect(): Promise<void> {
		try {
			await this.connect();
		} catch {
			return; // onClose has already scheduled the next attempt
		}
		await this.relogin();
	}

	/** Logs back in with the token after a reconnect; a refusal other than a dead token is retried. */
	private async relogin(attempt = 0): Promise<void> {
		const socket = this.socket;
		if (!this.token || !socket) return;
		try {
			await this.transmit('login', { token: this.token, ...this.deviceField() });
		} catch (error) {
			if (error instanceof ProtocolError && error.code === 'UNAUTHENTICATED') {
				this.token = undefined;
				this.user = undefined;
				this.emit('auth-lost', error);
			} else if (this.socket === socket && socket.readyState === WebSocket.OPEN) {
				// RATE_LIMITED or a passing server error: try again on this connection, backing off.
				setTimeout(() => void this.relogin(attempt + 1), backoffDelay(attempt, this.options.backoff)).unref();
			}
			// UNAVAILABLE: the connection dropped again and onClose retries.
		}
	}

	private failPending(error: Error): void {
		for (const [id, request] of this.pending) {
			clearTimeout(request.timer);
			this.pending.delete(id);
			request.reject(error);
		}
	}

	private setState(change: StateChange): void {
		this.state = change.state;
		this.lastChange = change;
		this.emit('state', change);
	}
}

function describeClose(code: number, reason: string): string {
	return reason ? `${reason} (${code})` : `connection closed (${code})`;
}
