import { useApp } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ChatClient, deviceLabel, EventBuffer } from '../client/index.js';
import { serverUrl } from '../client/server-url.js';
import { commandFor } from '../invocation.js';
import type { HistoryStore } from '../local/history-store.js';
import type { SavedLogin, Settings } from '../local/settings.js';
import { ProtocolError, Username, type ResultOf } from '../protocol/index.js';
import { tooSmall } from './components/too-small.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { keyName, LOGIN_KEYS } from './keys.js';
import { ChatScreen } from './screens/chat-screen.js';
import { ChatSession } from './session/chat-session.js';
import { KeptState } from './session/kept-state.js';
import { QuitGuard } from './session/quit-guard.js';
import { connectingLine, LoginScreen, type LoginForm, type LoginMode } from './screens/login-screen.js';

/** A server this window started itself. */
export interface HostedServer {
	/** The address this window dials it at. */
	url: string;
	/** Its WebSocket connections open now, this window's own among them when it is connected. */
	connections(): number;
	close(): Promise<void>;
}

export interface AppProps {
	server: string;
	settings: Settings;
	history: HistoryStore;
	/** The address this window may host the bundled server at when nothing answers there. */
	hostableServer?: string | undefined;
	hostServer?(url: string): Promise<HostedServer>;
	createClient?(url: string): ChatClient;
	/** Rings the terminal bell; without it the chat never rings. */
	ring?: (() => void) | undefined;
	/** Called once the app has cleaned up and wants the process to end. */
	onExit?(): void;
}

type Phase =
	| { kind: 'starting' }
	| { kind: 'login'; error?: string | undefined; info?: string | undefined; busy?: boolean; mode?: LoginMode; username?: string | undefined }
	/** The session lives as long as the login, whatever the screen shows meanwhile. */
	| { kind: 'chat'; session: ChatSession };

const defaultCreateClient = (url: string) => new ChatClient({ url, device: deviceLabel('chat-tui') });

/** What the log-in screen says when the server logged this session out. */
export const REVOKED_SENTENCE = 'This session was logged out from another device; log in again.';

/** A clause as the log-in screen's line shows it: a capital first letter and a full stop. */
const asSentence = (clause: string) => `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;

/** What a failed log-in or connection means, in one sentence for the login screen. */
export function loginErrorText(error: unknown, server: string, mode: LoginMode): string {
	if (!(error instanceof ProtocolError)) return error instanceof Error ? error.message : String(error);
	switch (error.code) {
		case 'UNAUTHENTICATED':
			// The server does not say which of the two was wrong (no telling who has an account): a new user may be here.
			return mode === 'login' ? `Wrong username or password. New here? ${keyName(LOGIN_KEYS, 'switch-mode')} creates an account.` : error.message;
		case 'CONFLICT':
			return mode === 'register' ? 'That username is taken; choose another.' : error.message;
		case 'UNAVAILABLE':
			return `Cannot reach ${server}. Check the address, or start a server with: ${commandFor('serve')}`;
		default:
			return asSentence(error.message);
	}
}

/**
 * What a saved login starts with while its server cannot be reached: the
 * lists kept from the last login (none on a first run); the client logs in
 * for real once the server answers.
 */
function offlineLogin(history: HistoryStore, server: string, saved: SavedLogin): ResultOf<'login'> {
	const roster = new KeptState(history, server, saved.username).roster();
	return { user: { username: saved.username }, token: saved.token, friends: [], groups: [], requests: [], ...roster };
}

/** A form's problems, found before anything is sent; else the server's URL (the one rule for a typed address). */
function checkForm(form: LoginForm): { problem: string } | { url: string } {
	if (!form.username) return { problem: 'Enter a username.' };
	const name = Username.safeParse(form.username);
	if (!name.success) return { problem: 'A username is 1–32 letters, digits, "_", "-" or ".".' };
	// What makes a good password is the server's rule: its BAD_REQUEST says it.
	if (!form.password) return { problem: 'Enter a password.' };
	if (form.mode === 'register' && form.password !== form.passwordAgain) {
		return { problem: 'The two passwords differ; type the same one twice.' };
	}
	try {
		return { url: serverUrl(form.server) };
	} catch (error) {
		return { problem: asSentence((error as Error).message) };
	}
}

/**
 * The whole TUI: connects, logs in by saved token when it can, otherwise
 * shows the log-in screen, then the chat. Owns the ChatClient and the
 * hosted server, if any, and cleans both up on the way out.
 */
export function App(props: AppProps) {
	const { settings, history, hostableServer } = props;
	const createClient = props.createClient ?? defaultCreateClient;
	const { exit } = useApp();
	const size = useTerminalSize();
	const [server, setServer] = useState(props.server);
	const [client, setClient] = useState<ChatClient>(() => createClient(props.server));
	const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
	const [canHost, setCanHost] = useState(false);
	const hosted = useRef<HostedServer | undefined>(undefined);
	/** The log-in screen's: quitting there while others use the hosted server asks once (the chat screen's controller has its own). */
	const [loginQuitGuard] = useState(() => new QuitGuard());

	/** `early`: the events that came between the login's reply and the session listening. */
	const chatPhase = useCallback(
		(target: ChatClient, url: string, login: ResultOf<'login'>, early: EventBuffer): Phase => ({
			kind: 'chat',
			session: new ChatSession({
				client: target,
				history,
				settings,
				server: url,
				login,
				early,
				hosting: hosted.current !== undefined,
				motd: target.welcome?.motd,
				ring: props.ring,
			}),
		}),
		[history, settings, props.ring],
	);

	// The session listens from the chat phase's start to its end (logged out, ended), not only while the chat screen shows.
	useEffect(() => {
		if (phase.kind !== 'chat') return;
		const { session } = phase;
		session.start();
		return () => session.stop();
	}, [phase]);

	const quit = useCallback(() => {
		void (async () => {
			await client.close();
			await hosted.current?.close();
			exit();
			props.onExit?.();
		})();
	}, [client, exit, props]);

	/** Connections to the server this window hosts other than this window's own (0 when it hosts none). */
	const hostedOthers = useCallback(() => {
		const hostedServer = hosted.current;
		if (!hostedServer) return 0;
		const own = client.state === 'open' && server === hostedServer.url ? 1 : 0;
		return Math.max(0, hostedServer.connections() - own);
	}, [client, server]);

	const quitFromLogin = useCallback(() => {
		const warning = loginQuitGuard.check({ unsent: 0, hostedOthers: hostedOthers() }, keyName(LOGIN_KEYS, 'quit'));
		if (warning === undefined) return quit();
		setPhase({ kind: 'login', error: asSentence(warning) });
	}, [loginQuitGuard, hostedOthers, quit]);

	const connectAndResume = useCallback(
		async (target: ChatClient, url: string) => {
			try {
				await target.connect();
			} catch (error) {
				const hostable = url === hostableServer && !hosted.current && props.hostServer !== undefined;
				const saved = settings.loginFor(url);
				// A saved login waits for its server with what this computer keeps; a server this window could host is offered instead.
				if (saved && !hostable) {
					target.resume(saved.token);
					setPhase(chatPhase(target, url, offlineLogin(history, url, saved), new EventBuffer(target)));
					return;
				}
				setCanHost(hostable);
				setPhase({ kind: 'login', error: loginErrorText(error, url, 'login') });
				return;
			}
			setCanHost(false);
			const info = hosted.current ? `This window hosts the server at ${url}.` : target.welcome?.motd;
			const saved = settings.loginFor(url);
			if (!saved) {
				setPhase({ kind: 'login', info });
				return;
			}
			const early = new EventBuffer(target);
			try {
				const login = await target.login({ token: saved.token });
				setPhase(chatPhase(target, url, login, early));
			} catch (error) {
				early.stop();
				if (error instanceof ProtocolError && error.code === 'UNAUTHENTICATED') settings.forgetLogin(url);
				setPhase({ kind: 'login', error: 'Your saved login has expired or was revoked; log in again.' });
			}
		},
		[settings, hostableServer, chatPhase, history, props.hostServer],
	);

	useEffect(() => {
		void connectAndResume(client, server);
		// Only the first client: later ones are connected by submit and host.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);

	/**
	 * The session is over here (logged out elsewhere, account deleted): its
	 * token is forgotten, and the log-in screen says why, with the name filled
	 * in when it can log in again.
	 */
	const ended = useCallback(
		(why: { error: string } | { info: string }, nameLives = true) => {
			settings.forgetLogin(server);
			setPhase((current) => ({
				kind: 'login',
				...why,
				username: nameLives && current.kind === 'chat' ? current.session.me : undefined,
			}));
		},
		[server, settings],
	);

	// A reconnect whose token no longer works, or a session revoked from another device: back to the log-in screen.
	useEffect(() => {
		const offs = [
			client.on('auth-lost', () => ended({ error: 'Your login is no longer valid; log in again.' })),
			client.on('revoked', () => ended({ error: REVOKED_SENTENCE })),
		];
		return () => offs.forEach((off) => off());
	}, [client, ended]);

	const submit = useCallback(
		async (form: LoginForm) => {
			const checked = checkForm(form);
			if ('problem' in checked) {
				setPhase({ kind: 'login', error: checked.problem, mode: form.mode });
				return;
			}
			const { url } = checked;
			setPhase({ kind: 'login', busy: true, mode: form.mode });
			let target = client;
			// A session ended by the server leaves its connection closing: log in on a new one.
			if (url !== server || client.state !== 'open' || client.sessionEnded) {
				await client.close();
				target = createClient(url);
				setClient(target);
				setServer(url);
				try {
					await target.connect();
				} catch (error) {
					setCanHost(url === hostableServer && !hosted.current);
					setPhase({ kind: 'login', error: loginErrorText(error, url, form.mode), mode: form.mode });
					return;
				}
			}
			const early = new EventBuffer(target);
			try {
				const login =
					form.mode === 'register'
						? { ...(await target.register(form.username, form.password)), friends: [], groups: [], requests: [] }
						: await target.login({ username: form.username, password: form.password });
				settings.saveLogin(url, { username: login.user.username, token: login.token });
				setPhase(chatPhase(target, url, login, early));
			} catch (error) {
				early.stop();
				setPhase({ kind: 'login', error: loginErrorText(error, url, form.mode), mode: form.mode });
			}
		},
		[client, server, settings, createClient, hostableServer, chatPhase],
	);

	const host = useCallback(async () => {
		if (!props.hostServer || hosted.current) return;
		setPhase({ kind: 'login', busy: true });
		try {
			hosted.current = await props.hostServer(server);
		} catch (error) {
			setPhase({ kind: 'login', error: `Could not start a server: ${error instanceof Error ? error.message : error}` });
			return;
		}
		await client.close();
		const target = createClient(server);
		setClient(target);
		await connectAndResume(target, server);
	}, [client, server, props, createClient, connectAndResume]);

	/** Back to the log-in screen with the name filled in, ready for its password. */
	const logout = useCallback(async () => {
		await client.logout().catch(() => undefined);
		settings.forgetLogin(server);
		setPhase((current) => ({ kind: 'login', info: 'Logged out.', username: current.kind === 'chat' ? current.session.me : undefined }));
	}, [client, server, settings]);

	/** An edit or a switch between logging in and registering: the last error was about what is no longer there. */
	const clearError = useCallback(() => {
		setPhase((current) => (current.kind === 'login' && current.error !== undefined ? { ...current, error: undefined } : current));
	}, []);

	const small = tooSmall(size);
	if (small) return small;

	if (phase.kind === 'chat') {
		return (
			<ChatScreen
				key={`${server}:${phase.session.me}`}
				session={phase.session}
				settings={settings}
				width={size.columns}
				height={size.rows}
				onLogout={() => void logout()}
				onEnded={(info) => ended({ info }, false)}
				onQuit={quit}
				hostedOthers={hostedOthers}
			/>
		);
	}
	return (
		<LoginScreen
			width={size.columns}
			height={size.rows}
			initialServer={server}
			initialUsername={(phase.kind === 'login' ? phase.username : undefined) ?? settings.loginFor(server)?.username}
			initialMode={phase.kind === 'login' ? phase.mode : undefined}
			error={phase.kind === 'login' ? phase.error : undefined}
			info={phase.kind === 'starting' ? connectingLine(server) : phase.info}
			busy={phase.kind === 'starting' || phase.busy === true}
			canHost={canHost && props.hostServer !== undefined}
			onSubmit={(form) => void submit(form)}
			onChange={clearError}
			onHost={() => void host()}
			onQuit={quitFromLogin}
		/>
	);
}
