import { render } from 'ink';
import { HistoryStore } from '../local/history-store.js';
import type { ProfileLocation } from '../local/profile.js';
import { Settings } from '../local/settings.js';
import type { HostedServer } from './app.js';
import { FirstFrame } from './first-frame.js';

export interface TuiOptions {
	server: string;
	location: ProfileLocation;
	/** The address the TUI may host the bundled server at when nothing answers there. */
	hostableServer: string;
	/** Starts the bundled server in this process (Ctrl-O on the log-in screen); the caller brings it, so the UI never imports the server. */
	hostServer?(url: string): Promise<HostedServer>;
}

// Bracketed paste (2004): the terminal marks pasted text, so its newlines are not Enter presses.
const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H\u001B[?2004h';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?2004l\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';

/**
 * Runs the full-screen TUI in the terminal's alternate screen, and puts the
 * terminal back on every way out: quitting, Ctrl-C, SIGTERM or a crash.
 */
export async function runTui(options: TuiOptions): Promise<void> {
	const settings = new Settings(options.location);
	const history = new HistoryStore(options.location);
	const stdout = process.stdout;
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		if (stdout.isTTY) stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
		if (process.stdin.isTTY) process.stdin.setRawMode(false);
		history.close();
	};
	if (stdout.isTTY) stdout.write(ENTER_ALTERNATE_SCREEN);
	// Ink turns raw mode on only after its first frame; until then the terminal
	// is in cooked mode and eats keys typed early (Ctrl-R is REPRINT, Ctrl-W
	// erases a word). Raw from the start, those keys wait in the terminal's
	// buffer until Ink reads them.
	if (process.stdin.isTTY) process.stdin.setRawMode(true);
	process.once('exit', restore);
	for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			instance.unmount();
			restore();
			process.exit(0);
		});
	}
	process.once('uncaughtException', (error) => {
		instance.unmount();
		restore();
		console.error('chat-tui crashed:', error);
		process.exit(1);
	});

	// The log-in screen is on screen at once; the App replaces it, looking the same, once its modules have loaded.
	const instance = render(<FirstFrame server={options.server} username={settings.loginFor(options.server)?.username} />, {
		exitOnCtrlC: false,
		patchConsole: true,
		incrementalRendering: true,
	});
	const { App } = await import('./app.js');
	// BEL moves no cursor, so it can go straight to the terminal between Ink's frames.
	const ringBell = () => void process.stdout.write('\u0007');
	instance.rerender(
		<App
			server={options.server}
			settings={settings}
			history={history}
			hostableServer={options.hostableServer}
			hostServer={options.hostServer}
			ring={ringBell}
		/>,
	);
	await instance.waitUntilExit();
	restore();
	// The hosted server and sockets are closed; nothing else should keep us alive.
	process.exit(0);
}
