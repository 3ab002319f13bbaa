import stringWidth from 'string-width';
import { isControl, isSurrogate } from '../protocol/clean-text.js';

/**
 * The client trusts no server: every string from the network or from disk
 * is drawn through here before it reaches the terminal. The server refuses
 * control characters (clean text, source/protocol/clean-text.ts), but a
 * client can be pointed at any server and local history may hold anything,
 * so what a terminal would act on is drawn visibly instead, as irssi and
 * WeeChat do, and marked (`visible`) so the UI shows it in reverse video:
 *
 * - C0 controls and DEL in caret notation: ESC `^[`, BEL `^G`, CR `^M`, DEL `^?`.
 *   Tab becomes spaces; a line feed is a line break in message text and `↵`
 *   on a single row (names, headers, the status bar), never a break there.
 * - C1 controls, lone surrogates, and the few characters terminals disagree
 *   on the width of, by number: `<U+009B>`, `<U+D800>`, `<U+00AD>`.
 * - Bidi embeddings, overrides and isolates by name: `<RLO>`, `<LRI>`, `<PDF>`,
 *   so text cannot read in an order other than the one it was sent in
 *   (Trojan Source, CVE-2021-42574).
 * - More than MAX_ZERO_WIDTH_RUN zero-width characters in a row (combining
 *   marks, joiners, variation selectors): the first of them, then how many
 *   more there were, `<+4088>`. Terminals differ on how they stack them.
 *
 * Everything else (every script, emoji, right-to-left letters) passes as it is.
 */

/** A run of text to draw: printable as it is, or (`visible`) a stand-in for characters a terminal must not get. */
export interface SafeRun {
	text: string;
	visible?: true;
}

/** `line`: one row (a line feed shows as ↵). `text`: message text, whose line feeds are line breaks. */
export type SafeMode = 'line' | 'text';

/** Enough for Vietnamese, pointed Hebrew, Tibetan stacks and emoji tag sequences; a pile of marks is cut after it. */
export const MAX_ZERO_WIDTH_RUN = 8;
export const TAB_SPACES = '    ';
/** How a line feed shows on a single row: the sign the input line uses for a line break too. */
export const LINE_BREAK_SIGN = '↵';

const BIDI_CONTROLS: ReadonlyMap<number, string> = new Map([
	[0x202a, 'LRE'],
	[0x202b, 'RLE'],
	[0x202c, 'PDF'],
	[0x202d, 'LRO'],
	[0x202e, 'RLO'],
	[0x2066, 'LRI'],
	[0x2067, 'RLI'],
	[0x2068, 'FSI'],
	[0x2069, 'PDI'],
]);

/**
 * string-width counts these as zero or one column where common terminals
 * draw one or two (glibc's wcwidth: soft hyphen 1, the Hangul fillers 2) or
 * may break the line (the Unicode line and paragraph separators), so a row
 * holding many would be wider than the layout thinks.
 */
const WIDTH_DISPUTED = new Set([0x00ad, 0x115f, 0x2028, 0x2029, 0x3164, 0xffa0]);

const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]/u;

/** Anything the slow path would change; text without it is returned as it is (nearly all text). */
const NEEDS_WORK = new RegExp(
	String.raw`[\0-\x1f\x7f-\x9f\xad\u115f\u2028\u2029\u202a-\u202e\u2066-\u2069\u3164\uffa0]|\p{Surrogate}|[\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]{${MAX_ZERO_WIDTH_RUN + 1}}`,
	'u',
);

const byNumber = (codePoint: number) => `<U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}>`;

/** What stands in for one character, or undefined when it prints as it is. */
function standIn(codePoint: number, mode: SafeMode): SafeRun | undefined {
	if (codePoint === 0x0a) return { text: mode === 'text' ? '\n' : LINE_BREAK_SIGN };
	if (codePoint === 0x09) return { text: TAB_SPACES };
	if (codePoint < 0x20) return { text: `^${String.fromCharCode(codePoint + 0x40)}`, visible: true };
	if (codePoint === 0x7f) return { text: '^?', visible: true };
	if (isControl(codePoint) || isSurrogate(codePoint) || WIDTH_DISPUTED.has(codePoint)) return { text: byNumber(codePoint), visible: true };
	const bidi = BIDI_CONTROLS.get(codePoint);
	return bidi ? { text: `<${bidi}>`, visible: true } : undefined;
}

/** The runs to draw for `text`: what it says, with nothing a terminal would act on. */
export function safeRuns(text: string, mode: SafeMode = 'line'): SafeRun[] {
	if (!NEEDS_WORK.test(text)) return text === '' ? [] : [{ text }];
	const runs: SafeRun[] = [];
	let plain = '';
	let zeroWidth = 0;
	let dropped = 0;
	const push = (run: SafeRun) => {
		if (plain) runs.push({ text: plain });
		plain = '';
		runs.push(run);
	};
	const endZeroWidthRun = () => {
		if (dropped > 0) push({ text: `<+${dropped}>`, visible: true });
		zeroWidth = 0;
		dropped = 0;
	};
	// for…of walks code points; a lone surrogate comes out on its own.
	for (const character of text) {
		const codePoint = character.codePointAt(0)!;
		const replaced = standIn(codePoint, mode);
		if (!replaced && ZERO_WIDTH.test(character)) {
			if (++zeroWidth > MAX_ZERO_WIDTH_RUN) dropped++;
			else plain += character;
			continue;
		}
		endZeroWidthRun();
		if (!replaced) plain += character;
		else if (replaced.visible) push(replaced);
		else plain += replaced.text;
	}
	endZeroWidthRun();
	if (plain) runs.push({ text: plain });
	return runs;
}

/** The text as it is drawn, without the reverse-video marks: for measuring, and for output that is not a screen (the scripting CLI). */
export function safeText(text: string, mode: SafeMode = 'line'): string {
	return safeRuns(text, mode)
		.map((run) => run.text)
		.join('');
}

/** Anything with text and an inverse flag: the log's segments. */
interface Styled {
	text: string;
	inverse?: boolean;
}

/** Each segment's text made safe; stand-ins keep the segment's style, in reverse video against it. */
export function safeSegments<S extends Styled>(segments: readonly S[], mode: SafeMode = 'line'): S[] {
	return segments.flatMap((segment) =>
		safeRuns(segment.text, mode).map((run) => (run.visible ? { ...segment, text: run.text, inverse: !segment.inverse } : { ...segment, text: run.text })),
	);
}

export function runsWidth(runs: readonly SafeRun[]): number {
	return runs.reduce((sum, run) => sum + stringWidth(run.text), 0);
}

const graphemes = new Intl.Segmenter();

/** Runs cut to at most `room` columns, ending in `…` when something was cut; never inside a character as a person sees it. */
export function cutRuns(runs: readonly SafeRun[], room: number): SafeRun[] {
	if (runsWidth(runs) <= room) return [...runs];
	if (room <= 0) return [];
	const kept: SafeRun[] = [];
	let left = room - 1;
	for (const run of runs) {
		let text = '';
		for (const { segment } of graphemes.segment(run.text)) {
			const width = stringWidth(segment);
			if (width > left) break;
			text += segment;
			left -= width;
		}
		if (text) kept.push({ ...run, text });
		if (text !== run.text) break;
	}
	const last = kept.at(-1);
	if (last && !last.visible) return [...kept.slice(0, -1), { text: `${last.text}…` }];
	return [...kept, { text: '…' }];
}
