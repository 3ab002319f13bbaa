import envPaths from 'env-paths';

/** The platform's per-user directories for chat-tui (XDG on Linux: ~/.local/share/chat-tui, ~/.config/chat-tui). */
const paths = envPaths('chat-tui', { suffix: '' });

/** Where `chat-tui serve` keeps its database unless told otherwise. */
export function defaultDataDir(): string {
	return paths.data;
}

/** Where the client keeps its settings, credentials and history unless told otherwise. */
export function defaultConfigDir(): string {
	return paths.config;
}
