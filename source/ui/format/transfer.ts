import type { TransferProgress } from '../../client/transfer-progress.js';
import type { FileInfo } from '../../protocol/index.js';
import { formatBytes } from '../../sizes.js';

export function formatRate(bytesPerSecond: number): string {
	return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** Time left as `42s`, `3m05s` or `1h02m`; `--` while unknown. */
export function formatEta(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms)) return '--';
	const seconds = Math.ceil(ms / 1000);
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
	return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A bar of `width` cells, filled in proportion (eighths would need fonts some terminals lack). */
export function progressBar(done: number, total: number, width: number): string {
	const fraction = total > 0 ? Math.min(1, done / total) : 1;
	const filled = Math.round(fraction * width);
	return '█'.repeat(filled) + '░'.repeat(Math.max(0, width - filled));
}

/** The parts of a progress line after the bar: `47% 9.4 MiB / 20 MiB · 3.1 MiB/s · 4s left`. */
export function progressFigures(progress: TransferProgress): string {
	const percent = progress.total > 0 ? Math.floor((progress.done / progress.total) * 100) : 100;
	return (
		`${String(percent).padStart(3)}% ${formatBytes(progress.done)} / ${formatBytes(progress.total)}` +
		` · ${formatRate(progress.rate)} · ${formatEta(progress.etaMs)} left`
	);
}

/** One line: label, bar and figures, the bar taking what `width` leaves (at least a few cells). */
export function progressLine(label: string, progress: TransferProgress, width: number): string {
	const figures = progressFigures(progress);
	const barWidth = Math.max(4, Math.min(30, width - label.length - figures.length - 4));
	return `${label} ${progressBar(progress.done, progress.total, barWidth)} ${figures}`;
}

/** How a message carrying a file reads in the log: `📎 report.pdf · 1.2 MiB · application/pdf`, then the caption if it has one. */
export function fileLine(file: FileInfo, text: string): string {
	const line = `📎 ${file.name} · ${formatBytes(file.size)} · ${file.mime}`;
	return text.trim() && text !== file.name ? `${line} — ${text}` : line;
}
