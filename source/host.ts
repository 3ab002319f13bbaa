import { defaultDataDir } from './paths.js';
import type { HostedServer } from './ui/app.js';

/**
 * Starts the bundled server inside this process, quietly, on the address it
 * was asked for: the TUI's Ctrl-O when nothing answers at the default
 * address. It lives beside commands.ts so that source/ui never imports server/;
 * the server is loaded only when asked for. It keeps `serve`'s rules: the
 * data directory is locked while hosted, and a port or directory in use is
 * refused with the server's one sentence, which the log-in screen shows.
 * `dataDir` is the user's data directory unless a test gives one of its own.
 */
export async function hostServer(url: string, dataDir = defaultDataDir()): Promise<HostedServer> {
	const { startServer } = await import('../server/server.js');
	const { silentLogger } = await import('../server/logger.js');
	const address = new URL(url);
	const server = await startServer({
		host: address.hostname,
		port: Number(address.port),
		dataDir,
		logger: silentLogger,
	});
	// The address as the window dials it (not as the server formats it): the app tells its own connection by it.
	return { url, connections: () => server.connections(), close: () => server.close() };
}
