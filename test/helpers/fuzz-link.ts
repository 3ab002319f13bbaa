import WebSocket from 'ws';
import type { FuzzFrame } from './fuzz-frames.js';

/** Requests on the wire at once per link: under the server's 100 queued, so only garbage is being tested. */
const WINDOW = 16;
const TIMEOUT_MS = 15_000;

export interface FuzzLinkOptions {
	url: string;
	/** Logged in (a user registered on each connection) or not. */
	authed: boolean;
	/** A fresh username for each registration. */
	nextName: () => string;
	password: string;
	/** Told of every user the link registered on purpose. */
	onRegistered: (username: string) => void;
}

/**
 * One raw `ws` connection throwing fuzz frames, kept to a window of unanswered
 * frames. The server answers every text or binary frame it reads exactly once
 * (`ok` or `error`), so the replies pace the link, and a count that does not
 * add up is a finding. A frame it must not read closes the connection; the
 * link checks the close code and connects again (registering a new user when
 * it is a logged-in link), and so does a link the server closed on its own.
 */
export class FuzzLink {
	sent = 0;
	replies = 0;
	/** Replies by code (`ok` for ok). */
	readonly codes = new Map<string, number>();
	/** Closes the frame asked for: `1009`, `1007`, with a count. */
	readonly expectedCloses = new Map<number, number>();
	/** Closes no frame asked for (e.g. 1008 from the rate limiter), by code. */
	readonly otherCloses = new Map<number, number>();
	/** Closes with a code other than the one the frame should have caused. */
	readonly wrongCloses: string[] = [];
	/** Replies that matched no frame on the wire. */
	extraReplies = 0;
	/** Frames sent on connections that then closed before answering them. */
	unanswered = 0;
	connections = 0;

	private socket: WebSocket | undefined;
	private inFlight = 0;
	private closedWith: number | undefined;
	private wake: Array<() => void> = [];
	private registrations = 0;

	constructor(private readonly options: FuzzLinkOptions) {}

	async open(): Promise<void> {
		const socket = new WebSocket(this.options.url);
		this.socket = socket;
		this.inFlight = 0;
		this.closedWith = undefined;
		this.connections++;
		let welcomed!: () => void;
		const welcome = new Promise<void>((resolve) => (welcomed = resolve));
		let registered: ((reply: Record<string, unknown>) => void) | undefined;
		const registerId = `fuzzlink-register-${++this.registrations}`;
		socket.on('error', () => {});
		socket.on('message', (data: Buffer) => {
			if (socket !== this.socket) return;
			const frame = JSON.parse(data.toString()) as Record<string, unknown>;
			if (frame['type'] === 'welcome') return welcomed();
			if (frame['type'] !== 'ok' && frame['type'] !== 'error') return; // an event
			if (frame['re'] === registerId && registered) return registered(frame);
			const code = frame['type'] === 'ok' ? 'ok' : String(frame['code']);
			this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
			this.replies++;
			if (this.inFlight === 0) this.extraReplies++;
			else this.inFlight--;
			this.notify();
		});
		socket.on('close', (code) => {
			if (socket !== this.socket) return;
			this.closedWith = code;
			this.notify();
		});
		await this.until(() => false, welcome, 'welcome');
		if (!this.options.authed) return;
		const username = this.options.nextName();
		const reply = new Promise<Record<string, unknown>>((resolve) => (registered = resolve));
		socket.send(JSON.stringify({ type: 'register', id: registerId, username, password: this.options.password }));
		const answer = await this.until(() => false, reply, `register ${username}`);
		if (answer['type'] !== 'ok') throw new Error(`register ${username}: ${JSON.stringify(answer)}`);
		this.options.onRegistered(username);
	}

	/** Sends one frame: waits for room in the window, or, for a frame that must close the connection, for the close. */
	async send(frame: FuzzFrame): Promise<void> {
		if (frame.closes !== undefined) {
			await this.drain();
			this.write(frame);
			await this.until(() => this.closedWith !== undefined, undefined, `close ${frame.closes} after a ${frame.kind} frame`);
			const code = this.closedWith!;
			if (code === frame.closes) this.expectedCloses.set(code, (this.expectedCloses.get(code) ?? 0) + 1);
			else if (code === 1008) this.noteOtherClose(code); // the rate limiter got there first
			else this.wrongCloses.push(`${frame.kind}: expected ${frame.closes}, got ${code}`);
			await this.open();
			return;
		}
		await this.until(() => this.inFlight < WINDOW || this.closedWith !== undefined, undefined, 'room in the window');
		if (this.closedWith !== undefined) await this.reopenAfterClose();
		this.write(frame);
		this.inFlight++;
	}

	/** Waits until every frame sent has its answer (or the connection closed). */
	async drain(): Promise<void> {
		await this.until(() => this.inFlight === 0 || this.closedWith !== undefined, undefined, 'replies to every frame');
		if (this.closedWith !== undefined) await this.reopenAfterClose();
	}

	close(): void {
		this.socket?.terminate();
		this.socket = undefined;
	}

	private async reopenAfterClose(): Promise<void> {
		this.noteOtherClose(this.closedWith!);
		this.unanswered += this.inFlight;
		await this.open();
	}

	private noteOtherClose(code: number): void {
		this.otherCloses.set(code, (this.otherCloses.get(code) ?? 0) + 1);
	}

	private write(frame: FuzzFrame): void {
		this.sent++;
		this.socket!.send(frame.data, { binary: frame.binary }, () => {});
	}

	private notify(): void {
		for (const wake of this.wake.splice(0)) wake();
	}

	/** Resolves when the condition holds (checked after every reply or close) or the promise settles. */
	private until<T>(condition: () => boolean, promise: Promise<T> | undefined, what: string): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			let settled = false;
			const finish = (outcome: () => void) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				outcome();
			};
			const timer = setTimeout(() => finish(() => reject(new Error(`fuzz link: no ${what} within ${TIMEOUT_MS} ms`))), TIMEOUT_MS);
			promise?.then(
				(value) => finish(() => resolve(value)),
				(error: unknown) => finish(() => reject(error)),
			);
			const check = () => {
				if (settled) return;
				if (condition()) finish(() => resolve(undefined as T));
				else if (promise && this.closedWith !== undefined) {
					finish(() => reject(new Error(`fuzz link: the connection closed (${this.closedWith}) while waiting for ${what}`)));
				} else this.wake.push(check);
			};
			check();
		});
	}
}
