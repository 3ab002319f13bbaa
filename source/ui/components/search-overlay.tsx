import { Box } from 'ink';
import { Text } from './safe-text.js';
import { hitConversation, hitSnippet, hitTime, searchTerms } from '../format/search-hits.js';
import type { SearchOverlay as SearchState } from '../state/chat-state.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';
import { StyledRow } from './styled-row.js';
import { keyName, SEARCH_KEYS } from '../keys.js';

/** Rows of the frame that are not hits: borders, title, the words and the status line. */
const CHROME_ROWS = 5;
/** Each hit takes two rows: where and who, then the text around the match. */
const ROWS_PER_HIT = 2;
/** The text of a hit starts under the conversation's name. */
const TEXT_INDENT = '    ';

/** How many hits fit in an overlay `height` rows high. */
export function searchPageSize(height: number): number {
	return Math.max(1, Math.floor((height - CHROME_ROWS) / ROWS_PER_HIT));
}

const enter = keyName(SEARCH_KEYS, 'submit');
const choose = `${keyName(SEARCH_KEYS, 'previous-hit')}/${keyName(SEARCH_KEYS, 'next-hit')}`;

function statusLine(search: SearchState): { text: string; role: 'system' | 'error' | 'notice' } {
	const words = search.query.trim();
	const where = search.within ? `in ${search.within.label}` : 'in all your conversations';
	if (search.searched === undefined) return { text: `Type words to find ${where}, then ${enter}.`, role: 'system' };
	if (words !== search.searched) return { text: `${enter} searches for the new words.`, role: 'notice' };
	if (search.status === 'error') return { text: `Search failed: ${search.error ?? 'unknown error'} — ${enter} tries again.`, role: 'error' };
	if (search.hits.length === 0) return { text: search.status === 'loading' ? 'Searching…' : 'No messages match.', role: 'system' };
	const count = `${search.hits.length}${search.complete ? '' : '+'} ${search.hits.length === 1 ? 'message matches' : 'messages match'} ${where}`;
	const more = search.status === 'loading' ? ' · loading more…' : '';
	return { text: `${count} · ${choose} choose · ${enter} jumps to it${more}`, role: 'system' };
}

export interface SearchOverlayProps {
	search: SearchState;
	me: string;
	width: number;
	height: number;
}

/** Ctrl-F or /search: the words being typed, and the hits, newest first, with the matched words marked. */
export function SearchOverlay({ search, me, width, height }: SearchOverlayProps) {
	const room = searchPageSize(height);
	const first = Math.max(0, Math.min(search.index - Math.floor((room - 1) / 2), search.hits.length - room));
	const terms = searchTerms(search.searched ?? '');
	const status = statusLine(search);
	const textWidth = width - 4 - TEXT_INDENT.length;
	return (
		<OverlayFrame title={search.within ? `Search ${search.within.label}` : 'Search all conversations'} width={width} height={height}>
			<Text wrap="truncate">
				<Text color={theme.accent}>{'> '}</Text>
				{search.query}
				<Text inverse> </Text>
			</Text>
			<Text color={theme[status.role]} wrap="truncate">
				{status.text}
			</Text>
			{search.hits.slice(first, first + room).map((hit, position) => {
				const chosen = first + position === search.index;
				const { label } = hitConversation(hit, me);
				return (
					<Box key={hit.id} flexDirection="column">
						<Text wrap="truncate" inverse={chosen}>
							<Text color={theme.accent}>{chosen ? '› ' : '  '}</Text>
							<Text bold>{label}</Text>
							<Text dimColor>{`  ${hitTime(hit.ts)}  `}</Text>
							<Text color={hit.from.toLowerCase() === me.toLowerCase() ? theme.me : theme.other}>{hit.from}</Text>
						</Text>
						<StyledRow segments={[{ text: TEXT_INDENT }, ...hitSnippet(hit, terms, textWidth)]} />
					</Box>
				);
			})}
		</OverlayFrame>
	);
}
