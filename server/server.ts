import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { cleanTextProblem } from '../source/protocol/index.js';
import { VERSION } from '../source/version.js';
import type { Bus } from './bus/bus.js';
import { LocalBus } from './bus/local-bus.js';
import { loadClusterModule } from './cluster-packages.js';
import { connectRedis, DEFAULT_REDIS_PREFIX, quit, RedisBus } from './bus/redis-bus.js';
import { memoryLimiters, redisLimiters, type LimiterStore } from './auth/limiter-store.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { LocalAddressCap, RedisAddressCap, type AddressCap, type Release } from './address-cap.js';
import { acceptConnection, remoteAddress } from './connection.js';
import { createFilesHttp } from './files-http.js';
import { Hub } from './hub.js';
import { consoleLogger, type Logger } from './logger.js';
import { LocalPresence } from './presence/local-presence.js';
import type { Presence } from './presence/presence.js';
import { defaultInstanceId, RedisPresence } from './presence/redis-presence.js';
import { CLOSE, DEFAULT_SETTINGS, SESSION_SEEN, type ServerSettings } from './settings.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';

export interface ServerOptions extends Partial<ServerSettings> {
	port?: number;
	host?: string;
	/** Where the SQLite file lives (ignored when `store` or `databaseUrl` is given). */
	dataDir?: string;
	/** A PostgreSQL connection string: keep everything there instead of SQLite (ignored when `store` is given). */
	databaseUrl?: string | undefined;
	/** The PostgreSQL schema for the tables (created when missing); the search_path's default otherwise. */
	databaseSchema?: string | undefined;
	store?: Store;
	bus?: Bus;
	/** Who is online; LocalPresence unless `redisUrl` is given (or a presence is passed). */
	presence?: Presence;
	/**
	 * Cluster mode: Redis carries deliveries between instances (RedisBus) and
	 * keeps cluster-wide presence (RedisPresence). All instances share the
	 * store (PostgreSQL) and this Redis.
	 */
	redisUrl?: string | undefined;
	/** Put before every Redis key and channel (default `chat-tui:`): one Redis, several clusters. */
	redisPrefix?: string | undefined;
	/** This instance's name in the cluster (default host-pid-random); unique among running instances. */
	instanceId?: string | undefined;
	/** PEM certificate and key: serve wss:// instead of ws://. */
	tls?: { cert: Buffer | string; key: Buffer | string } | undefined;
	logger?: Logger;
}

export interface RunningServer {
	/** `ws://HOST:PORT` as clients should dial it. */
	url: string;
	port: number;
	host: string;
	store: Store;
	/** This instance's name in a cluster (undefined for a single server). */
	instanceId: string | undefined;
	/** What carries deliveries between instances (its stats show what it carried). */
	bus: Bus;
	/**
	 * Tells every client, closes them with 1001 (going away), then closes the
	 * store. With `restart` (a cluster instance's rolling restart) it drains
	 * instead: stops taking connections, lets each session finish what it
	 * has queued (up to DRAIN_MS), closes it with 1012 (service restart: its
	 * client reconnects at once, to another instance), and leaves presence
	 * with its users moving rather than offline (Hub.restartSessions).
	 */
	close(notice?: string, options?: { restart?: boolean }): Promise<void>;
	/** WebSocket connections open now, logged in or not (a TUI hosting the server warns before stopping it under them). */
	connections(): number;
}

export const DEFAULT_PORT = 4100;
export const DEFAULT_HOST = '127.0.0.1';

/** How long clients get to answer our close frame before they are cut off. */
const CLOSE_GRACE_MS = 2000;

/** How long a drain waits for the sessions' queued requests; then it closes them anyway. */
export const DRAIN_MS = 10_000;

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

/** The address cannot be listened on; the message is a sentence for a person, `code` the system's (EADDRINUSE, ...). */
export class ListenError extends Error {
	constructor(
		message: string,
		readonly code: string,
		options: ErrorOptions,
	) {
		super(message, options);
	}
}

/** Why the address cannot be listened on, as a sentence for a person; undefined for the unforeseen. */
function listenProblem(error: NodeJS.ErrnoException, port: number, host: string): string | undefined {
	switch (error.code) {
		case 'EADDRINUSE':
			return `port ${port} on ${host} is already in use (another chat-tui serve?)`;
		case 'EACCES':
			return `this user may not listen on port ${port} on ${host} (ports below 1024 need privileges)`;
		case 'EADDRNOTAVAIL':
			return `${host} is not an address of this machine, so port ${port} cannot be listened on there`;
		default:
			return undefined;
	}
}

/** Listens; a foreseen failure rejects with a ListenError saying why. */
function listen(http: HttpServer, port: number, host: string): Promise<AddressInfo> {
	return new Promise((resolve, reject) => {
		const fail = (error: NodeJS.ErrnoException) => {
			const problem = listenProblem(error, port, host);
			reject(problem ? new ListenError(problem, error.code!, { cause: error }) : error);
		};
		http.once('error', fail);
		http.listen(port, host, () => {
			http.off('error', fail);
			resolve(http.address() as AddressInfo);
		});
	});
}

function formatUrl(scheme: 'ws' | 'wss', host: string, port: number): string {
	return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The bus, presence and the limits that hold for all instances: given ones, Redis ones for a cluster, or this process's own. */
interface ClusterParts {
	bus: Bus;
	presence: Presence;
	/** Where the login throttle counts failures. */
	limiters: LimiterStore;
	/** The per-address connection cap. */
	addressCap: AddressCap;
	/** Closes what these limits hold open (after presence and bus). */
	closeLimits(): Promise<void>;
}

async function clusterParts(options: ServerOptions, settings: ServerSettings, logger: Logger): Promise<ClusterParts> {
	const { redisUrl } = options;
	if (!redisUrl) {
		return {
			bus: options.bus ?? new LocalBus(),
			presence: options.presence ?? new LocalPresence(),
			limiters: memoryLimiters,
			addressCap: new LocalAddressCap(),
			closeLimits: async () => undefined,
		};
	}
	const prefix = options.redisPrefix ?? DEFAULT_REDIS_PREFIX;
	// The bus routes to an instance by the name the presence knows it by (a dead one's routes are dropped by it).
	const given = options.presence instanceof RedisPresence ? options.presence.instanceId : undefined;
	const instanceId = given ?? options.instanceId ?? defaultInstanceId();
	const opened: Array<() => Promise<void>> = [];
	try {
		const bus = options.bus ?? (await RedisBus.connect({ url: redisUrl, prefix, instanceId, checkMs: settings.presenceCheckMs, logger }));
		opened.push(() => bus.close());
		const presence =
			options.presence ??
			(await RedisPresence.connect({
				url: redisUrl,
				prefix,
				instanceId,
				ttlMs: settings.presenceTtlMs,
				checkMs: settings.presenceCheckMs,
				logger,
			}));
		opened.push(() => presence.close());
		const limits = await connectRedis(redisUrl, 'chat-tui-limits', logger);
		opened.push(() => quit(limits));
		const addressCap = await RedisAddressCap.start(limits, {
			prefix,
			instanceId: presence instanceof RedisPresence ? presence.instanceId : instanceId,
			ttlMs: settings.presenceTtlMs,
			logger,
		});
		const closeLimits = async () => {
			await addressCap.close();
			await quit(limits);
		};
		return { bus, presence, limiters: redisLimiters(limits, prefix), addressCap, closeLimits };
	} catch (error) {
		for (const close of opened.reverse()) await close().catch(() => undefined);
		throw error;
	}
}

/** The PostgreSQL store; its module imports pg, an optional package, so it is loaded only here. */
async function openPostgres(connectionString: string, schema: string | undefined): Promise<Store> {
	const { openPostgresStore } = await loadClusterModule(() => import('./store/postgres-store.js'));
	return openPostgresStore({ connectionString, schema });
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
	const settings: ServerSettings = { ...DEFAULT_SETTINGS };
	for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof ServerSettings>) {
		if (options[key] !== undefined) Object.assign(settings, { [key]: options[key] });
	}
	if (options.passwordCost) settings.passwordCost = options.passwordCost;
	// The motd reaches every client's terminal: it is held to the clean-text rule like anything a user sends.
	const motdProblem = cleanTextProblem('the motd', settings.motd);
	if (motdProblem) throw new Error(`${motdProblem}: a message of the day must be plain text (no control characters)`);
	const logger = options.logger ?? consoleLogger;
	if (!options.store && !options.databaseUrl && !options.dataDir) {
		throw new Error('startServer needs a dataDir, a databaseUrl or a store');
	}
	const store =
		options.store ??
		(options.databaseUrl
			? await openPostgres(options.databaseUrl, options.databaseSchema)
			: new SqliteStore({ dataDir: options.dataDir! }));
	let parts: ClusterParts;
	try {
		parts = await clusterParts(options, settings, logger);
	} catch (error) {
		await store.close();
		throw error;
	}
	const { bus, presence, limiters, addressCap, closeLimits } = parts;
	const hub = new Hub(store, bus, { presence, logger, lostSlackMs: settings.presenceTtlMs });
	try {
		await presence.start();
	} catch (error) {
		await presence.close().catch(() => undefined);
		await bus.close();
		await closeLimits();
		await store.close();
		throw error;
	}

	// files: uploads and downloads share the WebSocket's port (and its TLS).
	const filesHttp = createFilesHttp({ store, settings, logger });
	const answerPlainHttp = (request: IncomingMessage, response: ServerResponse) => {
		if (filesHttp(request, response)) return;
		response.writeHead(426, { 'content-type': 'text/plain' }).end('chat-tui speaks WebSocket here\n');
	};
	const http = options.tls ? createHttpsServer(options.tls, answerPlainHttp) : createServer(answerPlainHttp);
	// The per-address cap is asked before the handshake completes (its answer may come from Redis), so the
	// connection's first frames find their listeners; a refusal still opens and closes with 1013 and a reason.
	const admitted = new WeakMap<IncomingMessage, Release | undefined>();
	const verifyClient = (info: { req: IncomingMessage }, callback: (ok: boolean) => void) => {
		const address = remoteAddress(info.req, settings.trustProxy);
		addressCap.admit(address, settings.maxConnectionsPerAddress).then(
			(release) => {
				admitted.set(info.req, release);
				// The place is the TCP connection's: given back when it closes, whether or not the handshake finished.
				if (release) info.req.socket.once('close', release);
				callback(true);
			},
			(error: unknown) => {
				logger.error('connection cap failed', error);
				callback(false);
			},
		);
	};
	const wss = new WebSocketServer({ server: http, path: '/', maxPayload: settings.maxFrameBytes, verifyClient });
	// ws re-emits the HTTP server's errors; unheard, a failed listen would crash the process past listen()'s own report.
	let listening = false;
	wss.on('error', (error) => {
		if (listening) logger.error('server error', error);
	});
	const throttle = new LoginThrottle(
		{
			freeFailures: settings.loginFreeFailures,
			freeFailuresPerAddress: settings.loginFreeFailuresPerAddress,
			baseDelayMs: settings.loginBaseDelayMs,
			maxDelayMs: settings.loginMaxDelayMs,
		},
		limiters,
	);
	/** Set once close() starts: the close a connection accepted just before the listener closed gets, like the rest. */
	let closingWith: { code: number; reason: string } | undefined;
	wss.on('connection', (socket, request) => {
		const release = admitted.get(request);
		if (closingWith) {
			release?.();
			socket.close(closingWith.code, closingWith.reason);
			return;
		}
		const refusal =
			wss.clients.size > settings.maxConnections
				? 'the server is full; try again later'
				: release === undefined
					? 'too many connections from your address'
					: undefined;
		if (refusal) {
			release?.();
			socket.close(CLOSE.tryAgainLater, refusal);
			return;
		}
		acceptConnection(socket, request, { store, hub, settings, throttle, version: VERSION, logger });
	});
	// Heartbeats: a peer that stops answering pings (a pulled cable) is cut off, and so turns offline.
	const heartbeat =
		settings.heartbeatIntervalMs > 0
			? setInterval(() => {
					for (const session of hub.sessions()) session.ping();
				}, settings.heartbeatIntervalMs)
			: undefined;
	heartbeat?.unref();
	// Login sessions connected here are marked seen, so the store can tell their counts from those a dead instance left.
	const sessionsSeen = setInterval(() => {
		store
			.sessionsSeen(hub.allLocalSessionIds(), new Date().toISOString())
			.catch((error: unknown) => logger.error('could not mark sessions seen', error));
	}, SESSION_SEEN.refreshMs);
	sessionsSeen.unref();

	const host = options.host ?? DEFAULT_HOST;
	let address: AddressInfo;
	try {
		address = await listen(http, options.port ?? DEFAULT_PORT, host);
		listening = true;
	} catch (error) {
		// A process that goes on (the TUI that tried to host) keeps no timer on a closed store.
		clearInterval(heartbeat);
		clearInterval(sessionsSeen);
		wss.close();
		await presence.close();
		await bus.close();
		await closeLimits();
		await store.close();
		throw error;
	}

	let closing: Promise<void> | undefined;
	const close = (notice?: string, { restart = false } = {}) => {
		closing ??= (async () => {
			clearInterval(heartbeat);
			clearInterval(sessionsSeen);
			// No new connections: a refused connect sends nginx on to the next instance (proxy_next_upstream error).
			closingWith = restart
				? { code: CLOSE.serviceRestart, reason: 'service restart' }
				: { code: CLOSE.goingAway, reason: 'server shutting down' };
			const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
			const text = notice ?? (restart ? 'This server is restarting; reconnecting you.' : 'The server is shutting down.');
			await Promise.all([...hub.sessions()].map((session) => session.send({ type: 'notice', text })));
			if (restart) {
				const deadline = Date.now() + DRAIN_MS;
				// Users must be back by the time the stand-in presence leaves behind is reaped (RedisPresence.close).
				await hub.restartSessions(deadline, DRAIN_MS + settings.presenceTtlMs + settings.presenceCheckMs);
			} else {
				for (const session of hub.sessions()) session.close(closingWith.code, closingWith.reason);
			}
			await allClosed(wss, CLOSE_GRACE_MS);
			for (const client of wss.clients) client.terminate();
			await new Promise<void>((resolve) => wss.close(() => resolve()));
			http.closeAllConnections();
			await stopped;
			// Each closed session's detach (presence, its contacts told, its session count) before the parts it uses close.
			await hub.detachesSettled();
			// Leaving: sessions still counted here stop counting, and their contacts hear it (over the bus);
			// a drain's moving users keep counting a while instead.
			await presence.close({ moving: restart });
			await bus.close();
			await closeLimits();
			await store.close();
		})();
		return closing;
	};

	const instanceId = presence instanceof RedisPresence ? presence.instanceId : undefined;
	const connections = () => wss.clients.size;
	return { url: formatUrl(options.tls ? 'wss' : 'ws', host, address.port), port: address.port, host, store, instanceId, bus, close, connections };
}
