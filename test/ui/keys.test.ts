/** Key presses (source/ui/keys.ts): reading them from Ink, bursts split back into presses, actions by the key tables, key names. */
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { actionFor, displayKey, splitBurst, toKeyPress, type KeyPress } from '../../source/ui/keys.js';

function inkKey(flags: Partial<Key> = {}): Key {
	return {
		upArrow: false,
		downArrow: false,
		leftArrow: false,
		rightArrow: false,
		pageDown: false,
		pageUp: false,
		home: false,
		end: false,
		return: false,
		escape: false,
		ctrl: false,
		shift: false,
		tab: false,
		backspace: false,
		delete: false,
		meta: false,
		super: false,
		hyper: false,
		capsLock: false,
		numLock: false,
		...flags,
	};
}

describe('toKeyPress', () => {
	it('names special keys', () => {
		expect(toKeyPress('', inkKey({ upArrow: true }))).toEqual({ name: 'up', text: '' });
		expect(toKeyPress('', inkKey({ pageDown: true }))).toEqual({ name: 'pagedown', text: '' });
		expect(toKeyPress('\r', inkKey({ return: true }))).toEqual({ name: 'enter', text: '' });
		expect(toKeyPress('\t', inkKey({ tab: true }))).toEqual({ name: 'tab', text: '' });
		expect(toKeyPress('', inkKey({ tab: true, shift: true }))).toEqual({ name: 'shift+tab', text: '' });
		expect(toKeyPress('', inkKey({ escape: true }))).toEqual({ name: 'escape', text: '' });
		expect(toKeyPress('\r', inkKey({ return: true, meta: true }))).toEqual({ name: 'alt+enter', text: '' });
		expect(actionFor({ name: 'alt+enter', text: '' })).toEqual({ action: 'newline' });
	});

	it('tells Backspace from Delete by the raw sequence, as Ink names DEL (what Backspace sends) and ESC [3~ both `delete`', () => {
		expect(toKeyPress('', inkKey({ delete: true }), '\u007F')).toEqual({ name: 'backspace', text: '' });
		expect(toKeyPress('', inkKey({ backspace: true }), '\b')).toEqual({ name: 'backspace', text: '' });
		expect(toKeyPress('', inkKey({ delete: true }), '\u001B[3~')).toEqual({ name: 'delete', text: '' });
		expect(toKeyPress('', inkKey({ delete: true, ctrl: true }), '\u001B[3;5~')).toEqual({ name: 'delete', text: '' });
		expect(toKeyPress('', inkKey({ delete: true, meta: true }), '\u001B\u007F')).toEqual({ name: 'alt+backspace', text: '' });
		// With no raw sequence, DEL is the likelier: Backspace.
		expect(toKeyPress('', inkKey({ delete: true }))).toEqual({ name: 'backspace', text: '' });
	});

	it('names Ctrl and Alt with Left and Right (word moves), and drops modifiers on other named keys', () => {
		expect(toKeyPress('', inkKey({ leftArrow: true, ctrl: true }), '\u001B[1;5D')).toEqual({ name: 'ctrl+left', text: '' });
		expect(toKeyPress('', inkKey({ rightArrow: true, ctrl: true }), '\u001B[1;5C')).toEqual({ name: 'ctrl+right', text: '' });
		expect(toKeyPress('', inkKey({ leftArrow: true, meta: true }), '\u001B[1;3D')).toEqual({ name: 'alt+left', text: '' });
		expect(toKeyPress('', inkKey({ upArrow: true, ctrl: true }), '\u001B[1;5A')).toEqual({ name: 'up', text: '' });
		expect(toKeyPress('b', inkKey({ meta: true }), '\u001Bb')).toEqual({ name: 'alt+b', text: '' });
	});

	it('names Ctrl and Alt keys in lower case, typing nothing', () => {
		expect(toKeyPress('N', inkKey({ ctrl: true }))).toEqual({ name: 'ctrl+n', text: '' });
		expect(toKeyPress('1', inkKey({ meta: true }))).toEqual({ name: 'alt+1', text: '' });
	});

	it('types characters and pasted text, and nothing for unnamed sequences', () => {
		expect(toKeyPress('a', inkKey())).toEqual({ name: 'a', text: 'a' });
		expect(toKeyPress('A', inkKey({ shift: true }))).toEqual({ name: 'A', text: 'A' });
		expect(toKeyPress('hello', inkKey())).toEqual({ name: 'text', text: 'hello' });
		expect(toKeyPress('', inkKey())).toEqual({ name: 'unknown', text: '' });
	});
});

describe('actionFor', () => {
	const press = (name: string): KeyPress => ({ name, text: '' });

	it('maps Alt-1…9 to a jump with a zero-based index, Alt-0 to the status view', () => {
		expect(actionFor(press('alt+1'))).toEqual({ action: 'jump', index: 0 });
		expect(actionFor(press('alt+9'))).toEqual({ action: 'jump', index: 8 });
		expect(actionFor(press('alt+0'))).toEqual({ action: 'status' });
	});

	it('maps bound keys to their actions, and nothing for others', () => {
		expect(actionFor(press('ctrl+n'))).toEqual({ action: 'next-conversation' });
		expect(actionFor(press('ctrl+p'))).toEqual({ action: 'previous-conversation' });
		expect(actionFor(press('ctrl+c'))).toEqual({ action: 'quit' });
		expect(actionFor(press('enter'))).toEqual({ action: 'submit' });
		expect(actionFor(press('tab'))).toEqual({ action: 'complete' });
		expect(actionFor(press('f1'))).toEqual({ action: 'help' });
		expect(actionFor(press('pageup'))).toEqual({ action: 'scroll-up' });
		expect(actionFor(press('x'))).toBeUndefined();
		expect(actionFor(press('ctrl+a'))).toBeUndefined();
	});
});

describe('splitBurst', () => {
	it('splits a burst into text runs, Tab and Enter', () => {
		expect(splitBurst('bob\tpass\r')).toEqual([
			{ name: 'text', text: 'bob' },
			{ name: 'tab', text: '' },
			{ name: 'text', text: 'pass' },
			{ name: 'enter', text: '' },
		]);
	});

	it('names Ctrl letters, Backspace and newlines', () => {
		expect(splitBurst('\u0012ab\u007f\n')).toEqual([
			{ name: 'ctrl+r', text: '' },
			{ name: 'text', text: 'ab' },
			{ name: 'backspace', text: '' },
			{ name: 'enter', text: '' },
		]);
		expect(splitBurst('\u0001\u001a')).toEqual([
			{ name: 'ctrl+a', text: '' },
			{ name: 'ctrl+z', text: '' },
		]);
	});

	it('leaves single keys, plain text and escape sequences to Ink', () => {
		expect(splitBurst('\r')).toBeUndefined();
		expect(splitBurst('hello')).toBeUndefined();
		expect(splitBurst('\u001b[A\r')).toBeUndefined();
	});
});

describe('displayKey', () => {
	it('writes key names the way help shows them', () => {
		expect(displayKey('ctrl+n')).toBe('Ctrl-N');
		expect(displayKey('alt+1…9')).toBe('Alt-1…9');
		expect(displayKey('shift+tab')).toBe('Shift-Tab');
		expect(displayKey('pageup')).toBe('PgUp');
		expect(displayKey('escape')).toBe('Esc');
		expect(displayKey('f1')).toBe('F1');
		expect(displayKey('ctrl+a / ctrl+e')).toBe('Ctrl-A / Ctrl-E');
		expect(displayKey('alt+backspace')).toBe('Alt-Backspace');
		expect(displayKey('ctrl+left')).toBe('Ctrl-Left');
		expect(displayKey('delete')).toBe('Delete');
	});
});
