/**
 * Strings a hostile peer or server would send to drive the reader's terminal.
 * One table for every test of the terminal boundary: the server must refuse
 * each of them in every clean-text field, and the TUI must never emit them.
 * `refusedAs` is the first character the server's clean-text rule refuses
 * (undefined for those it accepts: they are harmless once drawn right).
 */
export interface HostileString {
	name: string;
	text: string;
	refusedAs: string | undefined;
}

export const HOSTILE_STRINGS: readonly HostileString[] = [
	{ name: 'OSC 0 window title', text: 'hi \x1b]0;pwned\x07 there', refusedAs: 'U+001B (ESC) at character 4' },
	{ name: 'OSC 2 window title (ST)', text: '\x1b]2;pwned\x1b\\', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: 'OSC 52 clipboard write', text: '\x1b]52;c;cHduZWQ=\x07', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: 'OSC 8 hyperlink', text: '\x1b]8;;http://evil.example\x1b\\bank\x1b]8;;\x1b\\', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: 'cursor up', text: 'a\x1b[2Ab', refusedAs: 'U+001B (ESC) at character 2' },
	{ name: 'cursor position', text: '\x1b[10;10Hx', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: 'clear screen', text: '\x1b[2J\x1b[H', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: 'SGR red background', text: '\x1b[41mSERVER ERROR\x1b[0m', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: 'DCS', text: '\x1bP+q544e\x1b\\', refusedAs: 'U+001B (ESC) at character 1' },
	{ name: '8-bit CSI', text: 'x\u009b31mred', refusedAs: 'U+009B (CSI) at character 2' },
	{ name: '8-bit OSC', text: '\u009d0;pwned\u009c', refusedAs: 'U+009D (OSC) at character 1' },
	{ name: 'BEL', text: 'ring\x07', refusedAs: 'U+0007 (BEL) at character 5' },
	{ name: 'backspace overwrite', text: 'abc\b\b\bxyz', refusedAs: 'U+0008 (BS) at character 4' },
	{ name: 'carriage-return overwrite', text: 'safe\rEVIL', refusedAs: 'U+000D (CR) at character 5' },
	{ name: 'DEL', text: 'a\x7fb', refusedAs: 'U+007F (DEL) at character 2' },
	{ name: 'NUL', text: 'a\x00b', refusedAs: 'U+0000 (NUL) at character 2' },
	{ name: 'lone surrogate', text: 'a\ud800b', refusedAs: 'U+D800 (lone surrogate) at character 2' },
	// Accepted by the server (they are text, not controls); the TUI draws them visibly.
	{ name: 'bidi override (RLO … PDF)', text: 'access \u202Eevil\u202C level', refusedAs: undefined },
	{ name: 'bidi isolate (LRI)', text: 'x\u2066y\u2069z', refusedAs: undefined },
	{ name: '4,096 combining marks', text: `a${'\u0301'.repeat(4095)}`, refusedAs: undefined },
	{ name: 'zero-width characters', text: `x${'\u200b'.repeat(1000)}y`, refusedAs: undefined },
	{ name: 'wide CJK and emoji', text: `${'漢'.repeat(300)}${'👩‍👩‍👧‍👦'.repeat(50)}`, refusedAs: undefined },
];

/** Every string of the table the server must refuse. */
export const REFUSED_STRINGS = HOSTILE_STRINGS.filter((entry) => entry.refusedAs !== undefined);

/** Text the server must accept unchanged: scripts, marks, emoji sequences, right-to-left. */
export const CLEAN_STRINGS: readonly string[] = [
	'héllo wörld',
	'Привет, мир',
	'שלום עולם',
	'مرحبا بالعالم',
	'こんにちは世界',
	'नमस्ते दुनिया',
	'👩🏽‍💻 🏳️‍🌈 ❤️',
	'e\u0301 a\u0308',
	'two\nlines',
];

/**
 * How the TUI draws each string of the table on one row (source/ui/format/
 * sanitize.ts: caret notation, code points by number, bidi controls by name,
 * a pile of zero-width characters cut to 8 and a count; the stand-ins in
 * reverse video), by the entry's name, so a screen test can find it.
 */
export const DRAWN_AS: ReadonlyMap<string, string> = new Map([
	['OSC 0 window title', 'hi ^[]0;pwned^G there'],
	['OSC 2 window title (ST)', '^[]2;pwned^[\\'],
	['OSC 52 clipboard write', '^[]52;c;cHduZWQ=^G'],
	['OSC 8 hyperlink', '^[]8;;http://evil.example^[\\bank^[]8;;^[\\'],
	['cursor up', 'a^[[2Ab'],
	['cursor position', '^[[10;10Hx'],
	['clear screen', '^[[2J^[[H'],
	['SGR red background', '^[[41mSERVER ERROR^[[0m'],
	['DCS', '^[P+q544e^[\\'],
	['8-bit CSI', 'x<U+009B>31mred'],
	['8-bit OSC', '<U+009D>0;pwned<U+009C>'],
	['BEL', 'ring^G'],
	['backspace overwrite', 'abc^H^H^Hxyz'],
	['carriage-return overwrite', 'safe^MEVIL'],
	['DEL', 'a^?b'],
	['NUL', 'a^@b'],
	['lone surrogate', 'a<U+D800>b'],
	['bidi override (RLO … PDF)', 'access <RLO>evil<PDF> level'],
	['bidi isolate (LRI)', 'x<LRI>y<PDI>z'],
	['4,096 combining marks', `a${'\u0301'.repeat(8)}<+4087>`],
	['zero-width characters', `x${'\u200b'.repeat(8)}<+992>y`],
	['wide CJK and emoji', `${'漢'.repeat(300)}${'👩‍👩‍👧‍👦'.repeat(50)}`],
]);
