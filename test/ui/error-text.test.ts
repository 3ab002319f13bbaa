/** source/ui/format/error-text.ts: an error as the user reads it. */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../source/protocol/index.js';
import { describeError } from '../../source/ui/format/error-text.js';

describe('describeError', () => {
	it("shows the server's sentence, without its code", () => {
		expect(describeError(new ProtocolError('TOO_LARGE', 'size: the largest file this server takes is 50 MiB'))).toBe(
			'size: the largest file this server takes is 50 MiB',
		);
	});

	it('names the code only when no sentence came', () => {
		expect(describeError(new ProtocolError('INTERNAL', ''))).toBe('the server answered INTERNAL, without saying why');
	});

	it('shows other errors by their message', () => {
		expect(describeError(new Error('report.pdf: no such file'))).toBe('report.pdf: no such file');
		expect(describeError('odd')).toBe('odd');
	});
});
