#!/usr/bin/env node
import { Command } from 'commander';
import { addConnectionOptions, DEFAULT_SERVER_URL, resolveConnection, type ConnectionOptions } from './cli-options.js';
import { addServeCommand } from './serve-command.js';
import { PASSWORD_ENV, readPassword } from './scripting/password.js';
import { describeSendError, printable, sendMessage, UsageError } from './scripting/send.js';
import { VERSION } from './version.js';
import type { TransferProgress } from './client/transfer-progress.js';
import { progressLine } from './ui/format/transfer.js';

const program = new Command()
	.name('chat-tui')
	.description('A keyboard-driven terminal chat client and its self-hostable server.\nWith no command, opens the full-screen chat.')
	.version(VERSION, '-v, --version');

addServeCommand(program);

interface SendCommandOptions extends ConnectionOptions {
	to?: string;
	group?: string;
	username?: string;
	file?: string;
}

const sendCommand = program
	.command('send')
	.description('send one message and print its id (for scripts)')
	.argument('[text...]', 'the message: the words are joined with spaces (put "--" before text starting with "-"); with --file, its caption')
	.option('--to <user>', 'a friend to send it to')
	.option('--group <name>', 'a group of yours to send it to')
	.option('--file <path>', 'upload this file and send it (progress on stderr when it is a terminal)')
	.option('--username <name>', `log in as this user, password from ${PASSWORD_ENV} or stdin (default: the saved login)`);
addConnectionOptions(sendCommand).action(async (words: string[], options: SendCommandOptions, command: Command) => {
	// files: the text is optional only as the caption of a --file.
	if (words.length === 0 && options.file === undefined) command.error("error: missing required argument 'text'");
	try {
		const message = await sendMessage({
			...options,
			text: words.join(' '),
			// Read only for a --username login, after the other options are checked.
			password: () => readPassword(),
			onProgress: process.stderr.isTTY ? showProgress : undefined,
		});
		if (process.stderr.isTTY && options.file !== undefined) process.stderr.write('\n');
		console.log(printable(message.id));
	} catch (error) {
		if (error instanceof UsageError) command.error(`chat-tui send: ${error.message}`);
		console.error(`chat-tui send: ${describeSendError(error)}`);
		// No process.exit: the client is closed, so the process ends once stderr is flushed.
		process.exitCode = 1;
	}
});

/** files: one line on stderr, redrawn in place. */
function showProgress(progress: TransferProgress): void {
	process.stderr.write(`\r${progressLine('uploading', progress, process.stderr.columns ?? 80)}\x1b[K`);
}

async function tui(options: ConnectionOptions): Promise<void> {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		const { commandFor } = await import('./invocation.js');
		throw new Error(`the chat-tui client needs an interactive terminal; in scripts, use "${commandFor('send')}"`);
	}
	// React's development build checks more and draws slower; a user gets the production one.
	process.env['NODE_ENV'] ??= 'production';
	const { runTui } = await import('./ui/run.js');
	const { hostServer } = await import('./host.js');
	await runTui({ ...resolveConnection(options), hostableServer: DEFAULT_SERVER_URL, hostServer });
}

// Options before a subcommand belong to the TUI, those after it to the subcommand.
program.enablePositionalOptions();
addConnectionOptions(program).action(tui);

program.parseAsync().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
