import { WebSocketServer, type WebSocket } from 'ws';
import type { EventFrame, Message, ResultOf } from '../../source/protocol/index.js';

/**
 * A server that speaks the protocol but not its rules: a plain `ws`
 * WebSocketServer that greets with the motd it is given, takes any login,
 * and answers and sends whatever the script says, hostile strings and all
 * (the real server would refuse them; a client can be pointed at any server).
 */

export type HostileReply = Record<string, unknown> | { error: { code: string; message: string } };

export interface HostileScript {
	motd: string;
	/** The login's reply, for any username, password or token. */
	login: Omit<ResultOf<'login'>, 'token'>;
	/** Sent right after the login's reply. */
	events?: EventFrame[];
	/** Replies by op; an op without one is answered with `fallback`. */
	replies?: Record<string, (fields: Record<string, unknown>) => HostileReply>;
	/** The answer to every other op (an error, as a server that refuses would send). */
	fallback: HostileReply;
}

export interface HostileServer {
	url: string;
	/** Every request's op, in order. */
	ops: string[];
	/** Sends an event to every connected client. */
	broadcast(event: EventFrame): void;
	close(): Promise<void>;
}

/** Replies a client expects for housekeeping it does by itself; a script may answer them otherwise. */
const HOUSEKEEPING: Record<string, HostileReply> = {
	unread: { conversations: [] },
	'ignore.list': { users: [] },
	read: {},
	typing: {},
	logout: {},
};

export async function startHostileServer(script: HostileScript): Promise<HostileServer> {
	const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	await new Promise<void>((resolve) => wss.once('listening', resolve));
	const ops: string[] = [];
	const sockets = new Set<WebSocket>();
	const sendTo = (socket: WebSocket, frame: unknown) => socket.send(JSON.stringify(frame));

	wss.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		sendTo(socket, { type: 'welcome', server: 'chat-tui', protocol: 1, version: 'hostile', motd: script.motd });
		socket.on('message', (data) => {
			const { type: op, id, ...fields } = JSON.parse(data.toString()) as { type: string; id: string } & Record<string, unknown>;
			ops.push(op);
			if (op === 'login' || op === 'register') {
				sendTo(socket, { type: 'ok', re: id, ...script.login, token: 'hostile-token' });
				for (const event of script.events ?? []) sendTo(socket, event);
				return;
			}
			const reply = script.replies?.[op]?.(fields) ?? HOUSEKEEPING[op] ?? script.fallback;
			if ('error' in reply) sendTo(socket, { type: 'error', re: id, ...(reply.error as object) });
			else sendTo(socket, { type: 'ok', re: id, ...reply });
		});
	});

	const { port } = wss.address() as { port: number };
	return {
		url: `ws://127.0.0.1:${port}`,
		ops,
		broadcast(event) {
			for (const socket of sockets) sendTo(socket, event);
		},
		async close() {
			for (const socket of sockets) socket.terminate();
			await new Promise<void>((resolve) => wss.close(() => resolve()));
		},
	};
}

let seq = 0;

/** A message as a server would send it, with `text` as given. */
export function hostileMessage(from: string, to: Message['to'], text: string, id = `m${++seq}`): Message {
	return { id, seq: ++seq, from, to, text, ts: new Date().toISOString(), cid: `hostile-${seq}-cid` };
}
