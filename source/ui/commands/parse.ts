/** What a line typed in the input means. */
export type ParsedInput =
	| { kind: 'empty' }
	| { kind: 'text'; text: string }
	| { kind: 'command'; name: string; args: CommandArgs };

/** A command's arguments: whitespace-separated words, and the raw text after any of them. */
export interface CommandArgs {
	words: string[];
	/** The text after the first `n` words, as typed (inner spacing kept), trimmed. */
	after(n: number): string;
}

function argsOf(text: string): CommandArgs {
	const words = text.split(/\s+/).filter(Boolean);
	return {
		words,
		after(n) {
			let rest = text.trimStart();
			for (let index = 0; index < n && rest; index++) rest = rest.replace(/^\S+\s*/, '');
			return rest.trim();
		},
	};
}

/**
 * `/name args` is a command; anything else is text for the open conversation.
 * A leading `//` sends a line that starts with `/`.
 */
export function parseInput(line: string): ParsedInput {
	const trimmed = line.trim();
	if (!trimmed) return { kind: 'empty' };
	if (trimmed.startsWith('//')) return { kind: 'text', text: trimmed.slice(1) };
	if (!trimmed.startsWith('/')) return { kind: 'text', text: trimmed };
	const match = /^\/(\S*)\s*([\s\S]*)$/.exec(trimmed)!;
	return { kind: 'command', name: match[1]!.toLowerCase(), args: argsOf(match[2]!) };
}
