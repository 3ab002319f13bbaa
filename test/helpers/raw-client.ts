import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string };

/**
 * A client that knows nothing of our code but the wire: JSON text frames over
 * a plain `ws` socket. Used to test the contract as an outside client sees it.
 */
export class RawClient {
	readonly frames: Frame[] = [];
	welcome!: Frame;
	closed: { code: number; reason: string } | undefined;
	private nextId = 1;
	private waiters: Array<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];
	private closeWaiters: Array<(closed: { code: number; reason: string }) => void> = [];

	private constructor(readonly socket: WebSocket) {
		socket.on('message', (data) => {
			const frame = JSON.parse(data.toString()) as Frame;
			this.frames.push(frame);
			const waiter = this.waiters.find((candidate) => candidate.match(frame));
			if (waiter) {
				this.waiters.splice(this.waiters.indexOf(waiter), 1);
				waiter.resolve(frame);
			}
		});
		socket.on('close', (code, reason) => {
			this.closed = { code, reason: reason.toString() };
			for (const waiter of this.closeWaiters.splice(0)) waiter(this.closed);
		});
	}

	static async connect(url: string): Promise<RawClient> {
		const client = new RawClient(new WebSocket(url));
		const welcome = client.waitFor((frame) => frame.type === 'welcome');
		client.welcome = await welcome;
		return client;
	}

	/** Resolves with the first frame (already received or still to come) that matches. */
	waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
		const seen = this.frames.find(match);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms`)), timeoutMs);
			this.waiters.push({
				match,
				resolve: (frame) => {
					clearTimeout(timer);
					resolve(frame);
				},
			});
		});
	}

	/** Waits for an event of this type (a frame without `re`) that matches. */
	event(type: string, match: (frame: Frame) => boolean = () => true, timeoutMs?: number): Promise<Frame> {
		return this.waitFor((frame) => frame.type === type && !('re' in frame) && match(frame), timeoutMs);
	}

	events(type: string): Frame[] {
		return this.frames.filter((frame) => frame.type === type && !('re' in frame));
	}

	sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
		this.socket.send(data, { binary: options.binary ?? Buffer.isBuffer(data) });
	}

	/** Sends a request and resolves with its reply (`ok` or `error`). */
	request(type: string, fields: Record<string, unknown> = {}): Promise<Frame> {
		const id = `r${this.nextId++}`;
		const reply = this.waitFor((frame) => frame.re === id);
		this.sendRaw(JSON.stringify({ type, id, ...fields }));
		return reply;
	}

	/** Sends a request that must succeed; returns the `ok` frame. */
	async ok(type: string, fields: Record<string, unknown> = {}): Promise<Frame> {
		const reply = await this.request(type, fields);
		if (reply.type !== 'ok') throw new Error(`${type} failed: ${String(reply.code)} ${String(reply.message)}`);
		return reply;
	}

	waitClosed(): Promise<{ code: number; reason: string }> {
		if (this.closed) return Promise.resolve(this.closed);
		return new Promise((resolve) => this.closeWaiters.push(resolve));
	}

	close(): void {
		this.socket.close();
	}
}
