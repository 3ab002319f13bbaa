import { Box } from 'ink';
import { Text } from '../components/safe-text.js';
import { InputLine } from '../components/input-line.js';
import { useKeypress } from '../hooks/use-keypress.js';
import { boundAction, keyName, LOGIN_HINTS, LOGIN_KEYS, type LoginKeyAction } from '../keys.js';
import { useSyncReducer } from '../hooks/use-sync-reducer.js';
import { editLine, lineOf, type LineState } from '../state/line-editor.js';
import { theme } from '../theme.js';

export type LoginMode = 'login' | 'register';

export interface LoginForm {
	mode: LoginMode;
	username: string;
	password: string;
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
	onHost?(): void;
	onQuit(): void;
}

const FIELDS = ['username', 'password', 'server'] as const;

/** How hints name an action's key: its first key in the log-in table. */
const loginKey = (action: LoginKeyAction) => keyName(LOGIN_KEYS, action);
type Field = (typeof FIELDS)[number];

interface FormState {
	mode: LoginMode;
	focus: Field;
	values: Record<Field, LineState>;
}

/**
 * Log in or register: username, password (masked), server address. Tab and
 * Shift-Tab move between fields, Enter submits from any field, Ctrl-R
 * switches between logging in and registering.
 */
export function LoginScreen(props: LoginScreenProps) {
	const { width, height, error, info, busy = false, canHost = false } = props;
	const [form, update, getForm] = useSyncReducer(
		(_previous: FormState, next: FormState) => next,
		(): FormState => ({
			mode: props.initialMode ?? 'login',
			focus: 'username',
			values: {
				username: lineOf(props.initialUsername ?? ''),
				password: lineOf(''),
				server: lineOf(props.initialServer),
			},
		}),
	);
	const { mode, focus, values } = form;

	useKeypress((press) => {
		const current = getForm();
		const index = FIELDS.indexOf(current.focus);
		switch (boundAction(LOGIN_KEYS, press)) {
			case 'quit':
				return props.onQuit();
			case 'next-field':
				return update({ ...current, focus: FIELDS[(index + 1) % FIELDS.length]! });
			case 'previous-field':
				return update({ ...current, focus: FIELDS[(index + FIELDS.length - 1) % FIELDS.length]! });
			case 'switch-mode':
				return update({ ...current, mode: current.mode === 'login' ? 'register' : 'login' });
			case 'host':
				if (canHost && !busy) props.onHost?.();
				return;
			case 'submit':
				if (busy) return;
				return props.onSubmit({
					mode: current.mode,
					username: current.values.username.text.trim(),
					password: current.values.password.text,
					server: current.values.server.text.trim(),
				});
		}
		const edited = editLine(current.values[current.focus], press);
		if (edited) update({ ...current, values: { ...current.values, [current.focus]: edited } });
	});

	const formWidth = Math.min(60, width - 4);
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
				{FIELDS.map((field) => (
					<Box key={field}>
						{label(field, field === 'server' ? 'Server' : field === 'username' ? 'Username' : 'Password')}
						<InputLine
							line={values[field]}
							prompt=""
							width={formWidth - 14}
							mask={field === 'password'}
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
				<Text color={theme.system} wrap="wrap">
					{LOGIN_HINTS.map((hint) => `${loginKey(hint.action)} ${hint[mode]}`).join(' · ')}
				</Text>
			</Box>
		</Box>
	);
}
