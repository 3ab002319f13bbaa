import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The one rule for a profile's config directory: it holds credentials and
 * message history, so only its owner may read it. The directory is 0700 and
 * every file in it 0600, whatever the umask says.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and its parents) if missing; the directory itself ends up 0700 either way. */
export function makePrivateDir(dir: string): void {
	mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
	// mkdir's mode is masked by the umask and ignored for a directory that exists.
	chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates an empty file 0600 if missing, and makes it 0600 if not. SQLite
 * gives its -wal and -shm files the mode of the database file, so creating
 * the database this way first keeps them private too.
 */
export function makePrivateFile(file: string): void {
	makePrivateDir(path.dirname(file));
	closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
	chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * What the client writes in a config directory: each profile's settings
 * (`<profile>.json`) and history database with SQLite's side files.
 * Only these are fixed at start, so a `--config-dir` pointed at a shared
 * directory does not lock up other programs' files.
 */
const PROFILE_FILE = /\.(?:json|history\.db(?:-wal|-shm|-journal)?)$/;

/**
 * Fixes a config directory written by an older version (0755, files 0644):
 * the directory becomes 0700 and each profile file in it 0600. A directory
 * that does not exist yet is left for makePrivateDir; symbolic links are not followed.
 */
export function securePrivateDir(dir: string): void {
	const info = lstatSync(dir, { throwIfNoEntry: false });
	if (!info?.isDirectory()) return;
	chmodSync(dir, PRIVATE_DIR_MODE);
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.isFile() && PROFILE_FILE.test(entry.name)) chmodSync(path.join(dir, entry.name), PRIVATE_FILE_MODE);
	}
}
