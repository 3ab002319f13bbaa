import { Command } from 'commander';
import { addConnectionOptions, DEFAULT_SERVER_URL, type ConnectionOptions } from './cli-options.js';
import { PASSWORD_ENV } from './scripting/password.js';
import { withoutFetch } from './start-fast.js';
import type { TransferProgress } from './client/transfer-progress.js';
import { VERSION } from './version.js';

/*
 * The chat-tui command, once cli.ts (the bin) has answered a lone `--version`.
 * Each command imports what it uses when it runs, so none pays for another's
 * modules: `--help` loads only commander; `send` loads the
 * client, not Ink or React; the TUI loads Ink and the client, and the server
 * only when it hosts one (Ctrl-O); `serve` loads the server.
 * test/startup-imports.test.ts checks this.
 */

const program = new Command()
	.name('chat-tui')
	.description('A keyboard-driven terminal chat client and its self-hostable server.\nWith no command, opens the full-screen chat.')
	.version(VERSION, '-v, --version')
	// With an action of its own (the TUI), commander would take `help serve` as the TUI's arguments.
	.helpCommand(true);

// serve's options name the server's defaults, so they are added (and the server loaded) only when serve is the command.
program.command('serve').description('run the chat server');
program.hook('preSubcommand', async (_program, command) => {
	if (command.name() !== 'serve') return;
	const { addServeOptions } = await import('./serve-command.js');
	addServeOptions(command);
});

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
	const [{ describeSendError, printable, sendMessage, UsageError }, { readPassword }, { progressLine }] = await Promise.all([
		import('./scripting/send.js'),
		import('./scripting/password.js'),
		import('./ui/format/transfer.js'),
	]);
	/** files: one line on stderr, redrawn in place. */
	const showProgress = (progress: TransferProgress) =>
		void process.stderr.write(`\r${progressLine('uploading', progress, process.stderr.columns ?? 80)}\x1b[K`);
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

async function tui(options: ConnectionOptions): Promise<void> {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		const { commandFor } = await import('./invocation.js');
		throw new Error(`the chat-tui client needs an interactive terminal; in scripts, use "${commandFor('send')}"`);
	}
	// React's development build checks more and draws slower; a user gets the production one.
	process.env['NODE_ENV'] ??= 'production';
	const [{ runTui }, { resolveConnection }] = await Promise.all([withoutFetch(() => import('./ui/run.js')), import('./cli-options.js')]);
	// The server is imported only if the user asks this window to host one.
	const hostServer: typeof import('./host.js').hostServer = async (url) => (await import('./host.js')).hostServer(url);
	await runTui({ ...(await resolveConnection(options)), hostableServer: DEFAULT_SERVER_URL, hostServer });
}

// Options before a subcommand belong to the TUI, those after it to the subcommand.
program.enablePositionalOptions();
addConnectionOptions(program).action(tui);

/** `chat-tui help serve` as `chat-tui serve --help`: commander's help command skips the hook that adds serve's options. */
function helpAsFlag(argv: string[]): string[] {
	const [node, bin, first, command, ...rest] = argv;
	return first === 'help' && command !== undefined && rest.length === 0 ? [node!, bin!, command, '--help'] : argv;
}

program.parseAsync(helpAsFlag(process.argv)).catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
