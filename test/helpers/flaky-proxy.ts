import net, { type AddressInfo } from 'node:net';

interface Pair {
	client: net.Socket;
	upstream: net.Socket;
}

/**
 * A TCP proxy between clients and a server whose connections the test can cut
 * at will, as a network would: both sides just see the TCP connection end
 * (FIN, or RST with `reset`), and whatever was in flight is lost. Given
 * several servers (the instances of a cluster), it hands each new connection
 * to the next one in turn, as a load balancer would, so a client that
 * reconnects lands on another instance.
 */
export class FlakyProxy {
	/** Connections cut by the test. */
	cuts = 0;
	/** Connections made through the proxy. */
	connections = 0;
	/** `ws://127.0.0.1:PORT` to dial instead of the server. */
	url = '';
	private readonly pairs = new Set<Pair>();
	private readonly server: net.Server;
	private turn = 0;

	private constructor(private readonly targets: Array<{ host: string; port: number }>) {
		this.server = net.createServer((client) => this.accept(client));
	}

	/** Listens on an ephemeral loopback port and forwards to `target` (`ws://host:port`), or to each of several in turn. */
	static async start(target: string | string[]): Promise<FlakyProxy> {
		const targets = (Array.isArray(target) ? target : [target]).map((url) => {
			const { hostname, port } = new URL(url);
			return { host: hostname, port: Number(port) };
		});
		const proxy = new FlakyProxy(targets);
		await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
		proxy.url = `ws://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
		return proxy;
	}

	/** Connections open through the proxy now. */
	get open(): number {
		return this.pairs.size;
	}

	/** Cuts one connection chosen by `random` (in [0, 1)); false when there was none. */
	cutRandom(random: () => number, reset = random() < 0.5): boolean {
		const all = [...this.pairs];
		const pair = all[Math.floor(random() * all.length)];
		if (!pair) return false;
		this.cut(pair, reset);
		return true;
	}

	/** Cuts every connection at once. */
	cutAll(reset = false): number {
		const all = [...this.pairs];
		for (const pair of all) this.cut(pair, reset);
		return all.length;
	}

	async close(): Promise<void> {
		this.cutAll();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private accept(client: net.Socket): void {
		const target = this.targets[this.turn++ % this.targets.length]!;
		const upstream = net.connect(target.port, target.host);
		const pair = { client, upstream };
		this.pairs.add(pair);
		this.connections++;
		const end = () => {
			this.pairs.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		for (const socket of [client, upstream]) {
			socket.setNoDelay(true);
			socket.on('error', end);
			socket.on('close', end);
		}
		client.pipe(upstream);
		upstream.pipe(client);
	}

	private cut(pair: Pair, reset: boolean): void {
		this.cuts++;
		this.pairs.delete(pair);
		if (reset) {
			pair.client.resetAndDestroy();
			pair.upstream.resetAndDestroy();
		} else {
			pair.client.destroy();
			pair.upstream.destroy();
		}
	}
}
