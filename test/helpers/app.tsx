import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChatClient } from '../../source/client/index.js';
import { HistoryStore } from '../../source/local/history-store.js';
import { Settings } from '../../source/local/settings.js';
import { App, type AppProps } from '../../source/ui/app.js';
import { renderScreen, type RenderedScreen, type TerminalSize } from './render.js';

/** The real App on a fake terminal, as the screen suites drive it. */
export interface Harness {
	screen: RenderedScreen;
	settings: Settings;
	/** How often the App rang the terminal bell. */
	rings: { count: number };
	/** How often the App said it was done (quit). */
	exits: { count: number };
}

/** Everything a rendered App holds open; a suite closes it after each test with `closeOpened`. */
export const opened: Array<() => Promise<void> | void> = [];

export async function closeOpened(): Promise<void> {
	for (const close of opened.splice(0).reverse()) await close();
}

/** What a test may give the App beyond its server and profile: hosting the server (Ctrl-O). */
export type ExtraAppProps = Pick<AppProps, 'hostableServer' | 'hostServer'>;

/** The App for a fresh profile (temporary config dir), with clients that are closed after the test. */
export function renderApp(server: string, size: TerminalSize, prepare?: (settings: Settings) => void, extra: ExtraAppProps = {}): Harness {
	const rings = { count: 0 };
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-screens-'));
	const location = { configDir, profile: 'default' };
	const settings = new Settings(location);
	const history = new HistoryStore(location);
	prepare?.(settings);
	const clients: ChatClient[] = [];
	const createClient = (url: string) => {
		const client = new ChatClient({ url });
		clients.push(client);
		return client;
	};
	const ring = () => void (rings.count += 1);
	const exits = { count: 0 };
	const screen = renderScreen(
		<App
			server={server}
			settings={settings}
			history={history}
			createClient={createClient}
			ring={ring}
			onExit={() => void (exits.count += 1)}
			{...extra}
		/>,
		size,
	);
	opened.push(async () => {
		screen.unmount();
		await Promise.all(clients.map((client) => client.close()));
		history.close();
		rmSync(configDir, { recursive: true, force: true });
	});
	return { screen, settings, rings, exits };
}
