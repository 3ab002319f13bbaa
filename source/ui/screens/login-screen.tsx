import { Box } from 'ink';
import { Text } from '../components/safe-text.js';
import { InputLine } from '../components/input-line.js';
import { useKeypress } from '../hooks/use-keypress.js';
import { boundAction, keyName, LOGIN_HINTS, LOGIN_KEYS, type LoginKeyAction } from '../keys.js';
import { useSyncReducer } from '../hooks/use-sync-reducer.js';
import { editLine, lineOf, type LineState } from '../state/line-editor.js';
import { hintLines } from '../format/hint-lines.js';
import { theme } from '../theme.js';

export type LoginMode = 'login' | 'register';

export interface LoginForm {
	mode: LoginMode;
	username: string;
	password: string;
	/** register: the password typed a second time (the app refuses a mismatch before sending). */
	passwordAgain: string;
	server: string;
}

export interface LoginScreenProps {
	width: number;
	height: number;
	initialServer: string;
	initialUsername?: string;
	initialMode?: LoginMode;
	/** What went wrong last (shown in red). */
	error?: string | undefined;
	/** A line about the server: its motd, or that this window hosts it. */
	info?: string | undefined;
	busy?: boolean;
	/** Set when nothing answers at the local default address: Ctrl-O hosts the server here. */
	canHost?: boolean;
	onSubmit(form: LoginForm): void;
	/** A field's text was edited or the mode switched: what `error` said is stale. */
	onChange?(): void;
	onHost?(): void;
	onQuit(): void;
	/** Drawn but taking no keys (the first frame, while the rest of the client loads): typed keys wait in the terminal. */
	inert?: boolean;
}

/** The info line while the window connects (the App's first phase, and the first frame before it). */
export const connectingLine = (server: string) => `Connecting to ${server}…`;

type Field = 'username' | 'password' | 'passwordAgain' | 'server';

/** The fields of each form, in Tab order: registering asks for the password twice. */
const FIELDS: Record<LoginMode, readonly Field[]> = {
	login: ['username', 'password', 'server'],
	register: ['username', 'password', 'passwordAgain', 'server'],
};

const LABELS: Record<Field, string> = { username: 'Username', password: 'Password', passwordAgain: 'Again', server: 'Server' };

/** How hints name an action's key: its first key in the log-in table. */
const loginKey = (action: LoginKeyAction) => keyName(LOGIN_KEYS, action);

/** The form's frame: a border and a column of padding on each side. */
const FORM_CHROME = 4;

interface FormState {
	mode: LoginMode;
	focus: Field;
	values: Record<Field, LineState>;
}

/**
 * Log in or register: username, password (masked; twice to register),
 * server address. Tab and Shift-Tab move between fields, Enter submits from
 * any field, Ctrl-R switches between logging in and registering. With a
 * username given (after /logout) the password has the focus.
 */
export function LoginScreen(props: LoginScreenProps) {
	const { width, height, error, info, busy = false, canHost = false } = props;
	const [form, update, getForm] = useSyncReducer(
		(_previous: FormState, next: FormState) => next,
		(): FormState => ({
			mode: props.initialMode ?? 'login',
			focus: props.initialUsername ? 'password' : 'username',
			values: {
				username: lineOf(props.initialUsername ?? ''),
				password: lineOf(''),
				passwordAgain: lineOf(''),
				server: lineOf(props.initialServer),
			},
		}),
	);
	const { mode, focus, values } = form;

	useKeypress((press) => {
		const current = getForm();
		const fields = FIELDS[current.mode];
		const index = fields.indexOf(current.focus);
		switch (boundAction(LOGIN_KEYS, press)) {
			case 'quit':
				return props.onQuit();
			case 'next-field':
				return update({ ...current, focus: fields[(index + 1) % fields.length]! });
			case 'previous-field':
				return update({ ...current, focus: fields[(index + fields.length - 1) % fields.length]! });
			case 'switch-mode': {
				const mode = current.mode === 'login' ? 'register' : 'login';
				// Leaving the register form from its second password field: the first one takes the focus.
				const focus = FIELDS[mode].includes(current.focus) ? current.focus : 'password';
				props.onChange?.();
				return update({ ...current, mode, focus });
			}
			case 'host':
				if (canHost && !busy) props.onHost?.();
				return;
			case 'submit':
				if (busy) return;
				return props.onSubmit({
					mode: current.mode,
					username: current.values.username.text.trim(),
					password: current.values.password.text,
					passwordAgain: current.values.passwordAgain.text,
					server: current.values.server.text.trim(),
				});
		}
		const before = current.values[current.focus];
		const edited = editLine(before, press);
		if (!edited) return;
		if (edited.text !== before.text) props.onChange?.();
		update({ ...current, values: { ...current.values, [current.focus]: edited } });
	}, !props.inert);

	const formWidth = Math.min(60, width - 4);
	const fields = FIELDS[mode];
	const label = (field: Field, text: string) => (
		<Text color={focus === field ? theme.accent : undefined} bold={focus === field}>
			{text.padEnd(10)}
		</Text>
	);
	const title = mode === 'login' ? 'Log in' : 'Create an account';
	return (
		<Box width={width} height={height} flexDirection="column" alignItems="center" justifyContent="center">
			<Box flexDirection="column" width={formWidth} borderStyle="round" borderColor={theme.borderFocus} paddingX={1}>
				<Box>
					<Text bold color={theme.accent}>
						chat-tui
					</Text>
					<Text>{` · ${title}`}</Text>
				</Box>
				<Text> </Text>
				{fields.map((field) => (
					<Box key={field}>
						{label(field, LABELS[field])}
						<InputLine
							line={values[field]}
							prompt=""
							width={formWidth - 14}
							mask={field === 'password' || field === 'passwordAgain'}
							focused={focus === field}
						/>
					</Box>
				))}
				<Text> </Text>
				{busy ? <Text color={theme.notice}>{mode === 'login' ? 'Logging in…' : 'Registering…'}</Text> : null}
				{error && !busy ? (
					<Text color={theme.error} wrap="wrap">
						{error}
					</Text>
				) : null}
				{canHost && !busy ? (
					<Text color={theme.notice} wrap="wrap">
						{`Press ${loginKey('host')} to host the server in this window.`}
					</Text>
				) : null}
				{info && !error && !busy ? (
					<Text color={theme.system} wrap="wrap">
						{info}
					</Text>
				) : null}
				{hintLines(
					LOGIN_HINTS.map((hint) => `${loginKey(hint.action)} ${hint[mode]}`),
					formWidth - FORM_CHROME,
				).map((line) => (
					<Text key={line} color={theme.system} wrap="wrap">
						{line}
					</Text>
				))}
			</Box>
		</Box>
	);
}
