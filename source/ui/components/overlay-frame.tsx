import { Box } from 'ink';
import { Text } from './safe-text.js';
import type { ReactNode } from 'react';
import { theme } from '../theme.js';

/** The box every overlay is drawn in, with its title and how to close it. */
export function OverlayFrame({ title, width, height, children }: { title: string; width: number; height: number; children: ReactNode }) {
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor={theme.borderFocus} paddingX={1}>
			<Box flexShrink={0}>
				<Text bold color={theme.accent}>
					{title}
				</Text>
				<Box flexGrow={1} />
				<Text color={theme.system}>Esc closes</Text>
			</Box>
			{children}
		</Box>
	);
}
