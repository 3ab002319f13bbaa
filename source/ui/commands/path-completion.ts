import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** `~` and `~/…` are the home directory, as a shell would have it. */
export function expandHome(text: string): string {
	return text === '~' ? homedir() : text.startsWith('~/') ? path.join(homedir(), text.slice(2)) : text;
}

/** Directory entries shown for one Tab: enough to choose from, never a whole huge folder. */
const MAX_PATH_CANDIDATES = 50;

/**
 * What a path being typed can complete to, as the user would type it: the
 * entries of its directory that start with its last part (hidden ones only
 * when that part starts with a dot), directories ending in `/` so the next
 * Tab goes on into them. `~/` stands for the home directory.
 */
export function completePath(word: string, cwd = process.cwd()): string[] {
	const slash = word.lastIndexOf('/');
	const typedDir = slash >= 0 ? word.slice(0, slash + 1) : '';
	const base = word.slice(slash + 1);
	let entries;
	try {
		entries = readdirSync(path.resolve(cwd, expandHome(typedDir) || '.'), { withFileTypes: true });
	} catch {
		return [];
	}
	return entries
		.filter((entry) => entry.name.startsWith(base) && (base.startsWith('.') || !entry.name.startsWith('.')))
		.map((entry) => `${typedDir}${entry.name}${entry.isDirectory() ? '/' : ''}`)
		.sort((a, b) => a.localeCompare(b))
		.slice(0, MAX_PATH_CANDIDATES);
}
