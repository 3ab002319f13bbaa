/**
 * Diagnostics only (`npm run bench -- --profile`): the chat-tui server exactly
 * as `chat-tui serve` starts it, except for SQLite's synchronous setting, to
 * show what the fsync at every commit costs. Not a supported way to run the
 * server, and never in the benchmark's main table.
 *
 * node dist/bench/chat-tui-variant.js --synchronous NORMAL --port 0 --data DIR [--rate N --burst N ...]
 */
import { startServer, type ServerOptions } from '../server/server.js';
import { SqliteStore } from '../server/store/sqlite-store.js';
import { silentLogger } from '../server/logger.js';

function option(name: string): string | undefined {
	const at = process.argv.indexOf(name);
	return at >= 0 ? process.argv[at + 1] : undefined;
}

function numberOption(name: string): number | undefined {
	const value = option(name);
	return value === undefined ? undefined : Number(value);
}

const synchronous = option('--synchronous') === 'FULL' ? 'FULL' : 'NORMAL';
const dataDir = option('--data');
if (!dataDir) {
	console.error('--data DIR is required');
	process.exit(2);
}
const options: ServerOptions = {
	port: numberOption('--port') ?? 0,
	host: option('--host') ?? '127.0.0.1',
	store: new SqliteStore({ dataDir, synchronous }),
	logger: silentLogger,
};
const limits: Record<string, keyof ServerOptions> = {
	'--rate': 'rateLimitPerSecond',
	'--burst': 'rateLimitBurst',
	'--max-strikes': 'rateLimitStrikes',
	'--max-connections': 'maxConnections',
	'--max-connections-per-address': 'maxConnectionsPerAddress',
};
for (const [flag, setting] of Object.entries(limits)) {
	const value = numberOption(flag);
	if (value !== undefined) Object.assign(options, { [setting]: value });
}
const server = await startServer(options);
console.log(`chat-tui server (synchronous=${synchronous}) listening on ${server.url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
