import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Settings } from '../source/local/settings.js';

const roots: string[] = [];
afterEach(() => {
	for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function location(profile = 'default') {
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-settings-'));
	roots.push(configDir);
	return { configDir, profile };
}

describe('Settings', () => {
	it('starts from the defaults and writes nothing until something changes', () => {
		const settings = new Settings(location());
		expect(settings.lastServer).toBeUndefined();
		expect(settings.loginFor('ws://127.0.0.1:4100')).toBeUndefined();
		expect(settings.bell).toBe(true);
		expect(settings.unreadFirst).toBe(false);
		expect(settings.inputHistory).toEqual([]);
		expect(statSync(settings.path, { throwIfNoEntry: false })).toBeUndefined();
	});

	it('keeps what is set in <profile>.json, 0600, where a second instance (another window) reads it', () => {
		const where = location('work');
		const first = new Settings(where);
		first.saveLogin('ws://chat.example.org:4100', { username: 'alice', token: 't0ken' });
		first.bell = false;
		first.rememberInput('hello');
		first.rememberInput('again');
		first.rememberInput('hello');
		expect(first.path).toBe(path.join(where.configDir, 'work.json'));
		expect(statSync(first.path).mode & 0o777).toBe(0o600);

		const second = new Settings(where);
		expect(second.lastServer).toBe('ws://chat.example.org:4100');
		expect(second.loginFor('ws://chat.example.org:4100')).toEqual({ username: 'alice', token: 't0ken' });
		expect(second.bell).toBe(false);
		expect(second.inputHistory).toEqual(['again', 'hello']);
		second.forgetLogin('ws://chat.example.org:4100');
		expect(first.loginFor('ws://chat.example.org:4100')).toBeUndefined();
	});

	it('reads a file an earlier version wrote (tab-indented JSON, server URLs with dots as keys)', () => {
		const where = location();
		const file = path.join(where.configDir, 'default.json');
		writeFileSync(file, JSON.stringify({ logins: { 'ws://a.b.c:1': { username: 'bob', token: 'x' } }, server: 'ws://a.b.c:1', inputHistory: ['hi'], bell: true, unreadFirst: true }, undefined, '\t'));
		const settings = new Settings(where);
		expect(settings.loginFor('ws://a.b.c:1')).toEqual({ username: 'bob', token: 'x' });
		expect(settings.unreadFirst).toBe(true);
		expect(settings.loginFor('__proto__')).toBeUndefined();
		settings.unreadFirst = false;
		expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ server: 'ws://a.b.c:1', unreadFirst: false, inputHistory: ['hi'] });
	});

	it('names the file when it is not JSON', () => {
		const where = location();
		writeFileSync(path.join(where.configDir, 'default.json'), '{ broken');
		expect(() => new Settings(where).lastServer).toThrow(/default\.json is not valid JSON/);
	});
});
