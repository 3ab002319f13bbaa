/**
 * PostgreSQL's side of full-text search. The 'simple' configuration lower-cases
 * words but keeps their accents, and the unaccent extension is not installed
 * everywhere; so the indexed expression folds accented letters to their base
 * letters itself, with translate() (immutable, so it can be indexed). The
 * index (migration step 3) and every query must use exactly this expression.
 */

/** Letters whose canonical decomposition is one base letter plus marks: Latin, Greek, Cyrillic, Vietnamese. */
const FOLDED_RANGES: ReadonlyArray<readonly [number, number]> = [
	[0x00c0, 0x024f],
	[0x0370, 0x03ff],
	[0x0400, 0x04ff],
	[0x1e00, 0x1eff],
];

/**
 * The accented letters and their base letters, as translate()'s two lists.
 * Canonical decompositions are frozen by Unicode's stability policy, so the
 * lists, and with them the indexed expression, never change.
 */
function foldingLists(): { from: string; to: string } {
	let from = '';
	let to = '';
	for (const [first, last] of FOLDED_RANGES) {
		for (let code = first; code <= last; code++) {
			const letter = String.fromCodePoint(code);
			const base = letter.normalize('NFD').replace(/\p{M}/gu, '');
			if (base !== letter && [...base].length === 1 && /\p{L}/u.test(base)) {
				from += letter;
				to += base;
			}
		}
	}
	return { from, to };
}

const { from, to } = foldingLists();

/** `column` with its accents folded away (the lists hold no quote, so they need no escaping). */
export function foldedText(column: string): string {
	return `translate(${column}, '${from}', '${to}')`;
}

/** The indexed words of a message's `column`: folded, then split and lower-cased by the 'simple' configuration. */
export function searchVector(column: string): string {
	return `to_tsvector('simple', ${foldedText(column)})`;
}
