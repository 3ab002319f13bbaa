/**
 * How a size reads wherever a person sees one: the TUI's file lines and
 * progress bar, and the server's error sentences (both ends import this).
 * Binary units, as file sizes are usually shown; one decimal below 10 of a
 * unit, none above: `512 B`, `1.2 KiB`, `50 MiB`.
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number): string {
	let value = bytes;
	let unit = 0;
	// Up a unit while the number shown would be 1024 or more: "1.0 MiB", not "1024 KiB".
	while (Math.round(value) >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	if (unit === 0) return `${bytes} B`;
	const tenths = Math.round(value * 10);
	return `${tenths < 100 ? (tenths / 10).toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}
