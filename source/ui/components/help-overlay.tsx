import { Box } from 'ink';
import { Text } from './safe-text.js';
import type { ReactNode } from 'react';
import { COMMANDS } from '../commands/registry.js';
import { displayKey, helpLines, KEY_BINDINGS, LINE_EDITING_KEYS, SESSIONS_KEY_BINDINGS } from '../keys.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';

const KEY_COLUMN = 16;
const COMMAND_COLUMN = 24;
/** Columns between the keys and the commands when they stand side by side. */
const GUTTER = 2;
/** Rows the frame takes: borders, title, and the scroll hint. */
const FRAME_ROWS = 4;

/** A name padded to its column, with at least one space after it however long it is. */
const column = (text: string, width: number) => `${text.padEnd(width - 1)} `;

function entry(name: string, nameWidth: number, summary: string, key = name): ReactNode {
	return (
		<Text key={key} wrap="truncate">
			<Text color={theme.accent}>{column(name, nameWidth)}</Text>
			{summary}
		</Text>
	);
}

const keysText = (keys: string[]) => keys.map(displayKey).join(' / ');

const keyRows: ReactNode[] = [
	<Text key="keys" bold>
		Keys
	</Text>,
	...[...helpLines(KEY_BINDINGS), ...helpLines(LINE_EDITING_KEYS)].map((line) => entry(keysText(line.keys), KEY_COLUMN, line.summary)),
	// accounts
	<Text key="sessions" bold>
		In /sessions
	</Text>,
	...helpLines(SESSIONS_KEY_BINDINGS).map((line) => entry(keysText(line.keys), KEY_COLUMN, line.summary, `sessions-${line.action}`)),
];

const commandRows: ReactNode[] = [
	<Text key="commands" bold>
		Commands
	</Text>,
	...COMMANDS.map((command) => entry(`/${command.name} ${command.usage}`, COMMAND_COLUMN, command.summary)),
	<Text key="note" color={theme.system} wrap="truncate">
		Text without a / goes to the open conversation;
	</Text>,
	<Text key="note2" color={theme.system} wrap="truncate">
		start it with // to send a line beginning with /.
	</Text>,
];

/** How many rows the help can scroll at this size (0 when it all fits). */
export function helpScrollLimit(width: number, height: number): number {
	const rows = width >= 110 ? Math.max(keyRows.length, commandRows.length) : keyRows.length + 1 + commandRows.length;
	return Math.max(0, rows - (height - FRAME_ROWS));
}

/**
 * Every key and command, read from the same tables the handlers use. Side by
 * side on a wide terminal, one list on a narrow one; Up/Down/PgUp/PgDn scroll
 * what does not fit.
 */
export function HelpOverlay({ width, height, offset = 0 }: { width: number; height: number; offset?: number }) {
	const twoColumns = width >= 110;
	const visible = height - FRAME_ROWS;
	const limit = helpScrollLimit(width, height);
	const start = Math.min(offset, limit);
	const columnWidth = twoColumns ? Math.floor((width - 4 - GUTTER) / 2) : width - 4;
	const slice = (rows: ReactNode[]) => rows.slice(start, start + visible);
	const lists = twoColumns
		? [slice(keyRows), slice(commandRows)]
		: [slice([...keyRows, <Text key="gap"> </Text>, ...commandRows])];
	return (
		<OverlayFrame title="Help" width={width} height={height}>
			<Box flexDirection="row" height={visible} overflow="hidden">
				{lists.map((rows, index) => (
					<Box key={index} flexDirection="column" flexShrink={0} width={columnWidth} marginRight={index === 0 && twoColumns ? GUTTER : 0}>
						{rows}
					</Box>
				))}
			</Box>
			<Text color={theme.system}>
				{limit === 0 ? ' ' : start < limit ? '↓ more: Down or PgDn' : '↑ Up or PgUp for the top'}
			</Text>
		</OverlayFrame>
	);
}
