/**
 * Turning what a user typed into words to look for, the same way for both
 * engines. A word is a run of letters and digits (what SQLite's unicode61
 * tokenizer keeps); everything else only separates words, so quotes, `*`,
 * `-` or `:` in a search can never reach a query language as syntax.
 */

const NOT_WORD = /[^\p{L}\p{N}\p{Co}]+/u;

/** The words of a search, in the order typed; none for a search of only punctuation. */
export function searchWords(query: string): string[] {
	return query
		.normalize('NFC')
		.split(NOT_WORD)
		.filter((word) => word.length > 0);
}

/** An FTS5 MATCH expression: every word, each as a quoted prefix (`"deplo"*` finds "deployment"). */
export function fts5Query(words: readonly string[]): string {
	return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' AND ');
}
