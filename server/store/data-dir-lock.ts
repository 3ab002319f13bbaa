import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * One SQLite store per data directory: two servers on one database would each
 * think they own its users' sessions and presence. The lock is a file created
 * with O_EXCL that holds the owner's pid, so a refusal can name the holder and
 * a lock whose process died (kill -9, a power cut) is taken over rather than
 * blocking the next start. A library such as proper-lockfile decides staleness
 * by age instead (a kill -9 would block restarts for its stale period) and
 * records no pid to name; the pid check is what this needs.
 */
export const LOCK_FILE_NAME = 'chat-tui.lock';

/** A live process holds the data directory. */
export class DataDirInUseError extends Error {
	readonly code = 'DATA_DIR_IN_USE';

	constructor(
		readonly dataDir: string,
		readonly pid: number,
	) {
		super(`the data directory ${dataDir} is in use by process ${pid} (another chat-tui serve?)`);
	}
}

export interface DataDirLock {
	readonly file: string;
	/** Removes the lock file if it is still this process's; safe to call twice. */
	release(): void;
}

/** Lock files this process holds; released at exit even by a process that never closed its store. */
const held = new Set<string>();

/** Takes the data directory's lock, taking over a stale one; throws DataDirInUseError while a live process holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
	const file = path.join(dataDir, LOCK_FILE_NAME);
	// A few rounds: each lost race with another starter is a fresh look at who holds it now.
	for (let round = 0; round < 5; round++) {
		if (tryCreate(file)) return holding(file);
		const seen = readHolder(file);
		if (seen === undefined) continue; // released meanwhile
		const pid = Number(seen.trim());
		if (Number.isInteger(pid) && pid > 0 && alive(pid, file)) throw new DataDirInUseError(dataDir, pid);
		removeStale(file, seen);
	}
	throw new Error(`could not lock the data directory ${dataDir}: other processes keep taking it`);
}

function tryCreate(file: string): boolean {
	let fd: number;
	try {
		fd = openSync(file, 'wx', 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	}
	try {
		writeSync(fd, `${process.pid}\n`);
	} finally {
		closeSync(fd);
	}
	return true;
}

function holding(file: string): DataDirLock {
	if (held.size === 0) process.once('exit', releaseAll);
	held.add(file);
	return { file, release: () => release(file) };
}

function release(file: string): void {
	if (!held.delete(file)) return;
	if (held.size === 0) process.off('exit', releaseAll);
	// Only our own: a lock taken over from us (we looked dead to someone) is theirs now.
	if (readHolder(file)?.trim() === String(process.pid)) unlinkQuietly(file);
}

function releaseAll(): void {
	for (const file of [...held]) release(file);
}

function readHolder(file: string): string | undefined {
	try {
		return readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}

/**
 * Whether the pid is a live process holding the lock. Our own pid counts only
 * when this process took the lock: otherwise the file is from an earlier life
 * under the same pid (a container restarted, where the server is pid 1 again).
 */
function alive(pid: number, file: string): boolean {
	if (pid === process.pid) return held.has(file);
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: alive, but another user's.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Removes a stale lock, unless another starter replaced it since we read it:
 * the file is first moved aside (atomic), and put back if it is not the one
 * we judged stale.
 */
function removeStale(file: string, seen: string): void {
	const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
	try {
		renameSync(file, aside);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
		throw error;
	}
	if (readHolder(aside) !== seen) {
		try {
			renameSync(aside, file);
			return;
		} catch {
			// Fall through: leave no stray file behind.
		}
	}
	unlinkQuietly(aside);
}

function unlinkQuietly(file: string): void {
	try {
		unlinkSync(file);
	} catch {
		// Already gone: nothing to release.
	}
}
