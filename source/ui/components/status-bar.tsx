import { Box, Text } from 'ink';
import type { StateChange } from '../../client/index.js';
import { theme } from '../theme.js';

export interface StatusBarProps {
	user: string;
	server: string;
	connection: StateChange;
	/** Now, for the reconnect countdown. */
	now: number;
	hosting: boolean;
	pending: number;
	width: number;
}

function connectionLabel(connection: StateChange, now: number): { text: string; color: string | undefined } {
	switch (connection.state) {
		case 'open':
			return { text: '● connected', color: theme.online };
		case 'reconnecting': {
			const seconds = connection.retryAt ? Math.max(0, Math.ceil((connection.retryAt - now) / 1000)) : 0;
			return { text: seconds > 0 ? `◌ reconnecting in ${seconds}s` : '◌ reconnecting…', color: theme.notice };
		}
		case 'connecting':
			return { text: '◌ connecting…', color: theme.notice };
		default:
			return { text: '○ offline', color: theme.error };
	}
}

/** Who and where you are, whether the connection is up, and the keys that matter most. */
export function StatusBar({ user, server, connection, now, hosting, pending, width }: StatusBarProps) {
	const state = connectionLabel(connection, now);
	return (
		<Box width={width}>
			<Text inverse color={theme.accent}>{` ${user} `}</Text>
			<Text>{` ${server} `}</Text>
			<Text color={state.color}>{state.text}</Text>
			{hosting ? <Text color={theme.notice}>{' · hosting the server in this window'}</Text> : null}
			{pending > 0 ? <Text color={theme.pending}>{` · ${pending} unsent`}</Text> : null}
			<Box flexGrow={1} />
			<Text color={theme.system} wrap="truncate-start">
				{' F1 help · Ctrl-K switch · Ctrl-N/P next/prev · Ctrl-C quit'}
			</Text>
		</Box>
	);
}
