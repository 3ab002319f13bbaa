import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import type { LogEntry } from '../state/chat-state.js';
import { shortName, type Aliases } from '../state/names.js';
import type { ThemeRole } from '../theme.js';
import { mentions } from './mentions.js';
import { cutRuns, runsWidth, safeRuns, type SafeRun } from '../../terminal/sanitize.js';
import { clockTime, dayLabel, dayOf } from './time.js';
import { fileLine } from './transfer.js';
import { actionOf } from '../../protocol/index.js';

/** A run of text in one style. */
export interface Segment {
	text: string;
	role?: ThemeRole;
	bold?: boolean;
	dim?: boolean;
	/** An action (`* alice waves`). */
	italic?: boolean;
	/** search: the rows of the message a search jumped to. */
	inverse?: boolean;
}

/** One screen row of the log. */
export interface Row {
	key: string;
	segments: Segment[];
}

/** Sender names longer than this are cut, so the text column stays put. */
export const NICK_WIDTH = 10;
const TIME_WIDTH = 5;
/** Where message text starts: time, space, nick, space. */
const TEXT_COLUMN = TIME_WIDTH + 1 + NICK_WIDTH + 1;

/** A name right-aligned in its column, cut with … when it is wider. */
function fit(name: string, width: number): SafeRun[] {
	const runs = cutRuns(safeRuns(name, 'line'), width);
	const pad = ' '.repeat(width - runsWidth(runs));
	const [first, ...rest] = runs;
	return first && !first.visible ? [{ text: pad + first.text }, ...rest] : [{ text: pad }, ...runs];
}

// Stand-ins are marked with SGR inverse for wrap-ansi, which carries a style across the rows it makes;
// they are the only escapes in the text, which was made safe first.
const INVERSE_ON = '\u001B[7m';
const INVERSE_OFF = '\u001B[27m';
const MARK = /\u001B\[(7|27)m/;

/** A wrapped row back into runs. */
function unmark(row: string): SafeRun[] {
	const runs: SafeRun[] = [];
	let visible = false;
	for (const [index, part] of row.split(MARK).entries()) {
		if (index % 2 === 1) visible = part === '7';
		else if (part) runs.push(visible ? { text: part, visible: true } : { text: part });
	}
	return runs;
}

/** Message text made safe, then wrapped to `width`: its line breaks kept, each row's stand-ins still marked. */
function wrap(text: string, width: number): SafeRun[][] {
	const marked = safeRuns(text, 'text')
		.map((run) => (run.visible ? `${INVERSE_ON}${run.text}${INVERSE_OFF}` : run.text))
		.join('');
	return marked.split('\n').flatMap((paragraph) =>
		wrapAnsi(paragraph, Math.max(1, width), { hard: true, trim: false })
			.split('\n')
			// A break at spaces can leave them at the start of the next row: drop them, so wrapped rows line up.
			.map((line, index) => unmark(index === 0 ? line : line.replace(/^ +/, '')))
			.filter((runs, index) => index === 0 || runs.length > 0),
	);
}

/** Runs in one style; the stand-ins for control characters in reverse video. */
function styled(runs: SafeRun[], style: Omit<Segment, 'text'>): Segment[] {
	return runs.map((run) => ({ ...style, text: run.text, ...(run.visible && { inverse: true }) }));
}

/** The rows of one entry: the first with time and sender, the rest indented under the text. */
function entryRows(entry: LogEntry, me: string, width: number, aliases: Aliases): Row[] {
	const textWidth = width - TEXT_COLUMN;
	let head: Segment[];
	let body: Segment;
	let id: string;
	switch (entry.kind) {
		case 'message': {
			const { message } = entry;
			const mine = message.from.toLowerCase() === me.toLowerCase();
			const action = actionOf(message);
			id = `m${message.id}`;
			// An action shows `*` in the name column and the sender in the text: `* alice waves`.
			const name = shortName(aliases, message.from);
			head = [
				{ text: `${clockTime(message.ts)} `, dim: true },
				...styled(fit(action === undefined ? name : '*', NICK_WIDTH), { role: mine ? 'me' : 'other', bold: true }),
				{ text: ' ' },
			];
			// A file shows as one; someone calling on you by name stands out from the rest of the log.
			const text = message.file ? fileLine(message.file, message.text) : action === undefined ? message.text : `${name} ${action}`;
			const mention = !mine && mentions(message.text, me);
			body = { text, ...(mention && { role: 'mention', bold: true }), ...(action !== undefined && { italic: true }) };
			break;
		}
		case 'pending': {
			const action = actionOf(entry);
			id = `p${entry.cid}`;
			head = [
				{ text: `${clockTime(entry.ts)} `, dim: true },
				...styled(fit(action === undefined ? entry.from : '*', NICK_WIDTH), { role: 'pending', bold: true }),
				{ text: ' ' },
			];
			const text = action === undefined ? entry.text : `${entry.from} ${action}`;
			body = entry.failed
				? { text: `${text}  ✗ not sent: ${entry.failed}`, role: 'error' }
				: { text: `${text}  …`, role: 'pending', ...(action !== undefined && { italic: true }) };
			break;
		}
		case 'system': {
			id = `s${entry.id}`;
			const role: ThemeRole = entry.tone === 'error' ? 'error' : entry.tone === 'notice' ? 'notice' : 'system';
			head = [{ text: `${clockTime(entry.ts)} `, dim: true }, ...styled(fit('*', NICK_WIDTH), { role }), { text: ' ' }];
			body = { text: entry.text, role };
			break;
		}
	}
	const { text, ...style } = body;
	return wrap(text, textWidth).map((line, index) => ({
		key: `${id}:${index}`,
		segments: index === 0 ? [...head, ...styled(line, style)] : [{ text: ' '.repeat(TEXT_COLUMN) }, ...styled(line, style)],
	}));
}

/**
 * An entry's rows, formatted once per width: the reducer replaces an entry,
 * never changes it, and wrapping a long run of wide characters or emoji
 * costs (string-width per character), so scrolling and each new message
 * format only what is new.
 */
const formatted = new WeakMap<LogEntry, { me: string; width: number; aliases: Aliases; rows: Row[] }>();

function cachedRows(entry: LogEntry, me: string, width: number, aliases: Aliases): Row[] {
	const known = formatted.get(entry);
	if (known && known.me === me && known.width === width && known.aliases === aliases) return known.rows;
	const rows = entryRows(entry, me, width, aliases);
	formatted.set(entry, { me, width, aliases, rows });
	return rows;
}

function separator(iso: string, width: number): Row {
	const label = ` ${dayLabel(iso)} `;
	const side = Math.max(2, Math.floor((width - stringWidth(label)) / 2));
	return { key: `day:${dayOf(iso)}`, segments: [{ text: `${'─'.repeat(side)}${label}${'─'.repeat(side)}`.slice(0, width), role: 'system' }] };
}

function entryTime(entry: LogEntry): string {
	return entry.kind === 'message' ? entry.message.ts : entry.ts;
}

const NO_ALIASES: Aliases = new Map();

/** How a log is drawn beyond its entries; every caller that counts rows must pass the same. */
export interface LogView {
	/** Senders' aliases, shown in the name column. */
	aliases?: Aliases | undefined;
	/** The "new messages" line goes above the first message after this seq (what was read when the conversation was opened). */
	newAfterSeq?: number | undefined;
}

export interface VisibleRows {
	rows: Row[];
	/** Whether entries above the returned rows were left unformatted. */
	more: boolean;
}

function seqOf(entry: LogEntry | undefined): number | undefined {
	return entry?.kind === 'message' ? entry.message.seq : undefined;
}

/**
 * Whether the "new messages" line goes right above entry `index`: it is the
 * first message after `afterSeq`, and what precedes it is read (a message at
 * or before `afterSeq`, or nothing when it directly follows `afterSeq`).
 */
function newLineAbove(entries: LogEntry[], index: number, afterSeq: number | undefined): boolean {
	const seq = seqOf(entries[index]);
	if (afterSeq === undefined || seq === undefined || seq <= afterSeq) return false;
	for (let before = index - 1; before >= 0; before--) {
		const previous = seqOf(entries[before]);
		if (previous !== undefined) return previous <= afterSeq;
	}
	return seq === afterSeq + 1;
}

/** The key of the "new messages" row, for telling whether it is on screen. */
export const NEW_MESSAGES_ROW = 'new-messages';

function newMessagesRow(width: number): Row {
	const label = ' new messages ';
	const side = Math.max(2, Math.floor((width - stringWidth(label)) / 2));
	return { key: NEW_MESSAGES_ROW, segments: [{ text: `${'─'.repeat(side)}${label}${'─'.repeat(side)}`.slice(0, width), role: 'mention' }] };
}

/**
 * The last `needed` rows of a log at this width. Works backwards from the
 * newest entry and stops once it has enough, so a long log costs only what
 * is on screen. Senders show by alias (`view.aliases`); the name column is
 * as wide either way, so rows counted without aliases are the same rows.
 */
export function lastRows(entries: LogEntry[], me: string, width: number, needed: number, view: LogView = {}): VisibleRows {
	const aliases = view.aliases ?? NO_ALIASES;
	// Gathered newest first and turned round once: adding each entry's rows at the front would cost the whole log each time.
	const reversed: Row[] = [];
	for (let index = entries.length - 1; index >= 0; index--) {
		const entry = entries[index]!;
		const rows = cachedRows(entry, me, width, aliases);
		for (let row = rows.length - 1; row >= 0; row--) reversed.push(rows[row]!);
		if (newLineAbove(entries, index, view.newAfterSeq)) reversed.push(newMessagesRow(width));
		const previous = entries[index - 1];
		if (!previous || dayOf(entryTime(previous)) !== dayOf(entryTime(entry))) reversed.push(separator(entryTime(entry), width));
		if (reversed.length >= needed && index > 0) return { rows: reversed.slice(0, needed).reverse(), more: true };
	}
	return { rows: reversed.slice(0, needed).reverse(), more: reversed.length > needed };
}
