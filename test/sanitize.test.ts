import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { renderToString } from 'ink';
import { createElement, Fragment } from 'react';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Message } from '../source/protocol/index.js';
import { lastRows, NICK_WIDTH } from '../source/ui/format/log-rows.js';
import {
	cutRuns,
	MAX_ZERO_WIDTH_RUN,
	runsWidth,
	safeRuns,
	safeSegments,
	safeText,
	type SafeMode,
} from '../source/terminal/sanitize.js';
import { snippet } from '../source/ui/format/search-hits.js';
import { Text } from '../source/ui/components/safe-text.js';
import type { LogEntry } from '../source/ui/state/chat-state.js';
import { printable } from '../source/scripting/send.js';
import { DRAWN_AS, HOSTILE_STRINGS } from './helpers/hostile-strings.js';

/** What a terminal could act on: C0 (but what the mode allows), DEL, C1, lone surrogates, bidi embeddings, overrides and isolates. */
const FORBIDDEN: Record<SafeMode, RegExp> = {
	line: /[\0-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\p{Surrogate}/u,
	text: /[\0-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\p{Surrogate}/u,
};
const LONG_ZERO_WIDTH_RUN = new RegExp(`[\\p{Mn}\\p{Me}\\p{Default_Ignorable_Code_Point}]{${MAX_ZERO_WIDTH_RUN + 1}}`, 'u');

/** Single code units and code points a terminal cares about, mixed into arbitrary text. */
const hostileUnit = fc.oneof(
	fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
	fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
	fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
	fc.constantFrom('\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'),
	fc.constantFrom('\u0301', '\u200b', '\u200d', '\ufe0f', '\u00ad', '\u3164', '\u2028', '漢', '👩‍👩‍👧‍👦', '[', '^', ' ', 'a'),
);
const anyText = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 80 }),
	fc.string({ unit: hostileUnit, maxLength: 80 }),
	fc.string({ unit: fc.oneof(hostileUnit, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 120 }),
	fc.constantFrom(...HOSTILE_STRINGS.map((entry) => entry.text)),
);
const modes = fc.constantFrom<SafeMode>('line', 'text');

describe('the sanitiser', () => {
	it.each(HOSTILE_STRINGS.map((entry) => [entry.name, entry] as const))('draws %s visibly', (name, entry) => {
		const drawn = DRAWN_AS.get(name);
		expect(drawn, `DRAWN_AS has no entry for "${name}"`).toBeDefined();
		expect(safeText(entry.text, 'line')).toBe(drawn);
	});

	it('marks the stand-ins, and only them, for reverse video', () => {
		expect(safeRuns('ok \u001b]0;t\u0007 \u202eok')).toEqual([
			{ text: 'ok ' },
			{ text: '^[', visible: true },
			{ text: ']0;t' },
			{ text: '^G', visible: true },
			{ text: ' ' },
			{ text: '<RLO>', visible: true },
			{ text: 'ok' },
		]);
	});

	it('keeps line breaks in message text, shows them as ↵ on one row, and turns tabs into spaces', () => {
		expect(safeText('two\nlines\tand a tab', 'text')).toBe('two\nlines    and a tab');
		expect(safeText('two\nlines', 'line')).toBe('two↵lines');
	});

	it('leaves every script, emoji sequence and a few stacked marks as they are', () => {
		for (const text of ['héllo wörld', 'שלום עולם', 'こんにちは', 'नमस्ते', '👩🏽‍💻 🏳️‍🌈 ❤️', 'e\u0301 a\u0308', 'ệ\u0323\u0302', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) {
			expect(safeText(text)).toBe(text);
		}
	});

	it('holds nothing a terminal acts on, for any string', () => {
		fc.assert(
			fc.property(anyText, modes, (text, mode) => {
				const drawn = safeText(text, mode);
				expect(drawn).not.toMatch(FORBIDDEN[mode]);
				expect(drawn).not.toMatch(LONG_ZERO_WIDTH_RUN);
				// Safe text stays as it is: drawing it twice (a component given text made safe already) changes nothing.
				expect(safeText(drawn, mode)).toBe(drawn);
			}),
			{ numRuns: 2000 },
		);
	});

	it('is as wide as its runs, and a cut is no wider than the room it was given', () => {
		fc.assert(
			fc.property(anyText, fc.integer({ min: 0, max: 40 }), (text, room) => {
				const runs = safeRuns(text, 'line');
				expect(stringWidth(safeText(text, 'line'))).toBe(runsWidth(runs));
				const cut = cutRuns(runs, room);
				expect(runsWidth(cut)).toBeLessThanOrEqual(room);
				if (runsWidth(runs) <= room) expect(cut).toEqual(runs);
			}),
			{ numRuns: 1000 },
		);
	});

	it('keeps a segment style on its stand-ins, in reverse video against it', () => {
		expect(safeSegments([{ text: 'a\u0007', role: 'notice' as const, inverse: true }])).toEqual([
			{ text: 'a', role: 'notice', inverse: true },
			{ text: '^G', role: 'notice', inverse: false },
		]);
	});

	it('makes what the scripting CLI prints plain caret text', () => {
		expect(printable('id-\u001b]0;pwned\u0007\n')).toBe('id-^[]0;pwned^G↵');
	});
});

const TS = '2024-05-01T10:00:00.000Z';
const said = (from: string, text: string, id = '1'): LogEntry => ({
	kind: 'message',
	message: { id, seq: Number(id), from, to: { user: 'alice' }, text, ts: TS, cid: `cid-${id}-xxxxxxxx` } satisfies Message,
});

describe('the log made safe', () => {
	it('never makes a row wider than its pane, keeps the text column, and draws only safe text', () => {
		fc.assert(
			fc.property(anyText, anyText, fc.integer({ min: 30, max: 120 }), (from, text, width) => {
				const { rows } = lastRows([said(from, text)], 'alice', width, 500);
				for (const row of rows) {
					const drawn = row.segments.map((segment) => segment.text).join('');
					expect(stringWidth(drawn), JSON.stringify(drawn)).toBeLessThanOrEqual(width);
					expect(drawn).not.toMatch(FORBIDDEN.line);
				}
				// The first row after the day separator: time, nick cut to its column, space.
				const first = rows[1]!.segments;
				const nick = first.filter((segment) => segment.role === 'other' || segment.role === 'me').map((segment) => segment.text).join('');
				expect(stringWidth(nick)).toBe(NICK_WIDTH);
			}),
			{ numRuns: 500 },
		);
	});

	it('draws control characters in reverse video across the rows it wraps them to', () => {
		const { rows } = lastRows([said('bob', `${'\u001b'.repeat(40)} end`)], 'alice', 40, 50);
		const stand = rows.flatMap((row) => row.segments).filter((segment) => segment.text.startsWith('^['));
		expect(stand.length).toBeGreaterThan(1);
		for (const segment of stand) expect(segment.inverse).toBe(true);
		expect(rows.map((row) => row.segments.map((segment) => segment.text).join('')).join('')).toContain('^[ end');
	});

	it('formats 4,096-mark, zero-width, wide and emoji messages within the pane, once', () => {
		const heavy = [
			said('bob', `a${'\u0301'.repeat(4095)}`, '1'),
			said('bob', `x${'\u200b'.repeat(4094)}y`, '2'),
			said('bob', '漢'.repeat(4096), '3'),
			said('bob', '👩‍👩‍👧‍👦'.repeat(585), '4'),
		];
		const { rows } = lastRows(heavy, 'alice', 94, 500);
		// Formatted once: a render that changes nothing of the log (a key typed, a scroll) costs next to nothing.
		const started = performance.now();
		for (let round = 0; round < 20; round++) lastRows(heavy, 'alice', 94, 40);
		expect((performance.now() - started) / 20).toBeLessThan(5);
		for (const row of rows) expect(stringWidth(row.segments.map((segment) => segment.text).join(''))).toBeLessThanOrEqual(94);
	});

	it('draws a search hit safe, with its matches still marked', () => {
		const segments = snippet('find \u001b[2J me', ['me'], 60);
		expect(segments.map((segment) => segment.text).join('')).toBe('find ^[[2J me');
		expect(segments.find((segment) => segment.text === '^[')?.inverse).toBe(true);
		expect(segments.find((segment) => segment.text === 'me')?.bold).toBe(true);
	});
});

describe('every component draws through the safe Text', () => {
	it('makes its strings safe, in fragments and nested Text too', () => {
		const hostile = '\u001b]0;pwned\u0007';
		const drawn = renderToString(
			createElement(Text, null, hostile, createElement(Fragment, null, hostile), createElement(Text, { bold: true }, hostile)),
		);
		expect(drawn).not.toMatch(/\u001b\]|\u0007/);
		expect(stripVTControlCharacters(drawn)).toBe('^[]0;pwned^G'.repeat(3));
	});


	it("no file under source/ui imports Text from 'ink' but safe-text.tsx", () => {
		const root = fileURLToPath(new URL('../source/ui', import.meta.url));
		const offenders: string[] = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				const file = path.join(dir, entry.name);
				if (entry.isDirectory()) walk(file);
				else if (/\.tsx?$/.test(entry.name) && entry.name !== 'safe-text.tsx') {
					const imports = readFileSync(file, 'utf8').match(/import\s*{([^}]*)}\s*from\s*'ink'/g) ?? [];
					if (imports.some((line) => /\b(Text|Transform|Static)\b/.test(line.replace(/\btype\s+\w+/g, '')))) offenders.push(path.relative(root, file));
				}
			}
		};
		walk(root);
		expect(offenders, 'import Text from components/safe-text.js instead').toEqual([]);
	});
});
