import { describe, expect, it } from 'vitest';
import { hintLines } from '../../source/ui/format/hint-lines.js';

const LOGIN = ['Enter logs in', 'Tab next field', 'Ctrl-R register instead', 'Ctrl-C quit'];

describe('hintLines', () => {
	it('keeps a hint that fits on one line', () => {
		expect(hintLines(LOGIN, 80)).toEqual(['Enter logs in · Tab next field · Ctrl-R register instead · Ctrl-C quit']);
	});

	it('breaks only between whole items, and evenly: the last item is not left alone', () => {
		// 56 columns: the log-in form's inside at 80 and 120 columns; greedily the last item would be alone.
		expect(hintLines(LOGIN, 56)).toEqual(['Enter logs in · Tab next field', 'Ctrl-R register instead · Ctrl-C quit']);
	});

	it('no line starts or ends with the separator, and none is wider than the width when the items fit', () => {
		for (let width = 23; width <= 80; width++) {
			for (const line of hintLines(LOGIN, width)) {
				expect(line).not.toMatch(/^ ·|· $/);
				expect(line.length).toBeLessThanOrEqual(width);
			}
		}
	});

	it('gives an item wider than the width a line of its own', () => {
		expect(hintLines(['a', 'much too long', 'b'], 5)).toEqual(['a', 'much too long', 'b']);
	});
});
