import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package's version, read from package.json. The file sits above this
 * module both in source/ and in dist/source/, so look upwards for it.
 */
function readVersion(): string {
	for (const relative of ['../package.json', '../../package.json']) {
		try {
			const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8')) as {
				name?: string;
				version?: string;
			};
			if (pkg.name === 'chat-tui' && pkg.version) return pkg.version;
		} catch {
			// not at this level; try the next one up
		}
	}
	return '0.0.0';
}

export const VERSION = readVersion();
