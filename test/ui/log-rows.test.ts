/** source/ui/format/log-rows.ts: the rows a log is drawn in (wrapping, day lines, nick column). */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../source/protocol/index.js';
import { lastRows, NICK_WIDTH, type Row } from '../../source/ui/format/log-rows.js';
import { dayLabel } from '../../source/ui/format/time.js';
import type { LogEntry } from '../../source/ui/state/chat-state.js';
import { message } from '../helpers/chat-fixtures.js';

describe('lastRows', () => {
	const rowText = (row: Row) => row.segments.map((segment) => segment.text).join('');
	/** Local times, so day boundaries do not depend on the time zone tests run in. */
	const local = (day: number, hour: number, minute = 0) => new Date(2024, 4, day, hour, minute).toISOString();
	const said = (from: string, seq: number, text: string, ts = local(1, 10)): LogEntry => ({
		kind: 'message',
		message: message(from, from === 'alice' ? { user: 'bob' } : { user: 'alice' }, seq, text, ts),
	});
	const TEXT_COLUMN = 5 + 1 + NICK_WIDTH + 1;

	it('starts a log with a day separator, then time, sender and text', () => {
		const { rows, more } = lastRows([said('bob', 1, 'hi there', local(1, 9, 5))], 'alice', 60, 10);
		expect(rows).toHaveLength(2);
		expect(rowText(rows[0]!)).toContain(dayLabel(local(1, 9)));
		expect(rowText(rows[1]!)).toBe(`09:05 ${'bob'.padStart(NICK_WIDTH)} hi there`);
		expect(rows[1]!.segments[1]).toMatchObject({ role: 'other', bold: true });
		expect(more).toBe(false);
	});

	it('highlights a message from someone else that mentions me, not my own or one without', () => {
		const { rows } = lastRows(
			[said('bob', 1, '@alice look at this'), said('bob', 2, 'nothing for you'), said('alice', 3, 'thanks @alice-me')],
			'alice',
			60,
			10,
		);
		const bodies = rows.slice(1).map((row) => row.segments.at(-1)!);
		expect(bodies[0]).toMatchObject({ text: '@alice look at this', role: 'mention', bold: true });
		expect(bodies[1]!.role).toBeUndefined();
		expect(bodies[2]!.role).toBeUndefined();
	});

	it('shows an action (text starting with "/me ") as `* sender does`, in italics, by alias, for mine and theirs alike', () => {
		const aliases = new Map([['bob', 'Bobby']]);
		const { rows } = lastRows([said('bob', 1, '/me waves at @alice'), said('alice', 2, '/me waves back'), said('bob', 3, '/mean it')], 'alice', 60, 10, { aliases });
		const [theirs, mine, plain] = rows.slice(1);
		expect(rowText(theirs!)).toBe(`10:00 ${'*'.padStart(NICK_WIDTH)} Bobby waves at @alice`);
		expect(theirs!.segments[1]).toMatchObject({ text: `${'*'.padStart(NICK_WIDTH)}`, role: 'other' });
		expect(theirs!.segments.at(-1)).toMatchObject({ italic: true, role: 'mention' });
		expect(rowText(mine!)).toBe(`10:00 ${'*'.padStart(NICK_WIDTH)} alice waves back`);
		expect(mine!.segments[1]).toMatchObject({ role: 'me' });
		expect(mine!.segments.at(-1)).toMatchObject({ italic: true });
		expect(rowText(plain!)).toBe(`10:00 ${'Bobby'.padStart(NICK_WIDTH)} /mean it`);
		expect(plain!.segments.at(-1)!.italic).toBeUndefined();
	});

	it("shows the sender's own pending action the same way, and a file's caption never as one", () => {
		const pending: LogEntry = { kind: 'pending', cid: 'c-0123456789', from: 'alice', text: '/me waves', ts: local(1, 10) };
		const file: LogEntry = {
			kind: 'message',
			message: { ...message('bob', { user: 'alice' }, 1, '/me sends', local(1, 10)), file: { id: '1', name: 'a.txt', size: 2048, mime: 'text/plain', sha256: 'a'.repeat(64) } },
		};
		const { rows } = lastRows([file, pending], 'alice', 80, 10);
		expect(rowText(rows[1]!)).toBe(`10:00 ${'bob'.padStart(NICK_WIDTH)} 📎 a.txt · 2.0 KiB · text/plain — /me sends`);
		expect(rowText(rows[2]!)).toBe(`10:00 ${'*'.padStart(NICK_WIDTH)} alice waves  …`);
		expect(rows[2]!.segments.at(-1)).toMatchObject({ role: 'pending', italic: true });
	});

	it('wraps long text to the width, continuation rows indented under the text', () => {
		const text = 'the quick brown fox jumps over the lazy dog and keeps on running far away';
		const width = 40;
		const { rows } = lastRows([said('alice', 1, text)], 'alice', width, 50);
		const body = rows.slice(1);
		expect(body.length).toBeGreaterThan(2);
		for (const row of body) expect(stringWidth(rowText(row))).toBeLessThanOrEqual(width);
		for (const row of body.slice(1)) {
			expect(row.segments[0]!.text).toBe(' '.repeat(TEXT_COLUMN));
			expect(rowText(row).slice(TEXT_COLUMN)).toMatch(/^\S/);
		}
		expect(body.map((row) => rowText(row).slice(TEXT_COLUMN).trim()).join(' ')).toBe(text);
		expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);
	});

	it('does not start wrapped rows with the spaces they broke at, but keeps indentation after a newline', () => {
		const narrow = TEXT_COLUMN + 5;
		const spaced = lastRows([said('bob', 1, 'one  two   three')], 'alice', narrow, 10).rows.slice(1);
		expect(spaced.map((row) => rowText(row).slice(TEXT_COLUMN).trimEnd())).toEqual(['one', 'two', 'three']);
		const lines = lastRows([said('bob', 1, 'code:\n  indented')], 'alice', 60, 10).rows.slice(1);
		expect(lines.map((row) => rowText(row).slice(TEXT_COLUMN))).toEqual(['code:', '  indented']);
	});

	it('cuts a long sender name to the nick column', () => {
		const { rows } = lastRows([said('averyveryverylongname', 1, 'hi')], 'alice', 60, 10);
		expect(rows[1]!.segments[1]!.text).toBe('averyvery…');
		expect(stringWidth(rows[1]!.segments[1]!.text)).toBe(NICK_WIDTH);
	});

	it('marks pending and failed lines', () => {
		const entries: LogEntry[] = [
			{ kind: 'pending', cid: 'c1', from: 'alice', text: 'on its way', ts: local(1, 10) },
			{ kind: 'pending', cid: 'c2', from: 'alice', text: 'lost', ts: local(1, 10), failed: 'not friends' },
		];
		const { rows } = lastRows(entries, 'alice', 80, 10);
		expect(rowText(rows[1]!)).toMatch(/on its way {2}…$/);
		expect(rowText(rows[2]!)).toContain('lost  ✗ not sent: not friends');
		expect(rows[2]!.segments.at(-1)).toMatchObject({ role: 'error' });
	});

	it('puts a day separator where the day changes', () => {
		const entries = [
			said('bob', 1, 'late', local(1, 23, 50)),
			said('bob', 2, 'still late', local(1, 23, 55)),
			said('alice', 3, 'morning', local(2, 8, 0)),
		];
		const texts = lastRows(entries, 'alice', 60, 20).rows.map(rowText);
		expect(texts).toHaveLength(5);
		expect(texts[0]).toContain(dayLabel(local(1, 12)));
		expect(texts[1]).toContain('late');
		expect(texts[2]).toContain('still late');
		expect(texts[3]).toContain(dayLabel(local(2, 12)));
		expect(texts[3]).toMatch(/^─+ .+ ─+$/);
		expect(texts[4]).toContain('morning');
	});

	it('returns only the last rows asked for, and whether older ones remain', () => {
		const entries = Array.from({ length: 10 }, (_, index) => said('bob', index + 1, `message ${index + 1}`));
		const last4 = lastRows(entries, 'alice', 60, 4);
		expect(last4.rows.map(rowText).map((text) => text.slice(TEXT_COLUMN))).toEqual([
			'message 7',
			'message 8',
			'message 9',
			'message 10',
		]);
		expect(last4.more).toBe(true);

		// Ten messages and the separator are eleven rows.
		expect(lastRows(entries, 'alice', 60, 11)).toMatchObject({ more: false });
		expect(lastRows(entries, 'alice', 60, 11).rows).toHaveLength(11);
		expect(lastRows(entries, 'alice', 60, 10)).toMatchObject({ more: true });
		expect(lastRows(entries, 'alice', 60, 10).rows).toHaveLength(10);
		expect(lastRows(entries, 'alice', 60, 50).rows).toHaveLength(11);
		expect(lastRows([], 'alice', 60, 5)).toEqual({ rows: [], more: false });
	});

	it('counts wrapped rows when cutting to the last ones', () => {
		const entries = [said('bob', 1, 'short'), said('bob', 2, 'word '.repeat(20).trim())];
		const { rows, more } = lastRows(entries, 'alice', 40, 3);
		expect(rows).toHaveLength(3);
		expect(rows.every((row) => row.key.startsWith(`m${(entries[1] as { message: Message }).message.id}:`))).toBe(true);
		expect(more).toBe(true);
	});

	describe('the "new messages" line (issue 13 item 13)', () => {
		const log = [1, 2, 3, 4].map((seq) => said('bob', seq, `line ${seq}`));
		const texts = (view: Parameters<typeof lastRows>[4]) => lastRows(log, 'alice', 60, 50, view).rows.map(rowText);

		it('goes above the first message after what was read, once', () => {
			const rows = texts({ newAfterSeq: 2 });
			const at = rows.findIndex((row) => row.includes('new messages'));
			expect(rows[at - 1]).toContain('line 2');
			expect(rows[at + 1]).toContain('line 3');
			expect(rows.filter((row) => row.includes('new messages'))).toHaveLength(1);
		});

		it('goes above the first message when nothing was read, and nowhere when all was', () => {
			expect(texts({ newAfterSeq: 0 })[1]).toContain('new messages');
			expect(texts({ newAfterSeq: 4 }).some((row) => row.includes('new messages'))).toBe(false);
			expect(texts({}).some((row) => row.includes('new messages'))).toBe(false);
		});

		it('is not drawn above a loaded page whose read messages above it are not loaded yet', () => {
			// Read up to 1; only 3 and 4 are loaded: the line belongs above 2, which is not here.
			const partial = lastRows(log.slice(2), 'alice', 60, 50, { newAfterSeq: 1 }).rows.map(rowText);
			expect(partial.some((row) => row.includes('new messages'))).toBe(false);
		});

		it('counts as a row wherever rows are counted: the last N rows hold it', () => {
			const { rows, more } = lastRows(log, 'alice', 60, 3, { newAfterSeq: 3 });
			expect(rows.map(rowText)).toEqual([expect.stringContaining('line 3'), expect.stringContaining('new messages'), expect.stringContaining('line 4')]);
			expect(more).toBe(true);
		});
	});
});
