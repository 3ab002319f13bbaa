import { actionOf, type Message } from '../../protocol/index.js';
import stringWidth from 'string-width';
import { keyOfMessage, type ConversationKey } from '../state/conversations.js';
import { lastRows, type LogView, type Row, type Segment } from './log-rows.js';
import { safeSegments } from '../../terminal/sanitize.js';
import type { LogEntry } from '../state/chat-state.js';
import { clockTime, dayOf } from './time.js';

/**
 * How search hits are shown: which words of a message matched, the part of
 * its text around the first match, and where the log must scroll to show a
 * hit. Words are found the way the server finds them (server/store/
 * search-words.ts): runs of letters and digits, compared without case or
 * accents, each search word as a prefix.
 */

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

/** A word as it is compared: no accents, lower case. */
export function foldWord(word: string): string {
	return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of a search, folded; none for a search of only punctuation. */
export function searchTerms(query: string): string[] {
	return [...query.normalize('NFC').matchAll(WORD)].map((match) => foldWord(match[0]));
}

/** Where the words of `text` that start with a search term are: [start, end) offsets, in order. */
export function matchRanges(text: string, terms: readonly string[]): Array<[number, number]> {
	if (terms.length === 0) return [];
	const ranges: Array<[number, number]> = [];
	for (const match of text.matchAll(WORD)) {
		const folded = foldWord(match[0]);
		if (terms.some((term) => folded.startsWith(term))) ranges.push([match.index, match.index + match[0].length]);
	}
	return ranges;
}

/** Characters of text kept before the first match, so it is seen in its context. */
export const SNIPPET_LEAD = 24;

/**
 * The text of a hit on one line, as segments with the matched words marked:
 * line breaks become spaces, and text long before the first match is cut to
 * "…" plus the SNIPPET_LEAD characters before it, so the match is on screen
 * (the row truncates the end itself). Control characters are drawn visibly.
 */
export function snippet(text: string, terms: readonly string[], width: number): Segment[] {
	const flat = text.replace(/\s+/g, ' ');
	const ranges = matchRanges(flat, terms);
	let start = 0;
	const first = ranges[0];
	// Cut only when the match would not be on the line, and never inside a surrogate pair.
	if (first && first[0] > width - SNIPPET_LEAD / 2) {
		start = Math.max(0, first[0] - SNIPPET_LEAD);
		if (/[\uDC00-\uDFFF]/.test(flat[start] ?? '')) start++;
	}
	const segments: Segment[] = start > 0 ? [{ text: '…', role: 'system' }] : [];
	let at = start;
	for (const [from, to] of ranges) {
		if (to <= start) continue;
		if (from > at) segments.push({ text: flat.slice(at, from) });
		segments.push({ text: flat.slice(Math.max(from, at), to), role: 'notice', bold: true });
		at = to;
	}
	if (at < flat.length) segments.push({ text: flat.slice(at) });
	// Matched on the text as sent; drawn safe (a hit's text is from the network or from disk).
	return safeSegments(segments);
}

/** A hit's text as its row shows it: the snippet, or for an action `* alice waves` in italics, the snippet of what she does. */
export function hitSnippet(hit: Message, terms: readonly string[], width: number): Segment[] {
	const action = actionOf(hit);
	if (action === undefined) return snippet(hit.text, terms, width);
	const who = safeSegments([{ text: `* ${hit.from} ` }]);
	const taken = stringWidth(who.map((segment) => segment.text).join(''));
	return [...who, ...snippet(action, terms, width - taken)].map((segment) => ({ ...segment, italic: true }));
}

/** A hit's time: the clock alone today, with the day this year, with the year before. */
export function hitTime(iso: string, now = new Date()): string {
	const date = new Date(iso);
	if (dayOf(iso) === dayOf(now.toISOString())) return clockTime(iso);
	const day = date.toLocaleDateString('en-GB', {
		day: 'numeric',
		month: 'short',
		...(date.getFullYear() !== now.getFullYear() && { year: 'numeric' }),
	});
	return `${day} ${clockTime(iso)}`;
}

/** The conversation a hit belongs to, for the user `me`, and how the list names it. */
export function hitConversation(message: Message, me: string): { key: ConversationKey; label: string } {
	const key = keyOfMessage(message, me);
	if ('group' in message.to) return { key, label: `# ${message.to.group}` };
	const other = message.from.toLowerCase() === me.toLowerCase() ? message.to.user : message.from;
	return { key, label: `@ ${other}` };
}

/** The segments of a log row, inverted when the row belongs to the marked message (the hit jumped to). */
export function markedRow(row: Row, marked: string | undefined): Segment[] {
	if (marked === undefined || !row.key.startsWith(`m${marked}:`)) return row.segments;
	// Stand-ins for control characters stay set apart: normal video within the inverted row.
	return row.segments.map((segment) => ({ ...segment, inverse: !segment.inverse }));
}

/**
 * The scroll (rows up from the bottom) that shows the message with `id`
 * `fromTop` rows below the top of a log window `height` rows high; undefined
 * while the message is not in the log. Only the rows from the message down
 * are formatted.
 */
export function scrollToShow(
	entries: LogEntry[],
	id: string,
	me: string,
	width: number,
	height: number,
	fromTop: number,
	view: LogView = {},
): number | undefined {
	const index = entries.findIndex((entry) => entry.kind === 'message' && entry.message.id === id);
	if (index === -1) return undefined;
	const { rows } = lastRows(entries.slice(index), me, width, Number.MAX_SAFE_INTEGER, view);
	const first = rows.findIndex((row) => row.key.startsWith(`m${id}:`));
	const rowsFromHit = rows.length - first;
	return Math.max(0, rowsFromHit - (height - Math.min(fromTop, height - 1)));
}
