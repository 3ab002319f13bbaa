import { Box } from 'ink';
import { Text } from './safe-text.js';
import { theme } from '../theme.js';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

/** Shown instead of a squashed layout when the terminal is under 80×24. */
export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
	return (
		<Box flexDirection="column" width={columns} height={rows} alignItems="center" justifyContent="center">
			<Text bold color={theme.notice}>
				Make the window larger
			</Text>
			<Text wrap="wrap">{`chat-tui needs at least ${MIN_COLUMNS}×${MIN_ROWS}; this one is ${columns}×${rows}.`}</Text>
			<Text color={theme.system}>Ctrl-C quits.</Text>
		</Box>
	);
}

/** The TooSmall screen when the terminal is under the minimum, else undefined: the one rule for every top-level screen. */
export function tooSmall(size: { columns: number; rows: number }) {
	return size.columns < MIN_COLUMNS || size.rows < MIN_ROWS ? <TooSmall columns={size.columns} rows={size.rows} /> : undefined;
}
