import { Box } from 'ink';
import type { GroupInvite } from '../../protocol/index.js';
import { sinceText } from '../format/time.js';
import { keyName, KEY_BINDINGS } from '../keys.js';
import { theme } from '../theme.js';
import { Text } from './safe-text.js';

/** An invite chosen in the sidebar, where a conversation's log would be: who invited the user, and how to answer. */
export function InvitePane({ invite, now, width, height }: { invite: GroupInvite; now: number; width: number; height: number }) {
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.border}>
			<Text bold color={theme.accent} wrap="truncate">
				{`? invite to #${invite.group}`}
			</Text>
			<Text wrap="wrap">
				<Text color={theme.other}>{invite.from}</Text>
				{` invited you to #${invite.group} `}
				<Text color={theme.system}>{`(${sinceText(invite.ts, now)})`}</Text>
			</Text>
			<Text> </Text>
			<Text color={theme.notice} wrap="wrap">
				{`${keyName(KEY_BINDINGS, 'submit')} joins it and opens it · /decline declines it`}
			</Text>
		</Box>
	);
}
