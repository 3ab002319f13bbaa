/** Times as the log shows them, in the user's local time zone. */
export function clockTime(iso: string): string {
	const date = new Date(iso);
	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** A local calendar day, for day separators. */
export function dayOf(iso: string): string {
	const date = new Date(iso);
	return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function dayLabel(iso: string): string {
	return new Date(iso).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

const MINUTE_MS = 60_000;

/** accounts: when a session was last seen, as a person says it: `just now`, `5 min ago`, `today 09:30`, `2024-05-01 09:30`. */
export function sinceText(iso: string, now: number): string {
	const ago = now - new Date(iso).getTime();
	if (ago < MINUTE_MS) return 'just now';
	if (ago < 60 * MINUTE_MS) return `${Math.floor(ago / MINUTE_MS)} min ago`;
	if (dayOf(iso) === dayOf(new Date(now).toISOString())) return `today ${clockTime(iso)}`;
	const date = new Date(iso);
	const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
	return `${day} ${clockTime(iso)}`;
}
