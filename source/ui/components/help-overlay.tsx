import { Box, Text } from 'ink';
import { COMMANDS } from '../commands/registry.js';
import { displayKey, KEY_BINDINGS, LINE_EDITING_KEYS } from '../keys.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';

const KEY_COLUMN = 16;
const COMMAND_COLUMN = 24;

/** Every key and command, read from the same tables the handlers use. */
export function HelpOverlay({ width, height }: { width: number; height: number }) {
	const keys = [
		...KEY_BINDINGS.map((binding) => [binding.keys.map(displayKey).join(' / '), binding.summary] as const),
		...LINE_EDITING_KEYS.map(([keys, summary]) => [displayKey(keys), summary] as const),
	];
	const twoColumns = width >= 110;
	const keyList = (
		<Box flexDirection="column" width={twoColumns ? Math.floor((width - 4) / 2) : width - 4}>
			<Text bold>Keys</Text>
			{keys.map(([key, summary]) => (
				<Text key={key} wrap="truncate">
					<Text color={theme.accent}>{key.padEnd(KEY_COLUMN)}</Text>
					{summary}
				</Text>
			))}
		</Box>
	);
	const commandList = (
		<Box flexDirection="column" width={twoColumns ? Math.floor((width - 4) / 2) : width - 4}>
			<Text bold>Commands</Text>
			{COMMANDS.map((command) => (
				<Text key={command.name} wrap="truncate">
					<Text color={theme.accent}>{`/${command.name} ${command.usage}`.padEnd(COMMAND_COLUMN)}</Text>
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
