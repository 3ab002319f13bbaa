/**
 * A minimal XMPP client over WebSocket (RFC 7395) for the load generator:
 * `<open/>` framing, optional in-band registration (XEP-0077), SASL PLAIN,
 * resource binding, initial presence, `<message xmlns='jabber:client' type='chat'>` both ways.
 * Every WebSocket message is one whole stanza (RFC 7395 §3.3.3), so frames are
 * told apart by their first element name, with no XML parser: the generator
 * spends as little as it can per message, like its other clients.
 */
import WebSocket from 'ws';
import type { BenchClient, ClientHooks, Identity } from './clients.js';
import { opened, withTimeout } from './proc.js';

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const UNESCAPES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function escapeXml(text: string): string {
	return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : text;
}

export function unescapeXml(text: string): string {
	return text.includes('&') ? text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => UNESCAPES[name]!) : text;
}

/** The text of a stanza's first `<body>`, or undefined. */
export function bodyOf(stanza: string): string | undefined {
	const open = stanza.indexOf('<body>');
	if (open < 0) return undefined;
	const close = stanza.indexOf('</body>', open + 6);
	return close < 0 ? undefined : unescapeXml(stanza.slice(open + 6, close));
}

/** The first element's name of a frame: `open`, `stream:features`, `iq`, `message`, ... */
function elementOf(frame: string): string {
	const start = frame.indexOf('<') + 1;
	let end = start;
	while (end < frame.length && !' />'.includes(frame[end]!)) end++;
	return frame.slice(start, end);
}

/** The value of attribute `name` on the first element of a frame. */
function attributeOf(frame: string, name: string): string | undefined {
	const tagEnd = frame.indexOf('>');
	const head = tagEnd < 0 ? frame : frame.slice(0, tagEnd);
	const match = head.match(new RegExp(`\\s${name}=(['"])([^'"]*)\\1`));
	return match?.[2];
}

interface Waiter {
	accepts(frame: string, element: string): boolean;
	resolve(frame: string): void;
	reject(error: Error): void;
}

/**
 * One XMPP account on `domain`. `how === 'register'` registers the account
 * (XEP-0077) before authenticating; otherwise it logs in with SASL PLAIN.
 * Logged in means: bound, initial presence sent, and a ping answered (so the
 * presence has been processed and messages to the bare JID reach this resource).
 */
export class XmppClient implements BenchClient {
	private socket: WebSocket | undefined;
	private closing = false;
	private waiter: Waiter | undefined;
	private nextId = 0;

	constructor(
		private readonly url: string,
		private readonly domain: string,
		private readonly identity: Identity,
		private readonly hooks: ClientHooks,
		private readonly how: 'token' | 'password' | 'register' = 'password',
	) {}

	async connect(): Promise<void> {
		const socket = new WebSocket(this.url, 'xmpp', { perMessageDeflate: false });
		this.socket = socket;
		socket.on('message', (data) => this.onFrame(data.toString()));
		socket.on('close', (code) => {
			if (!this.closing) this.hooks.closed(`closed with ${code}`);
			this.waiter?.reject(new Error(`${this.identity.name}: closed (${code})`));
			this.waiter = undefined;
		});
		await opened(socket, `${this.identity.name}: open`);
		const { name, password = '' } = this.identity;
		const features = await this.openStream();
		if (this.how === 'register') {
			await this.iq('set', `<query xmlns='jabber:iq:register'><username>${escapeXml(name)}</username><password>${escapeXml(password)}</password></query>`);
		}
		if (!features.includes('PLAIN')) throw new Error(`${name}: the server offers no SASL PLAIN`);
		const credentials = Buffer.from(`\0${name}\0${password}`).toString('base64');
		const outcome = this.expect((_, element) => element === 'success' || element === 'failure', 'SASL');
		this.socket!.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`);
		const answer = await outcome;
		if (elementOf(answer) !== 'success') throw new Error(`${name}: SASL refused: ${answer}`);
		await this.openStream();
		await this.iq('set', `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind>`);
		this.socket!.send("<presence xmlns='jabber:client'/>");
		await this.iq('get', `<ping xmlns='urn:xmpp:ping'/>`);
	}

	/** Sends `<open/>` and resolves with the stream features that follow it. */
	private async openStream(): Promise<string> {
		const features = this.expect((_, element) => element === 'stream:features' || element === 'features', 'stream features');
		this.socket!.send(`<open xmlns='${FRAMING}' to='${this.domain}' version='1.0'/>`);
		return features;
	}

	/** An IQ to the server; resolves on its result, rejects on its error. */
	private async iq(type: 'get' | 'set', payload: string): Promise<string> {
		const id = `i${this.nextId++}`;
		const answer = this.expect((frame, element) => element === 'iq' && attributeOf(frame, 'id') === id, `iq ${id}`);
		this.socket!.send(`<iq xmlns='jabber:client' type='${type}' id='${id}' to='${this.domain}'>${payload}</iq>`);
		const frame = await answer;
		if (attributeOf(frame, 'type') !== 'result') throw new Error(`${this.identity.name}: iq refused: ${frame}`);
		return frame;
	}

	private expect(accepts: Waiter['accepts'], what: string): Promise<string> {
		return withTimeout(
			new Promise<string>((resolve, reject) => {
				this.waiter = { accepts, resolve, reject };
			}),
			`${this.identity.name}: ${what}`,
		);
	}

	private onFrame(frame: string): void {
		// Messages are the hot path.
		if (frame.startsWith('<message')) {
			if (attributeOf(frame, 'type') === 'error') {
				this.hooks.ack(false, 'xmpp-message-error');
				return;
			}
			const body = bodyOf(frame);
			if (body !== undefined) this.hooks.delivery(body);
			return;
		}
		const element = elementOf(frame);
		const waiter = this.waiter;
		if (waiter?.accepts(frame, element)) {
			this.waiter = undefined;
			waiter.resolve(frame);
		} else if (element === 'stream:error' || (element === 'close' && !this.closing)) {
			this.waiter = undefined;
			waiter?.reject(new Error(`${this.identity.name}: stream ended: ${frame}`));
		}
		// Presence (our own, echoed) and anything else: ignored.
	}

	async join(): Promise<void> {
		throw new Error('the XMPP client has no fan-out workload (it would need a MUC room)');
	}

	sendTo(name: string, text: string): void {
		this.socket!.send(`<message xmlns='jabber:client' type='chat' to='${name}@${this.domain}'><body>${escapeXml(text)}</body></message>`);
	}

	sendRoom(): void {
		throw new Error('the XMPP client has no fan-out workload');
	}

	close(): void {
		this.closing = true;
		const socket = this.socket;
		if (!socket || socket.readyState !== WebSocket.OPEN) {
			socket?.terminate();
			return;
		}
		socket.send(`<close xmlns='${FRAMING}'/>`);
		socket.close(1000);
	}
}
