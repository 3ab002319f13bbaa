import { Box } from 'ink';
import { Runs, Text } from './safe-text.js';
import { cutRuns, safeRuns } from '../../terminal/sanitize.js';
import stringWidth from 'string-width';
import type { Transfer } from '../state/chat-state.js';
import { progressBar, progressFigures } from '../format/transfer.js';
import { theme } from '../theme.js';
import { keyName, KEY_BINDINGS } from '../keys.js';

export interface TransferBarProps {
	transfer: Transfer;
	width: number;
}

/** The bar takes what the words leave, within these bounds. */
const MIN_BAR_CELLS = 6;
const MAX_BAR_CELLS = 30;
const HINT = ` · ${keyName(KEY_BINDINGS, 'close-overlay')} cancels`;

/** One row above the input line while a file goes up or comes down: name, bar, bytes, rate, time left. */
export function TransferBar({ transfer, width }: TransferBarProps) {
	const arrow = transfer.direction === 'upload' ? '↑' : '↓';
	const figures = ` ${progressFigures(transfer.progress)}`;
	// A long name is cut rather than the figures: they are what the bar is for. It may come from a peer: made safe.
	const name = cutRuns(safeRuns(transfer.name), width - stringWidth(figures) - MIN_BAR_CELLS - 4);
	const label = ` ${arrow} ${name.map((run) => run.text).join('')} `;
	const hint = stringWidth(label + figures + HINT) + MIN_BAR_CELLS <= width ? HINT : '';
	const cells = Math.max(MIN_BAR_CELLS, Math.min(MAX_BAR_CELLS, width - stringWidth(label + figures + hint)));
	return (
		<Box width={width}>
			<Text wrap="truncate">
				<Text color={theme.accent}>
					{` ${arrow} `}
					<Runs runs={name} />{' '}
				</Text>
				<Text color={theme.accent}>{progressBar(transfer.progress.done, transfer.progress.total, cells)}</Text>
				<Text>{figures}</Text>
				<Text color={theme.system}>{hint}</Text>
			</Text>
		</Box>
	);
}
