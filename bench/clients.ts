/**
 * The load generator's clients, one kind per system, all behind one interface
 * so every system is driven by the same code. They are deliberately thin (raw
 * ws / net / mqtt.js, no validation) so the generator spends as little as it
 * can per message.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { opened, withTimeout } from './proc.js';
import { XmppClient } from './xmpp-client.js';

export type SystemKind = 'bare-relay' | 'chat-tui' | 'ngircd' | 'mosquitto' | 'prosody' | 'ejabberd';

export interface Identity {
	index: number;
	name: string;
	/** chat-tui: a token seeded for this user. */
	token?: string;
	/** chat-tui: the password (login benchmarks). */
	password?: string;
}

export interface ClientHooks {
	/** A chat message arrived; `text` is what the sender sent. */
	delivery(text: string): void;
	/** The server acknowledged (or refused) one of this client's sends. */
	ack(ok: boolean, code?: string): void;
	/** The connection went away (not asked for). */
	closed(reason: string): void;
}

export interface BenchClient {
	/** Connects and logs in (chat-tui: token or password; IRC: NICK/USER; MQTT: CONNECT). */
	connect(): Promise<void>;
	/** Joins a room, channel or topic (chat-tui: membership is seeded, nothing to do). */
	join(room: string): Promise<void>;
	/** IRC only: become an operator with relaxed flood protection (user mode F). */
	relaxFloodLimits?(user: string, password: string): Promise<void>;
	sendTo(name: string, text: string): void;
	sendRoom(room: string, text: string): void;
	close(): void;
}

// ------------------------------------------------------------------ chat-tui

interface ChatFrame {
	type: string;
	re?: string;
	code?: string;
	message?: { text: string } | string;
	token?: string;
}

/** chat-tui over its JSON protocol (docs/PROTOCOL.md), raw frames. */
export class ChatTuiClient implements BenchClient {
	private socket: WebSocket | undefined;
	private readonly waiting = new Map<string, { resolve: (frame: ChatFrame) => void; reject: (error: Error) => void }>();
	private nextId = 0;
	private sendSeq = 0;
	private closing = false;
	/** The token the last login or register returned. */
	token: string | undefined;

	constructor(
		private readonly url: string,
		private readonly identity: Identity,
		private readonly hooks: ClientHooks,
		/** What `connect` does after the welcome. */
		private readonly how: 'token' | 'password' | 'register' = 'token',
	) {}

	async connect(): Promise<void> {
		const socket = new WebSocket(this.url, { perMessageDeflate: false });
		this.socket = socket;
		const welcome = new Promise<void>((resolve, reject) => {
			socket.once('error', reject);
			socket.once('close', (code) => reject(new Error(`closed (${code}) before the welcome`)));
			this.waiting.set('welcome', { resolve: () => resolve(), reject });
		});
		socket.on('message', (data) => this.onFrame(data.toString()));
		socket.on('close', (code) => {
			if (!this.closing) this.hooks.closed(`closed with ${code}`);
			for (const { reject } of this.waiting.values()) reject(new Error(`closed with ${code}`));
			this.waiting.clear();
		});
		socket.on('error', () => undefined);
		await withTimeout(welcome, `${this.identity.name}: welcome`);
		const { name, token, password } = this.identity;
		let reply: ChatFrame;
		if (this.how === 'register') reply = await this.request('register', { username: name, password });
		else if (this.how === 'password') reply = await this.request('login', { username: name, password });
		else reply = await this.request('login', { token });
		this.token = reply.token;
	}

	private request(type: string, fields: Record<string, unknown>): Promise<ChatFrame> {
		const id = `r${this.nextId++}`;
		const answer = new Promise<ChatFrame>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
		this.socket!.send(JSON.stringify({ type, id, ...fields }));
		return withTimeout(answer, `${this.identity.name}: ${type}`);
	}

	private onFrame(text: string): void {
		const frame = JSON.parse(text) as ChatFrame;
		if (frame.type === 'message') {
			this.hooks.delivery((frame.message as { text: string }).text);
			return;
		}
		if (frame.type === 'welcome') {
			this.waiting.get('welcome')?.resolve(frame);
			this.waiting.delete('welcome');
			return;
		}
		if (frame.type !== 'ok' && frame.type !== 'error') return; // presence and other events
		const waiter = frame.re === undefined ? undefined : this.waiting.get(frame.re);
		if (waiter) {
			this.waiting.delete(frame.re!);
			if (frame.type === 'ok') waiter.resolve(frame);
			else waiter.reject(new Error(`${frame.code}: ${String(frame.message)}`));
			return;
		}
		this.hooks.ack(frame.type === 'ok', frame.code);
	}

	async join(): Promise<void> {
		// Group membership is seeded in the database.
	}

	sendTo(name: string, text: string): void {
		this.send({ user: name }, text);
	}

	sendRoom(room: string, text: string): void {
		this.send({ group: room }, text);
	}

	private send(to: { user: string } | { group: string }, text: string): void {
		const seq = this.sendSeq++;
		this.socket!.send(
			JSON.stringify({ type: 'send', id: `s${seq}`, to, text, cid: `c-${this.identity.index}-${seq}-bench` }),
		);
	}

	close(): void {
		this.closing = true;
		this.socket?.close(1000);
	}
}

// ---------------------------------------------------------------- bare relay

/** The bare relay (bench/bare-relay.ts). */
export class BareRelayClient implements BenchClient {
	private socket: WebSocket | undefined;
	private closing = false;
	private joinWaiters = new Map<string, () => void>();

	constructor(
		private readonly url: string,
		private readonly identity: Identity,
		private readonly hooks: ClientHooks,
	) {}

	async connect(): Promise<void> {
		const socket = new WebSocket(`${this.url}/?name=${encodeURIComponent(this.identity.name)}`, {
			perMessageDeflate: false,
		});
		this.socket = socket;
		socket.on('message', (data) => {
			const frame = JSON.parse(data.toString()) as { text?: string; joined?: string };
			if (frame.joined !== undefined) {
				this.joinWaiters.get(frame.joined)?.();
				this.joinWaiters.delete(frame.joined);
			} else if (frame.text !== undefined) {
				this.hooks.delivery(frame.text);
			}
		});
		socket.on('close', (code) => {
			if (!this.closing) this.hooks.closed(`closed with ${code}`);
		});
		await opened(socket, `${this.identity.name}: open`);
	}

	join(room: string): Promise<void> {
		const joined = new Promise<void>((resolve) => this.joinWaiters.set(room, resolve));
		this.socket!.send(JSON.stringify({ join: room }));
		return withTimeout(joined, `${this.identity.name}: join`);
	}

	sendTo(name: string, text: string): void {
		this.socket!.send(JSON.stringify({ to: name, text }));
	}

	sendRoom(room: string, text: string): void {
		this.socket!.send(JSON.stringify({ to: `#${room}`, text }));
	}

	close(): void {
		this.closing = true;
		this.socket?.close(1000);
	}
}

// ----------------------------------------------------------------------- IRC

/** An IRC client (RFC 2812 subset: NICK, USER, JOIN, PRIVMSG, OPER, MODE, PING/PONG, QUIT). */
export class IrcClient implements BenchClient {
	private socket: Socket | undefined;
	private buffer = '';
	private closing = false;
	/** Waiters for numeric replies or other commands, by a key the line handler computes. */
	private readonly waiters = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

	constructor(
		private readonly port: number,
		private readonly identity: Identity,
		private readonly hooks: ClientHooks,
	) {}

	private waitFor(key: string): Promise<void> {
		const settled = new Promise<void>((resolve, reject) => this.waiters.set(key, { resolve, reject }));
		return withTimeout(settled, `${this.identity.name}: ${key}`);
	}

	private settle(key: string): void {
		const waiter = this.waiters.get(key);
		if (waiter) {
			this.waiters.delete(key);
			waiter.resolve();
		}
	}

	/** The server refused something we wait for: every wait fails with its line. */
	private refuse(line: string): void {
		for (const { reject } of this.waiters.values()) reject(new Error(`${this.identity.name}: IRC server refused: ${line}`));
		this.waiters.clear();
	}

	async connect(): Promise<void> {
		const socket = tcpConnect({ port: this.port, host: '127.0.0.1', noDelay: true });
		this.socket = socket;
		socket.setEncoding('utf8');
		socket.on('data', (chunk: string) => this.onData(chunk));
		socket.on('close', () => {
			if (!this.closing) this.hooks.closed('connection closed');
		});
		await withTimeout(
			new Promise<void>((resolve, reject) => {
				socket.once('connect', () => resolve());
				socket.once('error', reject);
			}),
			`${this.identity.name}: connect`,
		);
		socket.on('error', () => undefined);
		const registered = this.waitFor('registered');
		const { name } = this.identity;
		socket.write(`NICK ${name}\r\nUSER ${name} 0 * :${name}\r\n`);
		await registered;
	}

	private onData(chunk: string): void {
		this.buffer += chunk;
		let end: number;
		while ((end = this.buffer.indexOf('\r\n')) >= 0) {
			const line = this.buffer.slice(0, end);
			this.buffer = this.buffer.slice(end + 2);
			this.onLine(line);
		}
	}

	private onLine(line: string): void {
		// Messages are the hot path: ":nick!user@host PRIVMSG target :text".
		const privmsg = line.indexOf(' PRIVMSG ');
		if (privmsg > 0 && line.charCodeAt(0) === 58 /* : */) {
			const text = line.indexOf(' :', privmsg + 9);
			if (text > 0) this.hooks.delivery(line.slice(text + 2));
			return;
		}
		if (line.startsWith('PING ')) {
			this.socket!.write(`PONG ${line.slice(5)}\r\n`);
			return;
		}
		const parts = line.split(' ');
		const command = parts[0] === 'ERROR' ? 'ERROR' : parts[1];
		switch (command) {
			case '376': // end of MOTD
			case '422': // no MOTD
				this.settle('registered');
				break;
			case '366': // end of NAMES: the JOIN is complete
				this.settle(`joined ${parts[3]?.toLowerCase()}`);
				break;
			case '381': // you are now an IRC operator
				this.settle('oper');
				break;
			case 'MODE':
				if (line.includes('+F')) this.settle('mode F');
				break;
			case '433': // nickname in use
			case '464': // password incorrect
			case '481': // permission denied
			case '491': // no O-lines for your host
			case 'ERROR':
				this.refuse(line);
				break;
			default:
				break;
		}
	}

	async join(room: string): Promise<void> {
		const joined = this.waitFor(`joined #${room.toLowerCase()}`);
		this.socket!.write(`JOIN #${room}\r\n`);
		await joined;
	}

	async relaxFloodLimits(user: string, password: string): Promise<void> {
		const oper = this.waitFor('oper');
		this.socket!.write(`OPER ${user} ${password}\r\n`);
		await oper;
		const mode = this.waitFor('mode F');
		this.socket!.write(`MODE ${this.identity.name} +F\r\n`);
		await mode;
	}

	sendTo(name: string, text: string): void {
		this.socket!.write(`PRIVMSG ${name} :${text}\r\n`);
	}

	sendRoom(room: string, text: string): void {
		this.socket!.write(`PRIVMSG #${room} :${text}\r\n`);
	}

	close(): void {
		this.closing = true;
		if (this.socket && !this.socket.destroyed) {
			this.socket.end('QUIT :bye\r\n');
			setTimeout(() => this.socket?.destroy(), 1000).unref();
		}
	}
}

// ---------------------------------------------------------------------- MQTT

/** MQTT 3.1.1 through mqtt.js: subscribers at QoS 0, the publisher at QoS 1 (acknowledged, like a chat-tui send). */
export class MqttBenchClient implements BenchClient {
	private client: MqttClient | undefined;
	private closing = false;

	constructor(
		private readonly port: number,
		private readonly identity: Identity,
		private readonly hooks: ClientHooks,
	) {}

	async connect(): Promise<void> {
		const client = mqtt.connect(`mqtt://127.0.0.1:${this.port}`, {
			clientId: `bench-${this.identity.name}`,
			clean: true,
			reconnectPeriod: 0,
			keepalive: 600,
			protocolVersion: 4,
		});
		this.client = client;
		client.on('message', (_topic, payload) => this.hooks.delivery(payload.toString()));
		client.on('close', () => {
			if (!this.closing) this.hooks.closed('connection closed');
		});
		await withTimeout(
			new Promise<void>((resolve, reject) => {
				client.once('connect', () => resolve());
				client.once('error', reject);
			}),
			`${this.identity.name}: connect`,
		);
		client.on('error', () => undefined);
	}

	join(room: string): Promise<void> {
		return withTimeout(
			new Promise<void>((resolve, reject) => {
				this.client!.subscribe(room, { qos: 0 }, (error) => (error ? reject(error) : resolve()));
			}),
			`${this.identity.name}: subscribe`,
		);
	}

	sendTo(name: string, text: string): void {
		this.sendRoom(`u/${name}`, text);
	}

	sendRoom(room: string, text: string): void {
		this.client!.publish(room, text, { qos: 1 }, (error) => this.hooks.ack(!error, error?.message));
	}

	close(): void {
		this.closing = true;
		this.client?.end(true);
	}
}

export interface Target {
	system: SystemKind;
	/** ws:// URL for the WebSocket systems. */
	url?: string;
	/** TCP port for IRC and MQTT. */
	port?: number;
	/** XMPP: the domain the accounts live on. */
	domain?: string;
}

export function createClient(
	target: Target,
	identity: Identity,
	hooks: ClientHooks,
	how: 'token' | 'password' | 'register' = 'token',
): BenchClient {
	switch (target.system) {
		case 'chat-tui':
			return new ChatTuiClient(target.url!, identity, hooks, how);
		case 'bare-relay':
			return new BareRelayClient(target.url!, identity, hooks);
		case 'ngircd':
			return new IrcClient(target.port!, identity, hooks);
		case 'mosquitto':
			return new MqttBenchClient(target.port!, identity, hooks);
		case 'prosody':
		case 'ejabberd':
			return new XmppClient(target.url!, target.domain!, identity, hooks, how);
	}
}
