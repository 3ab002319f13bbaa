import { Box } from 'ink';
import { sinceText } from '../format/time.js';
import { displayKey, helpLines, SESSIONS_KEY_BINDINGS } from '../keys.js';
import type { SessionsOverlay as SessionsState } from '../state/chat-state.js';
import { sessionLabel } from '../state/sessions.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';
import { Text } from './safe-text.js';

/** Columns of a row besides the device: the choice marker, the dot, last seen, and "this one". */
const MARK_COLUMNS = 4;
const SEEN_COLUMNS = 18;
const THIS_ONE = 'this one';
/** Rows that are not sessions: borders, title, the note, two of keys, and one spare. */
const CHROME_ROWS = 7;

/** The keys, from the key table: each with what it does, wrapped between keys, never within one. */
const HINTS = helpLines(SESSIONS_KEY_BINDINGS).map((line) => ({ key: line.action, text: `${line.keys.map(displayKey).join('/')} ${line.summary}` }));

export interface SessionsOverlayProps {
	sessions: SessionsState;
	now: number;
	width: number;
	height: number;
}

/** /sessions: every login of the user's, this one first, online ones dotted; Up/Down choose, r and o log out. */
export function SessionsOverlay({ sessions: overlay, now, width, height }: SessionsOverlayProps) {
	const { sessions, index, note } = overlay;
	const online = sessions.filter((session) => session.online).length;
	const deviceWidth = Math.max(8, width - 4 - MARK_COLUMNS - SEEN_COLUMNS - THIS_ONE.length);
	const room = Math.max(1, height - CHROME_ROWS);
	const first = Math.max(0, Math.min(index - room + 1, sessions.length - room));
	return (
		<OverlayFrame title={`Sessions — ${sessions.length} logged in, ${online} online`} width={width} height={height}>
			{sessions.slice(first, first + room).map((session, position) => {
				const chosen = first + position === index;
				return (
					<Text key={session.id} wrap="truncate" inverse={chosen}>
						<Text color={theme.accent}>{chosen ? '› ' : '  '}</Text>
						<Text color={session.online ? theme.online : theme.offline}>{session.online ? '● ' : '○ '}</Text>
						{sessionLabel(session).slice(0, deviceWidth - 1).padEnd(deviceWidth)}
						<Text color={theme.system}>{sinceText(session.lastSeen, now).padEnd(SEEN_COLUMNS)}</Text>
						{session.current ? <Text color={theme.notice}>{THIS_ONE}</Text> : null}
					</Text>
				);
			})}
			<Box flexGrow={1} />
			<Text color={note?.tone === 'error' ? theme.error : theme.notice} wrap="truncate">
				{note?.text ?? ' '}
			</Text>
			<Box flexWrap="wrap" columnGap={3}>
				{HINTS.map((hint) => (
					<Text key={hint.key} color={theme.system}>
						{hint.text}
					</Text>
				))}
			</Box>
		</OverlayFrame>
	);
}
