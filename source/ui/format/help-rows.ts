import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import { COMMANDS } from '../commands/registry.js';
import { BROWSE_KEYS, displayKey, helpLines, KEY_BINDINGS, LINE_EDITING_KEYS, MEMBERS_KEYS, SESSIONS_KEY_BINDINGS, type KeyTable } from '../keys.js';
import type { Row, Segment } from './log-rows.js';

/**
 * The help overlay's text as rows of a given width: every key and command,
 * read from the tables the handlers use, each entry's description wrapped
 * in its column and continued under it. Nothing is cut: what does not fit
 * the window scrolls.
 */

/** A name (keys, or a command with its usage) and what it does. */
interface Entry {
	name: string;
	summary: string;
}

type Item = { heading: string } | { note: string } | Entry;

/** The name column takes at most this share of a list's width; a longer name gets a row of its own. */
const NAME_SHARE = 0.45;

const keysText = (keys: string[]) => keys.map(displayKey).join(' / ');

/** A key table's help lines as entries. */
function entries(table: KeyTable<string>): Entry[] {
	return helpLines(table).map((line) => ({ name: keysText(line.keys), summary: line.summary }));
}

const KEY_ITEMS: Item[] = [
	{ heading: 'Keys' },
	...entries(KEY_BINDINGS),
	...entries(LINE_EDITING_KEYS),
	// groups
	{ heading: 'In /members' },
	...entries(MEMBERS_KEYS),
	{ heading: 'In /groups' },
	...entries(BROWSE_KEYS),
	// accounts
	{ heading: 'In /sessions' },
	...entries(SESSIONS_KEY_BINDINGS),
];

const COMMAND_ITEMS: Item[] = [
	{ heading: 'Commands' },
	...COMMANDS.map((command) => ({ name: `/${command.name} ${command.usage}`.trimEnd(), summary: command.summary })),
	{ note: 'Text without a / goes to the open conversation; start it with // to send a line beginning with /.' },
];

/** Text wrapped to `width` cells (words broken only when one is wider than that). */
function wrapped(text: string, width: number): string[] {
	return wrapAnsi(text, Math.max(1, width), { hard: true, trim: true }).split('\n');
}

/** Where descriptions start: after the longest name that fits in NAME_SHARE of the width, and a space. */
function nameColumn(items: Item[], width: number): number {
	const most = Math.floor(width * NAME_SHARE);
	const fitting = items.flatMap((item) => ('name' in item && stringWidth(item.name) < most ? [stringWidth(item.name)] : []));
	return Math.max(0, ...fitting) + 1;
}

function entryRows(entry: Entry, column: number, width: number, key: string): Row[] {
	const name: Segment = { text: entry.name, role: 'accent' };
	const summary = wrapped(entry.summary, width - column);
	const indent = (text: string): Segment[] => [{ text: ' '.repeat(column) }, { text }];
	if (stringWidth(entry.name) < column) {
		const [first = '', ...rest] = summary;
		const pad = ' '.repeat(column - stringWidth(entry.name));
		return [
			{ key: `${key}:0`, segments: [name, { text: pad }, { text: first }] },
			...rest.map((line, index) => ({ key: `${key}:${index + 1}`, segments: indent(line) })),
		];
	}
	// A name too long for the column: on rows of its own, the description under the column as usual.
	const names = wrapped(entry.name, width).map((line, index) => ({ key: `${key}:n${index}`, segments: [{ ...name, text: line }] }));
	return [...names, ...summary.map((line, index) => ({ key: `${key}:${index}`, segments: indent(line) }))];
}

function listRows(items: Item[], width: number, list: string): Row[] {
	const column = nameColumn(items, width);
	return items.flatMap((item, index): Row[] => {
		const key = `${list}${index}`;
		if ('heading' in item) return [{ key, segments: [{ text: item.heading, bold: true }] }];
		if ('note' in item) return wrapped(item.note, width).map((line, row) => ({ key: `${key}:${row}`, segments: [{ text: line, role: 'system' }] }));
		return entryRows(item, column, width, key);
	});
}

/** From this width on, keys and commands stand side by side. */
export const HELP_TWO_COLUMNS = 110;
/** Cells between the keys and the commands when they stand side by side. */
export const HELP_GUTTER = 2;

/** One list of help: how wide it is laid out, and its rows. */
export interface HelpColumn {
	width: number;
	rows: Row[];
}

/**
 * Help's lists at an inner width: one list on a narrow window (keys, a blank
 * row, commands); on a wide one keys and commands side by side, the width
 * shared between them so that the longer of the two is as short as it can
 * be (the most on screen before scrolling). Worked out once per width.
 */
export function helpColumns(innerWidth: number): HelpColumn[] {
	let columns = laidOut.get(innerWidth);
	if (!columns) {
		columns = innerWidth + 4 < HELP_TWO_COLUMNS ? oneList(innerWidth) : sideBySide(innerWidth);
		laidOut.set(innerWidth, columns);
	}
	return columns;
}

const laidOut = new Map<number, HelpColumn[]>();

function oneList(width: number): HelpColumn[] {
	// A space, not nothing: Ink gives an empty row no height.
	const gap: Row = { key: 'gap', segments: [{ text: ' ' }] };
	return [{ width, rows: [...listRows(KEY_ITEMS, width, 'k'), gap, ...listRows(COMMAND_ITEMS, width, 'c')] }];
}

function sideBySide(innerWidth: number): HelpColumn[] {
	const shared = innerWidth - HELP_GUTTER;
	let best: HelpColumn[] | undefined;
	for (let keys = Math.floor(shared * 0.35); keys <= Math.ceil(shared * 0.65); keys++) {
		const columns = [
			{ width: keys, rows: listRows(KEY_ITEMS, keys, 'k') },
			{ width: shared - keys, rows: listRows(COMMAND_ITEMS, shared - keys, 'c') },
		];
		if (!best || helpHeight(columns) < helpHeight(best)) best = columns;
	}
	return best!;
}

/** Rows the longest list takes. */
export function helpHeight(columns: HelpColumn[]): number {
	return Math.max(...columns.map((column) => column.rows.length));
}
