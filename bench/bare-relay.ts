/**
 * The bare relay: the least a WebSocket chat server on our stack (Node + ws)
 * can do, as the benchmark's yardstick. No login, no validation, no storage,
 * no acknowledgement.
 *
 * - Connect to `ws://HOST:PORT/?name=NAME`; the name is taken as given.
 * - `{"join": "room"}` joins a room; the relay answers `{"joined": "room"}`.
 * - `{"to": "name", "text": "..."}` goes to that client; `{"to": "#room", "text": "..."}`
 *   to every other member of the room. Recipients get `{"from", "to", "text"}`
 *   (serialised once per message).
 *
 * Usage: node dist/bench/bare-relay.js [--port 0] [--host 127.0.0.1]
 * Prints `bare relay listening on ws://HOST:PORT`.
 */
import { WebSocketServer, type WebSocket } from 'ws';

interface Inbound {
	to?: unknown;
	text?: unknown;
	join?: unknown;
}

function startBareRelay(port: number, host: string): Promise<WebSocketServer> {
	const byName = new Map<string, WebSocket>();
	const rooms = new Map<string, Set<WebSocket>>();
	const wss = new WebSocketServer({ port, host, maxPayload: 64 * 1024 });
	wss.on('connection', (socket, request) => {
		const name = new URL(request.url ?? '/', 'ws://relay').searchParams.get('name') ?? '';
		if (name) byName.set(name, socket);
		const joined: string[] = [];
		socket.on('message', (data) => {
			let frame: Inbound;
			try {
				frame = JSON.parse(data.toString()) as Inbound;
			} catch {
				return;
			}
			if (typeof frame.join === 'string') {
				let members = rooms.get(frame.join);
				if (!members) rooms.set(frame.join, (members = new Set()));
				members.add(socket);
				joined.push(frame.join);
				socket.send(JSON.stringify({ joined: frame.join }));
				return;
			}
			if (typeof frame.to !== 'string') return;
			const out = JSON.stringify({ from: name, to: frame.to, text: frame.text });
			if (frame.to.startsWith('#')) {
				for (const member of rooms.get(frame.to.slice(1)) ?? []) if (member !== socket) member.send(out);
			} else {
				byName.get(frame.to)?.send(out);
			}
		});
		socket.on('close', () => {
			if (byName.get(name) === socket) byName.delete(name);
			for (const room of joined) rooms.get(room)?.delete(socket);
		});
		socket.on('error', () => undefined);
	});
	return new Promise((resolve, reject) => {
		wss.once('listening', () => resolve(wss));
		wss.once('error', reject);
	});
}

function option(name: string, fallback: string): string {
	const at = process.argv.indexOf(name);
	return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const host = option('--host', '127.0.0.1');
const wss = await startBareRelay(Number(option('--port', '0')), host);
const address = wss.address();
console.log(`bare relay listening on ws://${host}:${typeof address === 'object' && address ? address.port : 0}`);
process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
