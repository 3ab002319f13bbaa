import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from './private-files.js';
import type { ProfileLocation } from './profile.js';

/** What the client remembers of a login: never the password, only the server-issued token. */
export interface SavedLogin {
	username: string;
	token: string;
}

interface SettingsData {
	/** The server this profile used last. */
	server?: string;
	/** Saved logins by server URL. */
	logins: Record<string, SavedLogin>;
	/** Lines typed in the input, newest last, for Up/Down recall. */
	inputHistory: string[];
	/** Ring the terminal bell for a direct message or a mention in a conversation not on screen. */
	bell: boolean;
	/** List conversations with unread messages first in the sidebar. */
	unreadFirst: boolean;
}

const INPUT_HISTORY_KEPT = 200;

const DEFAULTS: SettingsData = { logins: {}, inputHistory: [], bell: true, unreadFirst: false };

/**
 * A profile's settings and credentials, in `<configDir>/<profile>.json`,
 * readable only by its owner. The file is read on every access, so two
 * windows of one profile see each other's changes, and replaced whole on
 * every change (written beside it, then renamed), so a crash never leaves
 * half a file. Read and written with node:fs alone: a settings library
 * (conf, with its JSON-schema validator) cost each start more than the rest
 * of opening a profile.
 */
export class Settings {
	readonly path: string;

	constructor(location: ProfileLocation) {
		// It holds credentials: the directory is 0700, the file 0600.
		makePrivateDir(location.configDir);
		this.path = path.join(location.configDir, `${location.profile}.json`);
	}

	private read(): SettingsData {
		let text: string;
		try {
			text = readFileSync(this.path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULTS };
			throw error;
		}
		let stored: unknown;
		try {
			stored = JSON.parse(text);
		} catch (error) {
			throw new Error(`${this.path} is not valid JSON (${(error as Error).message}); fix or remove it`);
		}
		return { ...DEFAULTS, ...(typeof stored === 'object' && stored !== null ? stored : {}) };
	}

	private get<K extends keyof SettingsData>(key: K): SettingsData[K] {
		return this.read()[key];
	}

	private set<K extends keyof SettingsData>(key: K, value: SettingsData[K]): void {
		const data = { ...this.read(), [key]: value };
		const temporary = `${this.path}.${process.pid}.tmp`;
		writeFileSync(temporary, `${JSON.stringify(data, undefined, '\t')}\n`, { mode: PRIVATE_FILE_MODE });
		renameSync(temporary, this.path);
	}

	get lastServer(): string | undefined {
		return this.get('server');
	}

	loginFor(server: string): SavedLogin | undefined {
		// Own properties only: a server URL is a key, and "__proto__" or "constructor" is not a login.
		const logins = this.get('logins');
		return Object.hasOwn(logins, server) ? logins[server] : undefined;
	}

	saveLogin(server: string, login: SavedLogin): void {
		this.set('logins', { ...this.get('logins'), [server]: login });
		this.set('server', server);
	}

	forgetLogin(server: string): void {
		const { [server]: _forgotten, ...rest } = this.get('logins');
		this.set('logins', rest);
	}

	get bell(): boolean {
		return this.get('bell');
	}

	set bell(on: boolean) {
		this.set('bell', on);
	}

	get unreadFirst(): boolean {
		return this.get('unreadFirst');
	}

	set unreadFirst(on: boolean) {
		this.set('unreadFirst', on);
	}

	get inputHistory(): string[] {
		return this.get('inputHistory');
	}

	rememberInput(line: string): void {
		const history = this.get('inputHistory').filter((entry) => entry !== line);
		history.push(line);
		this.set('inputHistory', history.slice(-INPUT_HISTORY_KEPT));
	}
}
