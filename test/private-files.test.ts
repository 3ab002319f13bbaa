/**
 * A profile's config directory is private (issue 13 item 2): the directory
 * 0700 and every file in it 0600, for a fresh profile and for one an older
 * version left 0755/0644. The profile is opened as the TUI opens it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../source/cli-options.js';
import { HistoryStore } from '../source/local/history-store.js';
import { Settings } from '../source/local/settings.js';
import type { Message } from '../source/protocol/index.js';

const SERVER = 'ws://127.0.0.1:1';
const roots: string[] = [];

function scratch(): string {
	const root = mkdtempSync(path.join(tmpdir(), 'chat-tui-private-'));
	roots.push(root);
	return root;
}

afterEach(() => {
	for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const modeOf = (file: string) => statSync(file).mode & 0o777;

/** What runTui does with a profile: resolve it, open its settings and history; then a login saved and a message stored. */
async function openAndWrite(configDir: string, profile = 'default'): Promise<void> {
	const { location } = await resolveConnection({ configDir, profile, server: SERVER });
	const settings = new Settings(location);
	const history = new HistoryStore(location);
	settings.saveLogin(SERVER, { username: 'alice', token: 't0ken' });
	const message = { id: 'm1', seq: 1, from: 'alice', to: { user: 'bob' }, text: 'hi', ts: new Date().toISOString() } as unknown as Message;
	history.add(SERVER, 'alice', [message]);
	// The -wal and -shm files exist while the database is open: look at them now.
	expectPrivate(configDir, [`${profile}.json`, `${profile}.history.db`, `${profile}.history.db-wal`, `${profile}.history.db-shm`]);
	history.close();
}

/** The directory is 0700 and each file in it 0600; the named files are among them. */
function expectPrivate(dir: string, files: string[]): void {
	expect(modeOf(dir).toString(8)).toBe('700');
	const present = readdirSync(dir);
	for (const file of files) expect(present).toContain(file);
	for (const file of present) expect([file, modeOf(path.join(dir, file)).toString(8)]).toEqual([file, '600']);
}

describe('a profile config directory', () => {
	it('is created 0700 with its files 0600, including the SQLite -wal and -shm files after a write', async () => {
		const previous = process.umask(0o022);
		try {
			const dir = path.join(scratch(), 'nested', 'config');
			await openAndWrite(dir);
			expectPrivate(dir, ['default.json', 'default.history.db']);
		} finally {
			process.umask(previous);
		}
	});

	it('left 0755 with 0644 files by an older version is made private when the profile is opened', async () => {
		const dir = path.join(scratch(), 'config');
		mkdirSync(dir);
		chmodSync(dir, 0o755);
		const old = ['default.json', 'default.history.db', 'default.history.db-wal', 'default.history.db-shm', 'work.json', 'work.history.db'];
		for (const file of old) {
			writeFileSync(path.join(dir, file), file.endsWith('.json') ? '{}' : '');
			chmodSync(path.join(dir, file), 0o644);
		}
		// Empty files stand in for old ones; the old database must be a real one for SQLite to open it.
		rmSync(path.join(dir, 'default.history.db'));
		rmSync(path.join(dir, 'default.history.db-wal'));
		rmSync(path.join(dir, 'default.history.db-shm'));
		new HistoryStore({ configDir: dir, profile: 'default' }).close();
		chmodSync(path.join(dir, 'default.history.db'), 0o644);
		chmodSync(dir, 0o755);
		expect(modeOf(dir).toString(8)).toBe('755');

		// Only resolving the profile, as `chat-tui send` does first: another profile's files are fixed too.
		await resolveConnection({ configDir: dir, profile: 'default', server: SERVER });
		expectPrivate(dir, old.filter((file) => !file.endsWith('-wal') && !file.endsWith('-shm')));
		await openAndWrite(dir);
	});

	it("leaves other programs' files alone when --config-dir is a shared directory", async () => {
		const dir = scratch();
		const other = path.join(dir, 'notes.txt');
		writeFileSync(other, 'mine');
		chmodSync(other, 0o644);
		await resolveConnection({ configDir: dir, profile: 'default', server: SERVER });
		expect(modeOf(other).toString(8)).toBe('644');
	});
});
