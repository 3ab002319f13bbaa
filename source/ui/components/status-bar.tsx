import { Box } from 'ink';
import { Text } from './safe-text.js';
import { safeText } from '../../terminal/sanitize.js';
import stringWidth from 'string-width';
import type { StateChange } from '../../client/index.js';
import { theme } from '../theme.js';
import { keyName, KEY_BINDINGS, type KeyAction } from '../keys.js';

export interface StatusBarProps {
	user: string;
	server: string;
	connection: StateChange;
	/** Now, for the reconnect countdown. */
	now: number;
	hosting: boolean;
	pending: number;
	/** Lines in the status view since it was last open (command output, notices); 0 while it is open. */
	statusNew?: number;
	/** Who is typing in the open conversation. */
	typing?: string[];
	width: number;
}

/** "bob is typing…", "ann and bob are typing…", "3 people are typing…". */
export function typingText(names: string[]): string {
	if (names.length === 0) return '';
	if (names.length === 1) return `${names[0]} is typing…`;
	if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
	return `${names.length} people are typing…`;
}

function connectionLabel(connection: StateChange, now: number): { text: string; color: string | undefined } {
	switch (connection.state) {
		case 'open':
			return { text: '● connected', color: theme.online };
		case 'reconnecting': {
			const seconds = connection.retryAt ? Math.max(0, Math.ceil((connection.retryAt - now) / 1000)) : 0;
			const text = seconds > 0 ? `◌ reconnecting in ${seconds}s · ${chatKey('reconnect')} now` : '◌ reconnecting…';
			return { text, color: theme.notice };
		}
		case 'connecting':
			return { text: '◌ connecting…', color: theme.notice };
		default:
			return { text: '○ offline', color: theme.error };
	}
}

const chatKey = (action: KeyAction) => keyName(KEY_BINDINGS, action);
/** `Ctrl-N/P`: the second key without the modifier they share. */
const NEXT_PREVIOUS = `${chatKey('next-conversation')}/${chatKey('previous-conversation').replace(/^.*-/, '')}`;

/** Key hints from fullest to shortest, from the key table: the bar shows the longest that fits whole. */
const KEY_HINTS = [
	` ${chatKey('help')} help · ${chatKey('switcher')} switch · ${NEXT_PREVIOUS} next/prev · ${chatKey('quit')} quit`,
	` ${chatKey('help')} help · ${chatKey('switcher')} switch · ${chatKey('quit')} quit`,
	` ${chatKey('help')} help`,
];

/** Who and where you are, whether the connection is up, and the keys that matter most. */
export function StatusBar({ user, server, connection, now, hosting, pending, statusNew = 0, typing = [], width }: StatusBarProps) {
	const state = connectionLabel(connection, now);
	const hostingText = hosting ? ' · hosting the server in this window' : '';
	const pendingText = pending > 0 ? ` · ${pending} unsent` : '';
	// Command output goes to the status view: said here, as the command's own conversation shows nothing of it.
	const statusText = statusNew > 0 ? ` · ${statusNew} new in status (${chatKey('status')})` : '';
	const typingLine = typingText(typing);
	const typingPart = typingLine ? ` · ${typingLine}` : '';
	// The key hint gets what the rest leaves; the rest is cut at the end if it must be.
	// Neither may wrap: the bar is one row. Measured as drawn: names and the address from a server, made safe.
	const room = width - stringWidth(safeText(` ${user}  ${server} ${state.text}${hostingText}${pendingText}${statusText}${typingPart}`));
	const hint = KEY_HINTS.find((candidate) => stringWidth(candidate) <= room) ?? '';
	return (
		<Box width={width}>
			<Text wrap="truncate">
				<Text inverse color={theme.accent}>{` ${user} `}</Text>
				<Text>{` ${server} `}</Text>
				<Text color={state.color}>{state.text}</Text>
				{hostingText ? <Text color={theme.notice}>{hostingText}</Text> : null}
				{pendingText ? <Text color={theme.pending}>{pendingText}</Text> : null}
				{statusText ? <Text color={theme.unread}>{statusText}</Text> : null}
				{typingPart ? <Text color={theme.notice}>{typingPart}</Text> : null}
			</Text>
			<Box flexGrow={1} />
			{hint ? (
				<Box flexShrink={0}>
					<Text color={theme.system}>{hint}</Text>
				</Box>
			) : null}
		</Box>
	);
}
