#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../server/server.js';
import { defaultDataDir } from './paths.js';
import { VERSION } from './version.js';

function port(value: string): number {
	const number = Number(value);
	if (!Number.isInteger(number) || number < 0 || number > 65535) {
		throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one)');
	}
	return number;
}

interface ServeOptions {
	port: number;
	host: string;
	data: string;
	motd?: string;
}

async function serve(options: ServeOptions): Promise<void> {
	const server = await startServer({
		port: options.port,
		host: options.host,
		dataDir: options.data,
		...(options.motd !== undefined && { motd: options.motd }),
	}).catch((error: NodeJS.ErrnoException) => {
		if (error.code === 'EADDRINUSE') {
			throw new Error(`port ${options.port} on ${options.host} is already in use (is another server running?)`);
		}
		throw error;
	});
	console.log(`chat-tui server ${VERSION} listening on ${server.url}`);
	console.log(`data: ${options.data}`);
	const stop = (signal: string) => {
		console.log(`${signal}: telling clients and shutting down`);
		server.close().then(
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

const program = new Command()
	.name('chat-tui')
	.description('A keyboard-driven terminal chat client and its self-hostable server.')
	.version(VERSION, '-v, --version');

program
	.command('serve')
	.description('run the chat server')
	.option('-p, --port <port>', 'port to listen on (0 picks a free one)', port, DEFAULT_PORT)
	.option('--host <host>', 'address to listen on', DEFAULT_HOST)
	.option('--data <dir>', 'directory for the database', defaultDataDir())
	.option('--motd <text>', 'message of the day sent to every client on connect')
	.action(serve);

program.action(() => {
	// The full-screen client arrives with the TUI; until then, say what works.
	program.help();
});

program.parseAsync().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
