import { Box } from 'ink';
import { keyName, BROWSE_KEYS } from '../keys.js';
import type { BrowseOverlay as BrowseState } from '../state/chat-state.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';
import { Text } from './safe-text.js';

/** Rows that are not groups: borders, title, the status line. */
const CHROME_ROWS = 4;
/** The member count's column: "  123 members". */
const COUNT_COLUMNS = 13;

const hint = `${keyName(BROWSE_KEYS, 'group-previous')}/${keyName(BROWSE_KEYS, 'group-next')} choose · ${keyName(BROWSE_KEYS, 'join')} joins`;

function statusLine(overlay: BrowseState): { text: string; role: 'system' | 'error' } {
	if (overlay.note) return { text: overlay.note.text, role: overlay.note.tone === 'error' ? 'error' : 'system' };
	if (overlay.status === 'loading') return { text: 'Looking…', role: 'system' };
	if (overlay.groups.length === 0) return { text: 'no public groups match', role: 'system' };
	return { text: `${overlay.groups.length} public ${overlay.groups.length === 1 ? 'group' : 'groups'} · ${hint}`, role: 'system' };
}

export interface BrowseOverlayProps {
	overlay: BrowseState;
	width: number;
	height: number;
}

/** /groups [words]: public groups, most members first: name, member count and description; Enter joins the chosen one. */
export function BrowseOverlay({ overlay, width, height }: BrowseOverlayProps) {
	const { groups, index, query } = overlay;
	const room = Math.max(1, height - CHROME_ROWS);
	const first = Math.max(0, Math.min(index - room + 1, groups.length - room));
	const status = statusLine(overlay);
	return (
		<OverlayFrame title={query ? `Public groups matching "${query}"` : 'Public groups'} width={width} height={height}>
			<Text color={theme[status.role]} wrap="truncate">
				{status.text}
			</Text>
			{groups.slice(first, first + room).map((group, position) => {
				const chosen = first + position === index;
				const count = `${group.members} ${group.members === 1 ? 'member' : 'members'}`;
				return (
					<Box key={group.name} width={width - 4}>
						<Box flexShrink={0}>
							<Text inverse={chosen} bold={chosen}>
								<Text color={theme.accent}>{chosen ? '› ' : '  '}</Text>
								{`#${group.name}`}
							</Text>
						</Box>
						<Box flexShrink={0} width={COUNT_COLUMNS} justifyContent="flex-end">
							<Text color={theme.system}>{count}</Text>
						</Box>
						<Text color={theme.system} wrap="truncate">
							{group.description ? `  ${group.description}` : ''}
						</Text>
					</Box>
				);
			})}
		</OverlayFrame>
	);
}
