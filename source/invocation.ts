import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How this chat-tui was started and installed, so that every command a hint
 * prints works as typed: `npx chat-tui serve` asks the registry for an
 * installed user, `chat-tui serve` is not on the PATH of someone running the
 * source tree. The one rule; hints call commandFor and installFor.
 */
export interface Invocation {
	/** process.argv: [node, the script as started (a bin link or a .js file), ...]. */
	readonly argv: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	readonly cwd: string;
	/** The running node binary: npm's default global prefix is the folder above its bin/. */
	readonly execPath: string;
	/** The package's own folder (where package.json and dist/ are). */
	readonly packageRoot: string;
}

/** dist/source/invocation.js sits two folders below the package root, source/invocation.ts (under vitest) one. */
const PACKAGE_ROOT = (() => {
	const here = path.dirname(fileURLToPath(import.meta.url));
	return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
})();

export function currentInvocation(): Invocation {
	return { argv: process.argv, env: process.env, cwd: process.cwd(), execPath: process.execPath, packageRoot: PACKAGE_ROOT };
}

/** npx and `npm exec` set npm_command=exec for the program they start. */
const underNpx = (how: Invocation) => how.env['npm_command'] === 'exec';

/**
 * The command that starts chat-tui the way it was started this time:
 * `npx chat-tui` under npx, `chat-tui` from a bin link on the PATH, the link's
 * path when it is not on the PATH, `node dist/source/cli.js` for the script itself.
 */
export function startCommand(how: Invocation = currentInvocation()): string {
	if (underNpx(how)) return 'npx chat-tui';
	const script = how.argv[1];
	if (script === undefined) return 'chat-tui';
	if (path.basename(script) === 'chat-tui') return onPath(path.dirname(script), how) ? 'chat-tui' : shellWord(script);
	return `node ${shellWord(shortPath(script, how.cwd))}`;
}

/** A subcommand as the user can type it now, e.g. `chat-tui serve`. */
export function commandFor(subcommand: string, how: Invocation = currentInvocation()): string {
	return `${startCommand(how)} ${subcommand}`;
}

/**
 * What adds `packages` where this chat-tui loads them from: beside it in the
 * global prefix it was installed into, in the project it is a dependency of,
 * in the source tree; under npx, a start that brings them along.
 */
export function installFor(packages: readonly string[], subcommand: string, how: Invocation = currentInvocation()): string {
	const names = packages.join(' ');
	if (underNpx(how)) return `start it with npx ${packages.map((name) => `-p ${name}`).join(' ')} -p chat-tui chat-tui ${subcommand} and the same options`;
	const modules = path.dirname(how.packageRoot);
	if (path.basename(modules) !== 'node_modules') return `npm install ${names}${prefixFlag(how.packageRoot, how.cwd)}`;
	const above = path.dirname(modules);
	if (path.basename(above) === 'lib') {
		// A global install: <prefix>/lib/node_modules/chat-tui, whose neighbours it can import.
		const prefix = path.dirname(above);
		const defaultPrefix = path.dirname(path.dirname(how.execPath));
		return `npm install -g ${names}${prefixFlag(prefix, defaultPrefix)}`;
	}
	return `npm install ${names}${prefixFlag(above, how.cwd)}`;
}

/** ` --prefix DIR` unless npm would use DIR anyway. */
const prefixFlag = (dir: string, npmDefault: string) => (path.resolve(dir) === path.resolve(npmDefault) ? '' : ` --prefix ${shellWord(dir)}`);

function onPath(dir: string, how: Invocation): boolean {
	const entries = (how.env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
	return entries.some((entry) => path.resolve(how.cwd, entry) === path.resolve(how.cwd, dir));
}

/** Relative to the working folder when it is below it (dist/source/cli.js), else absolute. */
function shortPath(file: string, cwd: string): string {
	const relative = path.relative(cwd, path.resolve(cwd, file));
	return relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(cwd, file) : relative;
}

/** A path as one shell word: as it is when it holds nothing a shell would read, else single-quoted. */
function shellWord(value: string): string {
	return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
