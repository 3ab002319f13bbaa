import { InvalidArgumentError, type Command } from 'commander';
import { serverUrl } from './client/server-url.js';
import { securePrivateDir } from './local/private-files.js';
import { checkProfileName, DEFAULT_PROFILE, type ProfileLocation } from './local/profile.js';
import { defaultConfigDir } from './paths.js';

/** The server a client connects to when neither `--server` nor the profile names one. */
export const DEFAULT_SERVER_URL = 'ws://127.0.0.1:4100';

/** What commander parses from the options `addConnectionOptions` adds. */
export interface ConnectionOptions {
	server?: string;
	profile: string;
	configDir: string;
}

/** Where a client command connects, and which profile's files it uses. */
export interface ResolvedConnection {
	server: string;
	location: ProfileLocation;
}

/** `--server`: the one rule for a typed address (no scheme is ws://). */
function serverOption(value: string): string {
	try {
		return serverUrl(value);
	} catch (error) {
		throw new InvalidArgumentError((error as Error).message);
	}
}

function profileName(value: string): string {
	try {
		return checkProfileName(value);
	} catch (error) {
		throw new InvalidArgumentError((error as Error).message);
	}
}

/**
 * Adds `--server`, `--profile` and `--config-dir` to a command. The TUI (the
 * root command) and the scripting commands share them, so both read the same
 * profiles the same way.
 */
export function addConnectionOptions(command: Command): Command {
	return command
		.option('--server <url>', `server to connect to, ws:// unless it says wss:// (default: the profile's last server, else ${DEFAULT_SERVER_URL})`, serverOption)
		.option('--profile <name>', 'profile whose saved logins and settings to use', profileName, DEFAULT_PROFILE)
		.option('--config-dir <dir>', 'directory holding the profiles', defaultConfigDir());
}

/**
 * `--server`, else the profile's last server, else DEFAULT_SERVER_URL; and the profile's location.
 * Opening a profile (the TUI, `send`) also makes private what an older version left readable to all.
 */
export async function resolveConnection(options: ConnectionOptions): Promise<ResolvedConnection> {
	const location: ProfileLocation = { configDir: options.configDir, profile: options.profile };
	securePrivateDir(location.configDir);
	// Loaded here, not at the top: the bin imports this module for its options, and `--version` should not load conf.
	const { Settings } = await import('./local/settings.js');
	const server = options.server ?? new Settings(location).lastServer ?? DEFAULT_SERVER_URL;
	return { server, location };
}
