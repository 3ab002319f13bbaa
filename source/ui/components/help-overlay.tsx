import { Box } from 'ink';
import { Text } from './safe-text.js';
import { HELP_GUTTER, helpColumns, helpHeight } from '../format/help-rows.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';
import { StyledRow } from './styled-row.js';

/** Rows the frame takes: borders, title, and the scroll hint. */
const FRAME_ROWS = 4;
/** Cells the frame takes across: borders and padding. */
const FRAME_COLUMNS = 4;

/** How many rows the help can scroll at this size (0 when it all fits). */
export function helpScrollLimit(width: number, height: number): number {
	return Math.max(0, helpHeight(helpColumns(width - FRAME_COLUMNS)) - (height - FRAME_ROWS));
}

/**
 * Every key and command, read from the same tables the handlers use
 * (format/help-rows.ts lays them out). Side by side on a wide terminal, one
 * list on a narrow one; Up/Down/PgUp/PgDn scroll what does not fit.
 */
export function HelpOverlay({ width, height, offset = 0 }: { width: number; height: number; offset?: number }) {
	const visible = height - FRAME_ROWS;
	const limit = helpScrollLimit(width, height);
	const start = Math.min(offset, limit);
	const columns = helpColumns(width - FRAME_COLUMNS);
	return (
		<OverlayFrame title="Help" width={width} height={height}>
			<Box flexDirection="row" height={visible} overflow="hidden">
				{columns.map((column, index) => (
					<Box key={index} flexDirection="column" flexShrink={0} width={column.width} marginRight={index < columns.length - 1 ? HELP_GUTTER : 0}>
						{column.rows.slice(start, start + visible).map((row) => (
							<StyledRow key={row.key} segments={row.segments} />
						))}
					</Box>
				))}
			</Box>
			<Text color={theme.system}>
				{limit === 0 ? ' ' : start < limit ? '↓ more: Down or PgDn' : '↑ Up or PgUp for the top'}
			</Text>
		</OverlayFrame>
	);
}
