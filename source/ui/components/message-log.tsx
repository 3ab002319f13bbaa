import { Box } from 'ink';
import { Text } from './safe-text.js';
import { memo } from 'react';
import { lastRows, NEW_MESSAGES_ROW } from '../format/log-rows.js';
import { keyName, KEY_BINDINGS } from '../keys.js';
import { markedRow } from '../format/search-hits.js';
import type { LogEntry } from '../state/chat-state.js';
import type { Aliases } from '../state/names.js';
import { theme } from '../theme.js';
import { StyledRow } from './styled-row.js';

/** Rows the log's frame takes: border top and bottom, and the title. */
export const LOG_CHROME_ROWS = 3;

export interface MessageLogProps {
	title: string;
	subtitle?: string | undefined;
	/** What stands between the title and the subtitle: ` — ` unless given. */
	separator?: string | undefined;
	entries: LogEntry[];
	me: string;
	width: number;
	height: number;
	/** Rows scrolled up from the bottom. */
	scroll: number;
	/** search: the id of the message to mark (the hit a search jumped to). */
	marked?: string | undefined;
	/** Senders' aliases, shown in the name column. */
	aliases?: Aliases | undefined;
	/** Messages that arrived below while scrolled up. */
	newBelow?: number | undefined;
	/** The "new messages" line goes above the first message after this seq. */
	newAfterSeq?: number | undefined;
	/** Home loading the whole history: how far it got, for the title row. */
	progress?: string | undefined;
	/** Older messages exist that are not loaded: the top of the rows is not the conversation's top. */
	olderUnloaded?: boolean | undefined;
}

/** What the title row says of the log's position, if anything: more above, new messages above, new below. */
function positionHint(scrolled: boolean, above: boolean, newBelow: number, newLineAbove: boolean): string | undefined {
	if (!scrolled) return newLineAbove ? ` ↑ new messages · ${keyName(KEY_BINDINGS, 'first-unread')}` : undefined;
	return `${above ? ' ↑ more' : ' top'} · ${newBelow > 0 ? `${newBelow} new ↓ · End` : 'End for newest'}`;
}

/**
 * The selected conversation's log, drawn as a window: only the rows on
 * screen are formatted (Ink has no scrolling container of its own). Rows
 * are formatted from the newest up to the scroll position, so scrolled far
 * up that is the whole log; memo keeps it from being redone on every render
 * of the chat screen (each key typed into the input line) when nothing it
 * shows has changed.
 */
export const MessageLog = memo(function MessageLog(props: MessageLogProps) {
	const { title, subtitle, entries, me, width, height, scroll, marked, newBelow = 0, progress } = props;
	const innerWidth = width - 2;
	const logHeight = Math.max(1, height - LOG_CHROME_ROWS);
	const { rows, more } = lastRows(entries, me, innerWidth, logHeight + scroll, { aliases: props.aliases, newAfterSeq: props.newAfterSeq });
	const maxScroll = Math.max(0, rows.length - logHeight);
	const offset = Math.min(scroll, maxScroll);
	// Never a negative start: slice would count it from the end and drop the oldest rows of a short log.
	const visible = rows.slice(Math.max(0, rows.length - logHeight - offset), rows.length - offset);
	const scrolled = offset > 0;
	const newLineAbove = props.newAfterSeq !== undefined && !visible.some((row) => row.key === NEW_MESSAGES_ROW);
	const hint = positionHint(scrolled, more || offset < maxScroll || props.olderUnloaded === true, newBelow, newLineAbove);
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.border}>
			<Box width={innerWidth}>
				{/* One text, cut as one at its end: a long topic goes before the name does. */}
				<Text wrap="truncate">
					<Text bold color={theme.accent}>
						{title}
					</Text>
					{subtitle ? <Text color={theme.system}>{`${props.separator ?? ' — '}${subtitle}`}</Text> : null}
				</Text>
				<Box flexGrow={1} />
				{progress ? (
					<Box flexShrink={0}>
						<Text color={theme.notice}>{` ${progress}`}</Text>
					</Box>
				) : hint ? (
					// The hint keeps its width; a long title is cut instead, so the row never wraps.
					<Box flexShrink={0}>
						<Text color={theme.notice}>{hint}</Text>
					</Box>
				) : null}
			</Box>
			<Box flexDirection="column" height={logHeight}>
				{entries.length === 0 ? (
					<Text color={theme.system}>No messages yet. Type below and press Enter.</Text>
				) : (
					visible.map((row) => <StyledRow key={row.key} segments={markedRow(row, marked)} />)
				)}
			</Box>
		</Box>
	);
});
