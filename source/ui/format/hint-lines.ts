import stringWidth from 'string-width';

/** What stands between two items of a hint line. */
export const HINT_SEPARATOR = ' · ';

/** Items joined greedily: each line takes as many whole items as fit in `width`. */
function greedyLines(items: readonly string[], width: number): string[] {
	const lines: string[] = [];
	for (const item of items) {
		const last = lines.at(-1);
		const joined = last === undefined ? undefined : `${last}${HINT_SEPARATOR}${item}`;
		if (joined !== undefined && stringWidth(joined) <= width) lines[lines.length - 1] = joined;
		else lines.push(item);
	}
	return lines;
}

/**
 * A hint's items ("Enter logs in", "Ctrl-C quit") on as few lines as fit in
 * `width`, broken only between whole items, never before a dangling
 * separator; and as even as that many lines allow, so the last item is not
 * left alone on a line when it can have company. An item wider than `width`
 * gets a line of its own (the terminal wraps it).
 */
export function hintLines(items: readonly string[], width: number): string[] {
	const fewest = greedyLines(items, width).length;
	const widest = Math.max(0, ...items.map((item) => stringWidth(item)));
	// The narrowest width that still needs no more lines gives the evenest break.
	for (let narrower = Math.min(widest, width); narrower < width; narrower++) {
		const lines = greedyLines(items, narrower);
		if (lines.length === fewest) return lines;
	}
	return greedyLines(items, width);
}
