import { Box } from 'ink';
import { Text } from './safe-text.js';
import { safeText } from '../../terminal/sanitize.js';
import stringWidth from 'string-width';
import type { LineState } from '../state/line-editor.js';
import { theme } from '../theme.js';

export interface InputLineProps {
	line: LineState;
	prompt: string;
	width: number;
	placeholder?: string;
	/** Masks what is typed (passwords). */
	mask?: boolean;
	focused?: boolean;
}

/**
 * One line of input with a visible cursor. When the text is wider than the
 * line, it scrolls so the cursor stays in view.
 */
export function InputLine({ line, prompt, width, placeholder, mask = false, focused = true }: InputLineProps) {
	// One row: a line break in the message shows as ↵ (one character for one, so the cursor stays put).
	const shown = mask ? '•'.repeat(line.text.length) : line.text.replace(/\n/g, '↵');
	// The prompt names the conversation (an alias, a group): measured as it is drawn.
	const room = Math.max(1, width - stringWidth(safeText(prompt)) - 1);
	const start = Math.max(0, line.cursor - room + 1);
	const before = shown.slice(start, line.cursor);
	const atCursor = shown.slice(line.cursor, line.cursor + 1) || ' ';
	const after = shown.slice(line.cursor + 1, start + room);
	return (
		<Box width={width}>
			<Text color={focused ? theme.accent : theme.system}>{prompt}</Text>
			{line.text === '' && placeholder && !focused ? (
				<Text color={theme.system}>{placeholder}</Text>
			) : (
				<Text wrap="truncate">
					{before}
					{focused ? <Text inverse>{atCursor}</Text> : atCursor}
					{after}
					{line.text === '' && placeholder ? <Text color={theme.system}>{placeholder}</Text> : null}
				</Text>
			)}
		</Box>
	);
}
