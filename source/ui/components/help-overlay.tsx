import { Box, Text } from 'ink';
import { COMMANDS } from '../commands/registry.js';
import { displayKey, KEY_BINDINGS, LINE_EDITING_KEYS } from '../keys.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';

const KEY_COLUMN = 16;
const COMMAND_COLUMN = 24;
/** Columns between the keys and the commands when they stand side by side. */
const GUTTER = 2;

/** A name padded to its column, with at least one space after it however long it is. */
const column = (text: string, width: number) => `${text.padEnd(width - 1)} `;

/** Every key and command, read from the same tables the handlers use. */
export function HelpOverlay({ width, height }: { width: number; height: number }) {
	const keys = [
		...KEY_BINDINGS.map((binding) => [binding.keys.map(displayKey).join(' / '), binding.summary] as const),
		...LINE_EDITING_KEYS.map(([keys, summary]) => [displayKey(keys), summary] as const),
	];
	const twoColumns = width >= 110;
	const columnWidth = twoColumns ? Math.floor((width - 4 - GUTTER) / 2) : width - 4;
	// The lists keep their full height (flexShrink 0) and the box around them cuts off what does
	// not fit; shrunk, their rows would be squeezed onto each other.
	const keyList = (
		<Box flexDirection="column" flexShrink={0} width={columnWidth} marginRight={twoColumns ? GUTTER : 0}>
			<Text bold>Keys</Text>
			{keys.map(([key, summary]) => (
				<Text key={key} wrap="truncate">
					<Text color={theme.accent}>{column(key, KEY_COLUMN)}</Text>
					{summary}
				</Text>
			))}
		</Box>
	);
	const commandList = (
		<Box flexDirection="column" flexShrink={0} width={columnWidth}>
			<Text bold>Commands</Text>
			{COMMANDS.map((command) => (
				<Text key={command.name} wrap="truncate">
					<Text color={theme.accent}>{column(`/${command.name} ${command.usage}`, COMMAND_COLUMN)}</Text>
					{command.summary}
				</Text>
			))}
			<Text color={theme.system}>Text without a / goes to the open conversation; start with // to send a /.</Text>
		</Box>
	);
	return (
		<OverlayFrame title="Help" width={width} height={height}>
			<Box flexDirection={twoColumns ? 'row' : 'column'} overflow="hidden">
				{keyList}
				{commandList}
			</Box>
		</OverlayFrame>
	);
}
