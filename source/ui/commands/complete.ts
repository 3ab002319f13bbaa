import type { ChatState } from '../state/chat-state.js';
import { completePath } from './path-completion.js';
import { candidatesFor, COMMANDS, findCommand } from './registry.js';

function unique(values: string[]): string[] {
	const seen = new Set<string>();
	return values.filter((value) => {
		const key = value.toLowerCase();
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/**
 * The ways Tab can complete the last word of a line: whole lines, in the
 * order repeated Tabs cycle through them. Commands after a leading `/`,
 * then names that fit the argument; in plain text, the names of friends and
 * group members known here.
 */
export function completeLine(line: string, state: ChatState): string[] {
	const match = /^(.*?)(\S*)$/s.exec(line)!;
	const before = match[1]!;
	const word = match[2]!;
	const lowered = word.toLowerCase();

	if (before === '' && word.startsWith('/')) {
		return COMMANDS.filter((command) => `/${command.name}`.startsWith(lowered)).map((command) => `/${command.name} `);
	}

	let names: string[];
	const commandMatch = /^\/(\S+)\s+/.exec(before);
	if (commandMatch) {
		const command = findCommand(commandMatch[1]!.toLowerCase());
		const position = before.trim().split(/\s+/).length - 1;
		const kind = command?.args[position];
		if (!kind) return [];
		// A directory completes without the trailing space, so the next Tab goes on into it.
		if (kind === 'path') return completePath(word).map((found) => `${before}${found}${found.endsWith('/') ? '' : ' '}`);
		names = candidatesFor(kind, state);
	} else {
		names = [...candidatesFor('friend', state), ...candidatesFor('group', state)];
	}
	return unique(names)
		.filter((name) => name.toLowerCase().startsWith(lowered))
		.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }))
		.map((name) => `${before}${name}${commandMatch ? ' ' : ''}`);
}
