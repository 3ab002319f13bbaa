import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../source/protocol/index.js';
import { VERSION } from '../source/version.js';
import type { Bus } from './bus/bus.js';
import { LocalBus } from './bus/local-bus.js';
import { acceptConnection } from './connection.js';
import { Hub } from './hub.js';
import { consoleLogger, type Logger } from './logger.js';
import { DEFAULT_SETTINGS, type ServerSettings } from './settings.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';

export interface ServerOptions extends Partial<ServerSettings> {
	port?: number;
	host?: string;
	/** Where the SQLite file lives (ignored when `store` is given). */
	dataDir?: string;
	store?: Store;
	bus?: Bus;
	logger?: Logger;
}

export interface RunningServer {
	/** `ws://HOST:PORT` as clients should dial it. */
	url: string;
	port: number;
	host: string;
	store: Store;
	/** Tells every client, closes them with 1001 (going away), then closes the store. */
	close(notice?: string): Promise<void>;
}

export const DEFAULT_PORT = 4100;
export const DEFAULT_HOST = '127.0.0.1';
/** Close code for a server that is going away (RFC 6455). */
const GOING_AWAY = 1001;

/** How long clients get to answer our close frame before they are cut off. */
const CLOSE_GRACE_MS = 2000;

function allClosed(wss: WebSocketServer, timeoutMs: number): Promise<void> {
	return new Promise((resolve) => {
		const deadline = Date.now() + timeoutMs;
		const check = () => {
			if (wss.clients.size === 0 || Date.now() >= deadline) resolve();
			else setTimeout(check, 20);
		};
		check();
	});
}

function listen(http: HttpServer, port: number, host: string): Promise<AddressInfo> {
	return new Promise((resolve, reject) => {
		http.once('error', reject);
		http.listen(port, host, () => {
			http.off('error', reject);
			resolve(http.address() as AddressInfo);
		});
	});
}

function formatUrl(host: string, port: number): string {
	return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
	const settings: ServerSettings = { ...DEFAULT_SETTINGS };
	for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof ServerSettings>) {
		if (options[key] !== undefined) Object.assign(settings, { [key]: options[key] });
	}
	if (options.passwordCost) settings.passwordCost = options.passwordCost;
	const logger = options.logger ?? consoleLogger;
	if (!options.store && !options.dataDir) throw new Error('startServer needs a dataDir or a store');
	const store = options.store ?? new SqliteStore({ dataDir: options.dataDir! });
	const bus = options.bus ?? new LocalBus();
	const hub = new Hub(store, bus);

	const http = createServer((_request, response) => {
		response.writeHead(426, { 'content-type': 'text/plain' }).end('chat-tui speaks WebSocket here: connect with ws://\n');
	});
	const wss = new WebSocketServer({ server: http, path: '/', maxPayload: MAX_FRAME_BYTES });
	wss.on('connection', (socket, request) =>
		acceptConnection(socket, request, { store, hub, settings, version: VERSION, logger }),
	);

	const host = options.host ?? DEFAULT_HOST;
	let address: AddressInfo;
	try {
		address = await listen(http, options.port ?? DEFAULT_PORT, host);
	} catch (error) {
		await store.close();
		throw error;
	}

	let closing: Promise<void> | undefined;
	const close = (notice = 'The server is shutting down.') => {
		closing ??= (async () => {
			await Promise.all([...hub.sessions()].map((session) => session.send({ type: 'notice', text: notice })));
			for (const session of hub.sessions()) session.close(GOING_AWAY, 'server shutting down');
			await allClosed(wss, CLOSE_GRACE_MS);
			for (const client of wss.clients) client.terminate();
			await new Promise<void>((resolve) => wss.close(() => resolve()));
			http.closeAllConnections();
			await new Promise<void>((resolve) => http.close(() => resolve()));
			await bus.close();
			await store.close();
		})();
		return closing;
	};

	return { url: formatUrl(host, address.port), port: address.port, host, store, close };
}
