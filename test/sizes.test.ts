/** source/sizes.ts: how a size reads, in the TUI and in the server's sentences. */
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../source/sizes.js';

describe('formatBytes', () => {
	it('writes bytes in binary units, one decimal below 10 of a unit', () => {
		expect(formatBytes(0)).toBe('0 B');
		expect(formatBytes(1023)).toBe('1023 B');
		expect(formatBytes(1024)).toBe('1.0 KiB');
		expect(formatBytes(1229)).toBe('1.2 KiB');
		expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
		expect(formatBytes(8 * 1024 * 1024)).toBe('8.0 MiB');
		expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
	});

	it('never shows 10.0 or 1024 of a unit: the next step up reads better', () => {
		expect(formatBytes(Math.round(9.97 * 1024))).toBe('10 KiB');
		expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
		expect(formatBytes(1024 * 1024 * 1024 - 100)).toBe('1.0 GiB');
	});
});
