/** source/ui/commands/parse.ts: what a typed line is (a message or a command with its arguments). */
import { describe, expect, it } from 'vitest';
import { parseInput, type ParsedInput } from '../../source/ui/commands/parse.js';

describe('parseInput', () => {
	it('reads plain lines as text, trimmed', () => {
		expect(parseInput('  hello there  ')).toEqual({ kind: 'text', text: 'hello there' });
	});

	it('sends a line starting with // as text with one slash removed', () => {
		expect(parseInput('//shrug')).toEqual({ kind: 'text', text: '/shrug' });
		expect(parseInput('//')).toEqual({ kind: 'text', text: '/' });
	});

	it('is empty for blank lines', () => {
		expect(parseInput('')).toEqual({ kind: 'empty' });
		expect(parseInput('   \t ')).toEqual({ kind: 'empty' });
	});

	it('reads /name args as a lower-cased command with its words', () => {
		const parsed = parseInput('  /MSG  bob   hello   there ');
		expect(parsed.kind).toBe('command');
		const command = parsed as Extract<ParsedInput, { kind: 'command' }>;
		expect(command.name).toBe('msg');
		expect(command.args.words).toEqual(['bob', 'hello', 'there']);
	});

	it('after(n) gives the text after n words with its inner spacing kept', () => {
		const { args } = parseInput('/alias bob   Bobby    the  Builder  ') as Extract<ParsedInput, { kind: 'command' }>;
		expect(args.after(0)).toBe('bob   Bobby    the  Builder');
		expect(args.after(1)).toBe('Bobby    the  Builder');
		expect(args.after(2)).toBe('the  Builder');
		expect(args.after(4)).toBe('');
		expect(args.after(9)).toBe('');
	});

	it('reads a command without arguments, and a bare slash', () => {
		const quit = parseInput('/quit') as Extract<ParsedInput, { kind: 'command' }>;
		expect(quit.name).toBe('quit');
		expect(quit.args.words).toEqual([]);
		expect(quit.args.after(0)).toBe('');
		expect(parseInput('/')).toMatchObject({ kind: 'command', name: '' });
	});
});
