import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../source/client/index.js';
import { HistoryStore } from '../source/local/history-store.js';
import { Settings } from '../source/local/settings.js';
import type { EventFrame, Message } from '../source/protocol/index.js';
import { DRAWN_AS, HOSTILE_STRINGS } from './helpers/hostile-strings.js';
import { hostileMessage, startHostileServer, type HostileScript } from './helpers/hostile-server.js';

// Colours on, as in a user's terminal (the bytes are what this test is about): chalk reads
// FORCE_COLOR when it is first imported, so Ink and the App are imported after setting it.
process.env['FORCE_COLOR'] = '3';
// Ink draws only its last frame when it thinks it runs in CI, and reads that (is-in-ci) once, at
// import: this test reads every frame a terminal gets, so Ink is imported without the CI variables.
const ciVariables = { CI: process.env['CI'], CONTINUOUS_INTEGRATION: process.env['CONTINUOUS_INTEGRATION'] };
delete process.env['CI'];
delete process.env['CONTINUOUS_INTEGRATION'];
const { render } = await import('ink');
const { App } = await import('../source/ui/app.js');
const { FakeStdin } = await import('./helpers/render.js');
for (const [name, value] of Object.entries(ciVariables)) if (value !== undefined) process.env[name] = value;

/**
 * The client trusts no server. The real TUI, rendered as a user's terminal
 * gets it (Ink in its normal, incremental mode on a TTY), against a server
 * that sends hostile strings in every field the protocol lets through: the
 * motd, aliases, group descriptions, message text live and in history and
 * search, notices and error sentences; and local history from disk. The bytes written must hold no escape
 * sequence but those the same TUI writes against a clean server, and every
 * hostile string must be on screen, drawn visibly.
 */

const SIZE = { columns: 120, rows: 40 };
const KEY = { enter: '\r', escape: '\u001B', ctrlF: '\u0006', ctrlK: '\u000B', alt: (digit: number) => `\u001B${digit}` };

/** A terminal's stdout as Ink sees it: a TTY of a fixed size; keeps every byte written. */
class TtyStdout extends EventEmitter {
	readonly isTTY = true;
	written = '';
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (data: string): boolean => {
		this.written += data;
		return true;
	};
}

const FROM_DISK = 'from disk \u001B]0;disk\u0007';

const text = (name: string) => HOSTILE_STRINGS.find((entry) => entry.name === name)!.text;

/** The scenario's strings: hostile, or each replaced by harmless words (the clean run the sequences are compared with). */
function script(hostile: boolean): HostileScript {
	const say = (name: string) => (hostile ? text(name) : `clean ${name.replace(/\W+/g, ' ')}`);
	const now = new Date().toISOString();
	const texts = HOSTILE_STRINGS.map((entry) => (hostile ? entry.text : `clean ${entry.name.replace(/\W+/g, ' ')}`));
	const history = (peer: Message['to'], from: string) => texts.map((body) => hostileMessage(from, peer, body));
	// A file whose name and type are hostile, as a hostile server may describe one.
	const file = {
		...hostileMessage('bob', { user: 'alice' }, 'a file'),
		file: { id: '9', name: say('OSC 8 hyperlink'), size: 10, mime: say('8-bit OSC'), sha256: '0'.repeat(64) },
	};
	const events: EventFrame[] = [
		{ type: 'notice', text: say('clear screen') },
		{ type: 'message', message: hostileMessage('bob', { user: 'alice' }, say('cursor up')) },
		{ type: 'presence', username: 'carol', online: true },
		{ type: 'typing', from: 'bob', to: { user: 'alice' } },
		{ type: 'group.update', group: { name: 'general', description: say('DCS') }, event: 'joined', username: 'carol' },
		{ type: 'friend.update', friend: { username: 'carol', alias: say('8-bit CSI'), online: true } },
	];
	return {
		motd: say('OSC 0 window title'),
		login: {
			user: { username: 'alice' },
			friends: [
				{ username: 'bob', alias: say('OSC 52 clipboard write'), online: true },
				{ username: 'carol', alias: say('bidi isolate (LRI)'), online: false },
			],
			groups: [{ name: 'general', description: say('bidi override (RLO … PDF)'), role: 'normal' }],
			requests: [{ from: 'dave', to: 'alice', ts: now }],
			unread: [],
		},
		events,
		replies: {
			history: (fields) => {
				const peer = fields['with'] as Message['to'];
				return { messages: 'user' in peer ? [...history(peer, peer.user), file] : history(peer, 'carol') };
			},
			'sessions.list': () => ({
				sessions: [
					{ id: 's1', device: say('OSC 2 window title (ST)'), created: now, lastSeen: now, current: true, online: true },
					{ id: 's2', device: say('carriage-return overwrite'), created: now, lastSeen: now, current: false, online: false },
				],
			}),
			search: () => ({ messages: history({ user: 'alice' }, 'bob').slice(0, 8) }),
		},
		fallback: { error: { code: 'BAD_REQUEST', message: say('SGR red background') } },
	};
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean, what: string, output: () => string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen text so far ends:\n${output().slice(-3000)}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** The App as run.tsx renders it, against the given server; `loggedIn`: with a saved login, so it goes straight to the chat. */
async function renderTui(hostile: boolean, loggedIn: boolean) {
	const server = await startHostileServer(script(hostile));
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-hostile-'));
	const location = { configDir, profile: 'default' };
	const settings = new Settings(location);
	const history = new HistoryStore(location);
	if (loggedIn) settings.saveLogin(server.url, { username: 'alice', token: 'saved-token' });
	// Local history is read back from disk, which may hold anything: one message there too.
	history.add(server.url, 'alice', [hostileMessage('bob', { user: 'alice' }, hostile ? FROM_DISK : 'from disk, clean')]);
	const clients: ChatClient[] = [];
	const stdout = new TtyStdout(SIZE.columns, SIZE.rows);
	const stdin = new FakeStdin();
	const instance = render(
		<App
			server={server.url}
			settings={settings}
			history={history}
			createClient={(url) => {
				const client = new ChatClient({ url });
				clients.push(client);
				return client;
			}}
		/>,
		{
			stdout: stdout as unknown as NodeJS.WriteStream,
			stderr: stdout as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			exitOnCtrlC: false,
			patchConsole: false,
			incrementalRendering: true,
		},
	);
	cleanups.push(async () => {
		instance.unmount();
		instance.cleanup();
		await Promise.all(clients.map((client) => client.close()));
		await server.close();
		history.close();
		rmSync(configDir, { recursive: true, force: true });
	});
	const shown = () => stripVTControlCharacters(stdout.written);
	const waitFor = (expected: string) => until(() => shown().includes(expected), JSON.stringify(expected), shown);
	/** Keys, then a pause for Ink to draw what they did (it draws at most every ~30 ms). */
	const press = async (keys: string) => {
		stdin.write(keys);
		await new Promise((resolve) => setTimeout(resolve, 120));
	};
	return { stdout, shown, waitFor, press, server };
}

/** Walks the chat through every place a server's words show. */
async function tour(hostile: boolean): Promise<{ written: string; shown: string }> {
	const tui = await renderTui(hostile, true);
	const drawn = (name: string) => (hostile ? DRAWN_AS.get(name)! : `clean ${name.replace(/\W+/g, ' ')}`);
	await tui.waitFor('Contacts');
	await tui.waitFor(drawn('OSC 0 window title')); // the motd, in the status log
	await tui.waitFor(drawn('clear screen')); // a notice
	await tui.press(KEY.alt(1)); // bob: history, a live message, typing
	await tui.waitFor(drawn('cursor up'));
	await tui.waitFor(drawn('NUL'));
	await tui.waitFor(drawn('8-bit OSC')); // a file line: its name and type
	await tui.press('hello bob');
	await tui.press(KEY.enter); // refused: the error sentence shows on the failed line
	await tui.waitFor(drawn('SGR red background'));
	await tui.press('/join evil');
	await tui.press(KEY.enter); // refused: the error goes to the status view, counted there
	await tui.waitFor('1 new in status');
	await tui.press(KEY.alt(0)); // the status view: the motd, the notice, the refused /join
	await tui.waitFor('/join: ');
	await tui.press(KEY.alt(3)); // the group: its description in the header, its history
	await tui.waitFor(drawn('DCS'));
	await tui.press(KEY.ctrlK); // the quick switcher: aliases and group names
	await tui.waitFor('Switch to');
	await tui.press(KEY.escape);
	await tui.press('/sessions'); // device labels as the server lists them
	await tui.press(KEY.enter);
	await tui.waitFor(drawn('carriage-return overwrite'));
	await tui.press(KEY.escape);
	await tui.press(KEY.ctrlF);
	await tui.press('clean');
	await tui.press(KEY.enter);
	await tui.waitFor('messages match');
	await tui.press(KEY.escape);
	await new Promise((resolve) => setTimeout(resolve, 200));
	return { written: tui.stdout.written, shown: tui.shown() };
}

// ---------------------------------------------------------------- what may be written

/** Every escape sequence (CSI, OSC, DCS and the rest, 7- and 8-bit) in what was written. */
const SEQUENCE = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001BP[^\u001B]*(?:\u001B\\)?|\u001B[\s\S]?|[\u0080-\u009F]/g;

/** A sequence by what it does: SGR exactly (a colour is a colour), others by kind and number of parameters (Ink moves the cursor by varying amounts). */
function kind(sequence: string): string {
	const csi = /^\u001B\[([<=>?]?)([\d;:]*)([ -/]*[@-~])$/.exec(sequence);
	if (!csi) return JSON.stringify(sequence);
	const [, prefix, parameters, final] = csi;
	if (final === 'm') return JSON.stringify(sequence);
	return `CSI ${prefix}${parameters ? parameters.split(';').map(() => 'n').join(';') : ''} ${final}`;
}

const kinds = (written: string) => new Set((written.match(SEQUENCE) ?? []).map(kind));
/** Control characters outside escape sequences. */
const loose = (written: string) => new Set(written.replace(SEQUENCE, '').match(/[\0-\u001F\u007F]/g) ?? []);

function expectNothingHostile(written: string, allowed: { kinds: Set<string>; controls: Set<string> }): void {
	const unexpected = [...kinds(written)].filter((sequence) => !allowed.kinds.has(sequence));
	expect(unexpected, 'escape sequences the TUI does not write against a clean server').toEqual([]);
	const controls = [...loose(written)].filter((control) => !allowed.controls.has(control));
	expect(controls.map((control) => control.codePointAt(0)), 'control characters outside escape sequences').toEqual([]);
	expect(written).not.toContain('\u001B]'); // OSC: title, clipboard, hyperlinks
	expect(written).not.toContain('\u001BP'); // DCS
	expect(written).not.toContain('\u0007'); // BEL (the app rings only through its bell, not given here)
	expect(written).not.toMatch(/[\u0080-\u009F]/); // 8-bit C1
	expect(written).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/); // bidi embeddings, overrides, isolates
	expect(written).not.toMatch(/\p{Surrogate}/u);
	expect(written).not.toMatch(/[\b\r]/);
}

describe('a hostile server', () => {
	it('cannot write an escape sequence to the terminal: every string is drawn visibly', { timeout: 60_000 }, async () => {
		const clean = await tour(false);
		const allowed = { kinds: kinds(clean.written), controls: loose(clean.written) };
		// What the clean run writes is the TUI's own: SGR styling and Ink's cursor and erase sequences.
		expect([...allowed.kinds].filter((sequence) => sequence.includes(']'))).toEqual([]);

		const hostile = await tour(true);
		expectNothingHostile(hostile.written, allowed);
		// Each string that fits on a row of the log is there, drawn visibly.
		const fitting = HOSTILE_STRINGS.filter((entry) => stringWidth(DRAWN_AS.get(entry.name)!) <= 60);
		expect(fitting.length).toBeGreaterThan(15);
		// (Compared composed: the log's wrapping composes a letter and its accent, as wrap-ansi does.)
		for (const entry of fitting) expect(hostile.shown.normalize(), entry.name).toContain(DRAWN_AS.get(entry.name)!.normalize());
		// Names and topics on one row: the alias in the sidebar and the log's title, the description in the header.
		expect(hostile.shown).toContain('from disk ^[]0;disk^G'); // local history
		expect(hostile.shown).toContain('@ ^[]52;c;cHduZWQ=^G (bob)'); // the quick switcher
		expect(hostile.shown).toContain('@ ^[]52;c;cHduZWQ=^G'); // bob's alias, the log's title
		expect(hostile.shown).toContain('# general · access <RLO>evil<PDF> level'); // the group's description, the header
		// The stand-ins are in reverse video.
		expect(hostile.written).toMatch(/\u001B\[7m\^\[\u001B\[27m/);
	});

	it('cannot do it through the log-in screen either (the motd under the form)', { timeout: 30_000 }, async () => {
		const clean = await renderTui(false, false);
		await clean.waitFor(`clean OSC 0 window title`);
		const allowed = { kinds: kinds(clean.stdout.written), controls: loose(clean.stdout.written) };
		const hostile = await renderTui(true, false);
		await hostile.waitFor('Log in');
		await hostile.waitFor(DRAWN_AS.get('OSC 0 window title')!);
		expectNothingHostile(hostile.stdout.written, allowed);
	});
});
