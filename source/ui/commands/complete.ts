import { mentionAtEnd } from '../format/mentions.js';
import { selectedConversation, type ChatState } from '../state/chat-state.js';
import { completePath } from './path-completion.js';
import { candidatesFor, COMMANDS, findCommand, type ArgumentKind } from './registry.js';

function unique(values: string[]): string[] {
	const seen = new Set<string>();
	return values.filter((value) => {
		const key = value.toLowerCase();
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

const byName = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'base' });

/**
 * Who can be mentioned in the open conversation: the user's friends, and in
 * a group its members as far as this side knows them (those whose messages
 * are loaded). Usernames, since a mention names the username; an alias
 * finds its friend too.
 */
function mentionable(state: ChatState): Array<{ username: string; alias?: string | null }> {
	const open = selectedConversation(state);
	const me = state.me.toLowerCase();
	const members =
		open?.kind === 'group'
			? (state.logs[open.key] ?? []).flatMap((entry) => (entry.kind === 'message' ? [{ username: entry.message.from }] : []))
			: [];
	return [...state.friends, ...members].filter((person) => person.username.toLowerCase() !== me);
}

/** `@` and a name for the mention typed at the end of `before`: usernames (or aliases) starting with what follows the `@`. */
function completeMention(before: string, at: number, partial: string, state: ChatState): string[] {
	const typed = partial.toLowerCase();
	const names = mentionable(state)
		.filter((person) => person.username.toLowerCase().startsWith(typed) || person.alias?.toLowerCase().startsWith(typed))
		.map((person) => person.username);
	return unique(names)
		.sort(byName)
		.map((name) => `${before.slice(0, at)}@${name}`);
}

/** What the argument at `position` of a command is; its last `text` takes the rest of the line. */
function argumentKind(args: ArgumentKind[], position: number): ArgumentKind | undefined {
	return args[position] ?? (args.at(-1) === 'text' ? 'text' : undefined);
}

/**
 * The ways Tab can complete the text before the cursor: whole texts (the
 * cursor goes after them), in the order repeated Tabs cycle through them.
 * Commands after a leading `/`, then names that fit the argument; a mention
 * (`@` and the start of a name) anywhere in text; in plain text, the names
 * of friends and groups.
 */
export function completeLine(line: string, state: ChatState): string[] {
	const match = /^(.*?)(\S*)$/s.exec(line)!;
	const before = match[1]!;
	const word = match[2]!;
	const lowered = word.toLowerCase();

	if (before === '' && word.startsWith('/')) {
		return COMMANDS.filter((command) => `/${command.name}`.startsWith(lowered)).map((command) => `/${command.name} `);
	}

	const commandMatch = /^\/(\S+)\s+/.exec(before);
	const kind = commandMatch ? argumentKind(findCommand(commandMatch[1]!.toLowerCase())?.args ?? [], before.trim().split(/\s+/).length - 1) : 'text';
	const mention = mentionAtEnd(line);
	if (mention && kind === 'text') return completeMention(line, mention.at, mention.partial, state);
	if (!kind) return [];
	// A directory completes without the trailing space, so the next Tab goes on into it.
	if (kind === 'path') return completePath(word).map((found) => `${before}${found}${found.endsWith('/') ? '' : ' '}`);
	const names = commandMatch ? candidatesFor(kind, state) : [...candidatesFor('friend', state), ...candidatesFor('my-group', state)];
	return unique(names)
		.filter((name) => name.toLowerCase().startsWith(lowered))
		.sort(byName)
		.map((name) => `${before}${name}${commandMatch ? ' ' : ''}`);
}
