import Conf from 'conf';
import { makePrivateDir } from './private-files.js';
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

/**
 * A profile's settings and credentials, in `<configDir>/<profile>.json`,
 * readable only by its owner (conf writes files 0644 unless told).
 */
export class Settings {
	private readonly conf: Conf<SettingsData>;

	constructor(location: ProfileLocation) {
		// conf would create the directory 0755; it holds credentials.
		makePrivateDir(location.configDir);
		this.conf = new Conf<SettingsData>({
			projectName: 'chat-tui',
			cwd: location.configDir,
			configName: location.profile,
			configFileMode: 0o600,
			// Server URLs hold dots; keys are taken literally.
			accessPropertiesByDotNotation: false,
			defaults: { logins: {}, inputHistory: [], bell: true, unreadFirst: false },
		});
	}

	get path(): string {
		return this.conf.path;
	}

	get lastServer(): string | undefined {
		return this.conf.get('server');
	}

	loginFor(server: string): SavedLogin | undefined {
		return this.conf.get('logins')[server];
	}

	saveLogin(server: string, login: SavedLogin): void {
		this.conf.set('logins', { ...this.conf.get('logins'), [server]: login });
		this.conf.set('server', server);
	}

	forgetLogin(server: string): void {
		const { [server]: _forgotten, ...rest } = this.conf.get('logins');
		this.conf.set('logins', rest);
	}

	get bell(): boolean {
		return this.conf.get('bell');
	}

	set bell(on: boolean) {
		this.conf.set('bell', on);
	}

	get unreadFirst(): boolean {
		return this.conf.get('unreadFirst');
	}

	set unreadFirst(on: boolean) {
		this.conf.set('unreadFirst', on);
	}

	get inputHistory(): string[] {
		return this.conf.get('inputHistory');
	}

	rememberInput(line: string): void {
		const history = this.conf.get('inputHistory').filter((entry) => entry !== line);
		history.push(line);
		this.conf.set('inputHistory', history.slice(-INPUT_HISTORY_KEPT));
	}
}
