import stringWidth from 'string-width';
import { expect } from 'vitest';
import type { TerminalSize } from './render.js';

/** What the screen suites do with a frame before they compare it: make it the same on every run, and check it fits. */

/** The log's day separator, as log-rows.ts draws it, for a label at a width. */
function separator(label: string, width: number): string {
	const text = ` ${label} `;
	const side = Math.max(2, Math.floor((width - stringWidth(text)) / 2));
	return `${'─'.repeat(side)}${text}${'─'.repeat(side)}`.slice(0, width).padEnd(width);
}

/**
 * What varies between runs, made fixed: the server's port (padded so columns
 * stay aligned), clock times, and the date in the day separator (redrawn at
 * the same width with a fixed label).
 */
export function normalise(frame: string): string {
	return frame
		.replace(/ws:\/\/127\.0\.0\.1:(\d+)/g, (_url, port: string) => 'ws://127.0.0.1:PORT'.padEnd(15 + Math.max(4, port.length)))
		.replace(/─{2,} (?!new messages)[^─│]+? ─{2,} */g, (row) => separator('DAY', row.length))
		.replace(/\b\d\d:\d\d\b/g, 'HH:MM');
}

/** Every row of a frame: exactly `rows` of them, none wider than the terminal. */
export function expectFits(frame: string, { columns, rows }: TerminalSize): void {
	const lines = frame.split('\n');
	expect(lines).toHaveLength(rows);
	for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(columns);
}
