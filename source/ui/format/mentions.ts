/** `@name` in a message: a username's characters after an `@` that does not follow a word character. */
const MENTION = /(?<![A-Za-z0-9_])@([A-Za-z0-9_.-]+)/g;

/** A mention being typed at the end of `text` (before the cursor): where its `@` is, and the name so far. */
export function mentionAtEnd(text: string): { at: number; partial: string } | undefined {
	const match = /(?<![A-Za-z0-9_])@([A-Za-z0-9_.-]*)$/.exec(text);
	return match ? { at: match.index, partial: match[1]! } : undefined;
}

/** The names a text mentions, lower-cased; a sentence's closing dot or dash is not part of the name. */
export function mentionedNames(text: string): string[] {
	return [...text.matchAll(MENTION)].map((match) => match[1]!.replace(/[.-]+$/, '').toLowerCase());
}

export function mentions(text: string, username: string): boolean {
	const name = username.toLowerCase();
	return mentionedNames(text).includes(name);
}

/** The text cut into runs, with each mention of `username` marked (for highlighting). */
export function splitMentions(text: string, username: string): Array<{ text: string; mention: boolean }> {
	const name = username.toLowerCase();
	const parts: Array<{ text: string; mention: boolean }> = [];
	let at = 0;
	for (const match of text.matchAll(MENTION)) {
		const bare = match[1]!.replace(/[.-]+$/, '');
		if (bare.toLowerCase() !== name) continue;
		const start = match.index;
		if (start > at) parts.push({ text: text.slice(at, start), mention: false });
		parts.push({ text: `@${bare}`, mention: true });
		at = start + 1 + bare.length;
	}
	if (at < text.length) parts.push({ text: text.slice(at), mention: false });
	return parts;
}
