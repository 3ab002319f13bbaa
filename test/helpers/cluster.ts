/**
 * Real services for the cluster tests: PostgreSQL, Redis, nginx, and
 * `chat-tui serve` instances sharing them, each test run in its own
 * PostgreSQL schema and under its own Redis prefix, removed afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { silentLogger } from '../../server/logger.js';
import type { ServerOptions } from '../../server/server.js';
import { CLI } from './cli-server.js';
import { RELAXED_LIMITS, TEST_PASSWORD_COST } from './server.js';

export const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export const inCi = ['CI', 'CONTINUOUS_INTEGRATION'].some(
	(name) => name in process.env && process.env[name] !== '0' && process.env[name] !== 'false',
);

/** What is missing for the cluster tests, as one line each ("" when all is there). */
export async function missingServices(needNginx: boolean): Promise<string[]> {
	const missing: string[] = [];
	const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
	redis.on('error', () => undefined);
	try {
		await redis.connect();
		await redis.ping();
	} catch (error) {
		missing.push(`Redis at ${REDIS_URL} (${(error as Error).message})`);
	} finally {
		redis.disconnect();
	}
	const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
	try {
		await client.connect();
		await client.query('SELECT 1');
	} catch (error) {
		missing.push(`PostgreSQL at ${DATABASE_URL} (${(error as Error).message})`);
	} finally {
		await client.end().catch(() => undefined);
	}
	if (needNginx && !nginxBinary()) missing.push('nginx (apt-get install -y --no-install-recommends nginx)');
	return missing;
}

/** The nginx to run: TEST_NGINX if set (and there), else the first one found. */
export function nginxBinary(): string | undefined {
	const chosen = process.env.TEST_NGINX;
	if (chosen) return existsSync(chosen) ? chosen : undefined;
	for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx']) {
		if (existsSync(candidate)) return candidate;
	}
	const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
	return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One `chat-tui serve` instance of the cluster, as its own process. */
export interface Instance {
	readonly id: string;
	readonly child: ChildProcess;
	readonly url: string;
	readonly port: number;
	output(): string;
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	alive(): boolean;
	/** Sends the signal and waits for the process to end. */
	stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ClusterOptions {
	/** Heartbeat key TTL and check interval, in seconds (fractions allowed). */
	presenceTtl: number;
	presenceCheck: number;
	/** Seconds between the instances' pings to their clients (default 5). */
	heartbeat?: number;
}

/**
 * A run's share of the services: a PostgreSQL schema and a Redis prefix of
 * its own, and the instances started in them.
 */
export class Cluster {
	readonly run = `${process.pid}_${randomBytes(4).toString('hex')}`;
	readonly schema = `chat_tui_cluster_${this.run}`;
	readonly prefix = `chat-tui-test:${this.run}:`;
	readonly instances: Instance[] = [];
	private readonly dirs: string[] = [];

	constructor(readonly options: ClusterOptions) {}

	/** The run's database: the shared one, with search_path set to the run's schema (created in `prepare`). */
	get databaseUrl(): string {
		const url = new URL(DATABASE_URL);
		url.searchParams.set('options', `-c search_path=${this.schema}`);
		return url.toString();
	}

	/**
	 * Options for an instance started in this process (startServer) in the
	 * run's schema and prefix, quiet and with the tests' password cost and
	 * limits; a test adds its own instanceId or presence.
	 */
	inProcessOptions(): ServerOptions {
		return {
			port: 0,
			databaseUrl: this.databaseUrl,
			redisUrl: REDIS_URL,
			redisPrefix: this.prefix,
			logger: silentLogger,
			passwordCost: TEST_PASSWORD_COST,
			...RELAXED_LIMITS,
		};
	}

	/** The worst case for a SIGKILLed instance's users to turn offline for the others. */
	get offlineBoundMs(): number {
		return (this.options.presenceTtl + this.options.presenceCheck) * 1000;
	}

	async prepare(): Promise<void> {
		const client = new pg.Client({ connectionString: DATABASE_URL });
		await client.connect();
		try {
			await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(this.schema)}`);
		} finally {
			await client.end();
		}
	}

	/**
	 * Starts one more instance; `name` becomes its INSTANCE_ID. `port` (0:
	 * any free one) lets a replacement take a stopped instance's place behind nginx.
	 */
	async start(name: string, timeoutMs = 20_000, port = 0): Promise<Instance> {
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
		const id = `${name}-${this.run}`;
		const args = [
			CLI,
			'serve',
			'--port',
			String(port),
			'--host',
			'127.0.0.1',
			'--presence-ttl',
			String(this.options.presenceTtl),
			'--presence-check',
			String(this.options.presenceCheck),
			// Every client comes from 127.0.0.1 (and through nginx from nginx): limits meant per person would bite.
			'--max-connections-per-address',
			'10000',
			'--rate',
			'100000',
			'--burst',
			'100000',
			'--heartbeat',
			String(this.options.heartbeat ?? 5),
		];
		const env = {
			...process.env,
			DATABASE_URL: this.databaseUrl,
			REDIS_URL,
			REDIS_PREFIX: this.prefix,
			INSTANCE_ID: id,
		};
		const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
		child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
			child.once('exit', (code, signal) => resolve((exit = { code, signal }))),
		);
		const url = await new Promise<string>((resolve, reject) => {
			const timer = setTimeout(() => {
				child.kill('SIGKILL');
				reject(new Error(`instance ${id} printed no address within ${timeoutMs} ms:\n${output}`));
			}, timeoutMs);
			const check = () => {
				const match = /ws:\/\/\S+/.exec(output);
				if (match && /cluster: instance/.test(output)) {
					clearTimeout(timer);
					child.stdout!.off('data', check);
					resolve(match[0]);
				}
			};
			child.stdout!.on('data', check);
			void exited.then(() => {
				clearTimeout(timer);
				reject(new Error(`instance ${id} exited before listening:\n${output}`));
			});
		});
		const instance: Instance = {
			id,
			child,
			url,
			port: Number(new URL(url).port),
			output: () => output,
			exited,
			alive: () => exit === undefined,
			stop: async (signal = 'SIGTERM') => {
				if (exit) return exit;
				child.kill(signal);
				return exited;
			},
		};
		this.instances.push(instance);
		return instance;
	}

	tempDir(): string {
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-cluster-'));
		this.dirs.push(dir);
		return dir;
	}

	/** Stops every instance, drops the schema and deletes the run's Redis keys. */
	async cleanup(): Promise<void> {
		await Promise.all(this.instances.splice(0).map((instance) => instance.stop('SIGKILL')));
		const client = new pg.Client({ connectionString: DATABASE_URL });
		try {
			await client.connect();
			await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(this.schema)} CASCADE`);
		} finally {
			await client.end().catch(() => undefined);
		}
		const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
		try {
			let cursor = '0';
			do {
				const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
				cursor = next;
				if (keys.length > 0) await redis.del(...keys);
			} while (cursor !== '0');
		} finally {
			redis.disconnect();
		}
		for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	}

	/** Redis keys the run has left (for the cleanup check). */
	async redisKeys(): Promise<string[]> {
		const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
		try {
			return await redis.keys(`${this.prefix}*`);
		} finally {
			redis.disconnect();
		}
	}
}

/** nginx in the foreground, proxying WebSockets on a free loopback port to the given upstreams. */
export interface Nginx {
	readonly url: string;
	readonly child: ChildProcess;
	output(): string;
	stop(): Promise<void>;
}

export async function startNginx(dir: string, upstreams: number[]): Promise<Nginx> {
	const binary = nginxBinary();
	if (!binary) throw new Error('nginx is not installed');
	const port = await freePort();
	for (const sub of ['logs', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
	const conf = path.join(dir, 'nginx.conf');
	writeFileSync(conf, nginxConfig(dir, port, upstreams));
	const child = spawn(binary, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const deadline = Date.now() + 10_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`nginx exited at once:\n${output}${readLog(dir)}`);
		if (await canConnect(port)) break;
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`nginx is not listening on ${port}:\n${output}${readLog(dir)}`);
		}
		await sleep(50);
	}
	return {
		url: `ws://127.0.0.1:${port}`,
		child,
		output: () => output + readLog(dir),
		stop: async () => {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				await Promise.race([exited, sleep(5000)]);
				if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
			}
			await exited;
		},
	};
}

function readLog(dir: string): string {
	const file = path.join(dir, 'logs', 'error.log');
	return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function canConnect(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = createConnection({ port, host: '127.0.0.1' });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** The same shape as deploy/nginx.conf, with paths and ports of the test's own. */
export function nginxConfig(dir: string, port: number, upstreams: number[]): string {
	const tmp = path.join(dir, 'tmp');
	return `worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'logs', 'error.log')} warn;

events {
	worker_connections 1024;
}

http {
	access_log off;
	client_body_temp_path ${tmp}/body;
	proxy_temp_path ${tmp}/proxy;
	fastcgi_temp_path ${tmp}/fastcgi;
	uwsgi_temp_path ${tmp}/uwsgi;
	scgi_temp_path ${tmp}/scgi;

	map $http_upgrade $connection_upgrade {
		default upgrade;
		'' close;
	}

	upstream chat_tui {
${upstreams.map((upstream) => `		server 127.0.0.1:${upstream} max_fails=0;`).join('\n')}
	}

	server {
		listen 127.0.0.1:${port};

		location / {
			proxy_pass http://chat_tui;
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection $connection_upgrade;
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_connect_timeout 2s;
			proxy_next_upstream error timeout;
			proxy_read_timeout 1h;
			proxy_send_timeout 1h;
			proxy_buffering off;
		}
	}
}
`;
}
