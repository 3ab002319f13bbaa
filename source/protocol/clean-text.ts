// No zod here: the terminal's sanitizer uses these rules too, and the TUI's first frame should not wait for zod.

/**
 * Clean text: the one rule for every string a user or an operator supplies
 * (PROTOCOL.md, "Clean text"). A terminal acts on control characters, so a
 * string that holds one could move the cursor, recolour the screen, set the
 * window title or write the clipboard of whoever reads it. Refused: C0
 * controls but line feed (and tab, where a field allows it), DEL, C1
 * controls and lone surrogates. Every script, combining mark, emoji sequence
 * and right-to-left letter passes unchanged.
 */

const C0_NAMES = [
	'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'HT', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI',
	'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
] as const;

const C1_NAMES = [
	'PAD', 'HOP', 'BPH', 'NBH', 'IND', 'NEL', 'SSA', 'ESA', 'HTS', 'HTJ', 'VTS', 'PLD', 'PLU', 'RI', 'SS2', 'SS3',
	'DCS', 'PU1', 'PU2', 'STS', 'CCH', 'MW', 'SPA', 'EPA', 'SOS', 'SGCI', 'SCI', 'CSI', 'ST', 'OSC', 'PM', 'APC',
] as const;

const LINE_FEED = 0x0a;
const TAB = 0x09;
const DEL = 0x7f;

/** A C0 control, DEL or a C1 control: what a terminal may act on rather than print. */
export function isControl(codePoint: number): boolean {
	return codePoint < 0x20 || (codePoint >= DEL && codePoint <= 0x9f);
}

export function isSurrogate(codePoint: number): boolean {
	return codePoint >= 0xd800 && codePoint <= 0xdfff;
}

/** `U+001B (ESC)`, `U+009B (CSI)`, `U+D800 (lone surrogate)`. */
export function describeCodePoint(codePoint: number): string {
	const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
	const name =
		codePoint < 0x20
			? C0_NAMES[codePoint]
			: codePoint === DEL
				? 'DEL'
				: codePoint >= 0x80 && codePoint <= 0x9f
					? C1_NAMES[codePoint - 0x80]
					: isSurrogate(codePoint)
						? 'lone surrogate'
						: undefined;
	return name ? `${hex} (${name})` : hex;
}

export interface CleanTextOptions {
	/** Message text may hold tabs; no other field may. */
	allowTab?: boolean;
}

/** A refused character: its code point and its position (1-based, in characters as a person counts them). */
export interface Unclean {
	codePoint: number;
	position: number;
}

/** The first character clean text refuses, or undefined when the text is clean. */
export function findUnclean(text: string, options: CleanTextOptions = {}): Unclean | undefined {
	let position = 0;
	for (const character of text) {
		position++;
		// A well-formed pair iterates as one code point above U+FFFF; a lone half stays a surrogate.
		const codePoint = character.codePointAt(0)!;
		if (codePoint === LINE_FEED || (codePoint === TAB && options.allowTab)) continue;
		if (isControl(codePoint) || isSurrogate(codePoint)) return { codePoint, position };
	}
	return undefined;
}

/** Marks a clean-text issue, so the error sentence reads `text holds U+001B (ESC) at character 7`. */
export const CLEAN_TEXT_ISSUE = 'CLEAN_TEXT';

/** `holds U+001B (ESC) at character 7`: what follows the field's name in the error. */
export function uncleanSentence({ codePoint, position }: Unclean): string {
	return `holds ${describeCodePoint(codePoint)} at character ${position}`;
}

/** The clean-text check for a value outside a frame (the operator's motd): a sentence naming what is wrong, or undefined. */
export function cleanTextProblem(field: string, text: string, options: CleanTextOptions = {}): string | undefined {
	const unclean = findUnclean(text, options);
	return unclean ? `${field} ${uncleanSentence(unclean)}` : undefined;
}
