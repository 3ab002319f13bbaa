import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, ListenError, startServer, type RunningServer, type ServerOptions } from '../server/server.js';
import { DataDirInUseError } from '../server/store/data-dir-lock.js';
import { DEFAULT_REDIS_PREFIX } from '../server/bus/redis-bus.js';
import { DEFAULT_SETTINGS, type ServerSettings } from '../server/settings.js';
import { defaultDataDir } from './paths.js';
import { VERSION } from './version.js';

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number') {
	return (value: string): number => {
		const number = Number(value);
		if (!Number.isInteger(number) || number < min || number > max) {
			throw new InvalidArgumentError(`${what} from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`);
		}
		return number;
	};
}

/** One limit flag: its option, the setting it sets, and how a value on the command line maps to it. */
interface LimitFlag {
	flags: string;
	setting: keyof ServerSettings;
	description: string;
	/** Multiplier from the flag's unit to the setting's (seconds → ms). */
	scale?: number;
	min?: number;
}

/** Every limit `serve` enforces, each settable here; defaults come from DEFAULT_SETTINGS. */
const LIMIT_FLAGS: LimitFlag[] = [
	{ flags: '--max-frame-bytes <n>', setting: 'maxFrameBytes', description: 'largest frame; bigger closes with 1009', min: 1024 },
	{ flags: '--rate <n>', setting: 'rateLimitPerSecond', description: 'requests per second per connection', min: 1 },
	{ flags: '--burst <n>', setting: 'rateLimitBurst', description: 'requests allowed in a burst', min: 1 },
	{ flags: '--max-strikes <n>', setting: 'rateLimitStrikes', description: 'refused requests in a row before closing with 1008', min: 1 },
	{ flags: '--login-free-failures <n>', setting: 'loginFreeFailures', description: 'failed logins per username before delays', min: 0 },
	{ flags: '--max-buffered-bytes <n>', setting: 'maxBufferedBytes', description: 'unsent data before a non-reading peer is closed with 1013', min: 1024 },
	{ flags: '--max-connections <n>', setting: 'maxConnections', description: 'connections in total', min: 1 },
	{ flags: '--max-connections-per-address <n>', setting: 'maxConnectionsPerAddress', description: 'connections from one address', min: 1 },
	{ flags: '--heartbeat <seconds>', setting: 'heartbeatIntervalMs', description: 'ping interval; a peer silent for two is dropped (0: off)', scale: 1000, min: 0 },
	{ flags: '--token-ttl-days <n>', setting: 'tokenTtlDays', description: 'how long a login token lasts (0: until logout)', min: 0 },
	{ flags: '--max-file-bytes <n>', setting: 'maxFileBytes', description: 'largest file a user may upload', min: 0 },
	{ flags: '--min-password-length <n>', setting: 'minPasswordLength', description: 'shortest password accepted at register and password change, in characters', min: 1 },
];

/** Seconds, fractions allowed, at least `min`; returned in ms. */
function seconds(min: number) {
	return (value: string): number => {
		const number = Number(value);
		if (!Number.isFinite(number) || number < min) throw new InvalidArgumentError(`a number of seconds, at least ${min}`);
		return Math.round(number * 1000);
	};
}

function optionName(flag: LimitFlag): string {
	return flag.flags
		.replace(/^--/, '')
		.replace(/ .*$/, '')
		.replace(/-(\w)/g, (_match, letter: string) => letter.toUpperCase());
}

interface ServeOptions {
	port: number;
	host: string;
	data: string;
	databaseUrl?: string;
	motd?: string;
	tlsCert?: string;
	tlsKey?: string;
	redisUrl?: string;
	redisPrefix?: string;
	instanceId?: string;
	presenceTtl?: number;
	presenceCheck?: number;
	trustProxy?: boolean;
	[limit: string]: unknown;
}

function settingsFrom(options: ServeOptions): Partial<ServerSettings> {
	const settings: Partial<ServerSettings> = {};
	for (const flag of LIMIT_FLAGS) {
		const value = options[optionName(flag)];
		if (typeof value === 'number') Object.assign(settings, { [flag.setting]: value * (flag.scale ?? 1) });
	}
	if (options.motd !== undefined) settings.motd = options.motd;
	if (options.presenceTtl !== undefined) settings.presenceTtlMs = options.presenceTtl;
	if (options.presenceCheck !== undefined) settings.presenceCheckMs = options.presenceCheck;
	if (options.trustProxy) settings.trustProxy = true;
	return settings;
}

function tlsFrom(options: ServeOptions): ServerOptions['tls'] {
	if (!options.tlsCert && !options.tlsKey) return undefined;
	if (!options.tlsCert || !options.tlsKey) throw new Error('--tls-cert and --tls-key go together');
	return { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
}

/** Cluster mode, from flags or the environment: Redis for the bus and presence. */
function clusterFrom(options: ServeOptions): Pick<ServerOptions, 'redisUrl' | 'redisPrefix' | 'instanceId'> {
	const redisUrl = options.redisUrl || process.env.REDIS_URL || undefined;
	if (!redisUrl) return {};
	return {
		redisUrl,
		redisPrefix: options.redisPrefix ?? (process.env.REDIS_PREFIX || undefined),
		instanceId: options.instanceId || process.env.INSTANCE_ID || undefined,
	};
}

/** Which flag fixes a refusal to start; the server's sentence says what is wrong. */
function startHint(error: unknown): string | undefined {
	if (error instanceof DataDirInUseError) return 'stop it, or choose another directory with --data';
	if (error instanceof ListenError) return `choose another with ${error.code === 'EADDRNOTAVAIL' ? '--host' : '--port'}`;
	return undefined;
}

/** A failed start as the one line `serve` prints: no stack trace, a hint where there is one. */
function startFailure(error: unknown): Error {
	const hint = startHint(error);
	return new Error(`chat-tui serve: ${error instanceof Error ? error.message : String(error)}${hint ? `; ${hint}` : ''}`);
}

async function serve(options: ServeOptions): Promise<void> {
	const databaseUrl = options.databaseUrl || process.env.DATABASE_URL || undefined;
	let server: RunningServer;
	try {
		server = await startServer({
			port: options.port,
			host: options.host,
			dataDir: options.data,
			databaseUrl,
			tls: tlsFrom(options),
			...clusterFrom(options),
			...settingsFrom(options),
		});
	} catch (error) {
		// commands.ts prints the message alone and exits 1.
		throw startFailure(error);
	}
	console.log(`chat-tui server ${VERSION} listening on ${server.url}`);
	if (server.instanceId) console.log(`cluster: instance ${server.instanceId}, bus, presence and limits in Redis`);
	// The URL may hold a password: name only where the data is.
	console.log(databaseUrl ? 'data: PostgreSQL (--database-url or DATABASE_URL)' : `data: ${options.data}`);
	// A cluster instance drains (its clients move to the others, 1012) so a rolling restart loses nothing.
	// A single server has nowhere to send them: it says goodbye (1001), and its clients retry with backoff.
	const restart = server.instanceId !== undefined;
	const stop = (signal: string) => {
		console.log(
			restart
				? `${signal}: draining (clients move to other instances), then exiting`
				: `${signal}: telling clients and shutting down`,
		);
		server.close(undefined, { restart }).then(
			() => process.exit(0),
			(error: unknown) => {
				console.error('shutdown failed:', error);
				process.exit(1);
			},
		);
	};
	process.once('SIGINT', () => stop('SIGINT'));
	process.once('SIGTERM', () => stop('SIGTERM'));
}

/** `chat-tui serve`'s options and action (commands.ts adds the command and calls this only when it runs): the bundled server, with every limit as a flag. */
export function addServeOptions(command: Command): void {
	command
		.option('-p, --port <port>', 'port to listen on (0 picks a free one)', wholeNumber(0, 65535, 'a port is a whole number'), DEFAULT_PORT)
		.option('--host <host>', 'address to listen on', DEFAULT_HOST)
		.option('--data <dir>', 'directory for the database', defaultDataDir())
		.option('--database-url <url>', 'PostgreSQL connection string instead of SQLite in --data (default: $DATABASE_URL)')
		.option('--motd <text>', 'message of the day sent to every client on connect')
		.option('--tls-cert <file>', 'PEM certificate: serve wss:// (with --tls-key)')
		.option('--tls-key <file>', 'PEM private key for --tls-cert')
		.option('--trust-proxy', "behind nginx: per-address limits use X-Forwarded-For's last entry, not the proxy's address")
		.option('--redis-url <url>', 'cluster mode: Redis for the bus and presence, shared by every instance (default: $REDIS_URL)')
		.option('--redis-prefix <prefix>', `prefix of every Redis key and channel (default: $REDIS_PREFIX or ${DEFAULT_REDIS_PREFIX})`)
		.option('--instance-id <id>', "this instance's unique name in the cluster (default: $INSTANCE_ID or host-pid-random)")
		.option(
			'--presence-ttl <seconds>',
			`cluster: an instance silent this long is dead (default ${DEFAULT_SETTINGS.presenceTtlMs / 1000})`,
			seconds(0.3),
		)
		.option(
			'--presence-check <seconds>',
			`cluster: how often to look for dead instances; their users are offline within ttl + this (default ${DEFAULT_SETTINGS.presenceCheckMs / 1000})`,
			seconds(0.05),
		);
	for (const flag of LIMIT_FLAGS) {
		const fallback = (DEFAULT_SETTINGS[flag.setting] as number) / (flag.scale ?? 1);
		command.option(flag.flags, `${flag.description} (default ${fallback})`, wholeNumber(flag.min ?? 0));
	}
	command.action(serve);
}
