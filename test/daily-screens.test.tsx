import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../source/client/index.js';
import { closeOpened, opened, renderApp } from './helpers/app.js';
import { befriend, ClientPool, PASSWORD, uniqueName } from './helpers/clients.js';
import type { RenderedScreen } from './helpers/render.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Issue 13 in daily use, as a person meets it: the real App against a real
 * server, one window at 80×24.
 */

const SIZE = { columns: 80, rows: 24 };
const ENTER = '\r';

afterEach(closeOpened);

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer({});
});
afterAll(() => server.stop());

type Named = ChatClient & { name: string; token: string };

async function registered(pool: ClientPool, prefix: string): Promise<Named> {
	const client = await pool.connect(server.url);
	const name = uniqueName(prefix);
	const { token } = await client.register(name, PASSWORD);
	return Object.assign(client, { name, token });
}

/** The App logged in as `user` with a saved login, on a fresh profile. */
function openApp(user: Named): RenderedScreen {
	return renderApp(server.url, SIZE, (settings) => settings.saveLogin(server.url, { username: user.name, token: user.token })).screen;
}

/** A frame's text with the log's borders and wrapping taken out. */
function flat(frame: string): string {
	return frame.replace(/[│\s]+/g, ' ');
}

/** The log pane's text (right of the sidebar), its rows joined and its wrapping taken out. */
function logText(frame: string): string {
	return flat(
		frame
			.split('\n')
			.map((line) => line.split('││')[1] ?? '')
			.join(' '),
	);
}

function pooled(): ClientPool {
	const pool = new ClientPool();
	opened.push(() => pool.closeAll());
	return pool;
}

describe('the open conversation goes away (item 7)', () => {
	it('a deleted group: the view moves to status saying why, and the draft stays in the input line', async () => {
		const pool = pooled();
		const owner = await registered(pool, 'own');
		const member = await registered(pool, 'mem');
		const group = uniqueName('grp');
		await owner.request('groups.create', { visibility: 'public', name: group });
		await member.request('groups.join', { name: group });
		await owner.send({ group }, 'last words');
		const screen = openApp(member);
		await screen.waitFor('last words');
		screen.stdin.write('half a thought');
		await screen.waitFor('half a thought');
		await owner.request('groups.delete', { name: group });
		const frame = await screen.waitFor('is closed');
		expect(flat(frame)).toContain(`#${group} is closed: ${owner.name} deleted ${group}`);
		expect(frame).toContain('~ status');
		expect(frame).not.toContain('last words');
		expect(frame).toMatch(/status › half a thought/);
		// Enter in the status view refuses the text but keeps it.
		screen.stdin.write(ENTER);
		const after = await screen.waitFor('open a conversation first');
		expect(after).toMatch(/status › half a thought/);
	});

	it('a removed friend: the view moves to status, the draft kept', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		await friend.send({ user: me.name }, 'see you');
		const screen = openApp(me);
		await screen.waitFor('see you');
		screen.stdin.write('wait');
		await screen.waitFor('› wait');
		await friend.request('friends.remove', { username: me.name });
		const frame = await screen.waitFor('is closed');
		expect(flat(frame)).toContain(`${friend.name} is closed: ${friend.name} is no longer your friend`);
		expect(frame).toContain('~ status');
		expect(frame).not.toContain('see you');
		expect(frame).toMatch(/status › wait/);
	});
});

describe('a scrolled-up log while messages arrive (item 10)', () => {
	it('stays still, says "N new ↓", and End jumps to the newest', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		for (let index = 1; index <= 40; index++) await friend.send({ user: me.name }, `old ${index}`);
		const screen = openApp(me);
		await screen.waitFor('old 40');
		screen.stdin.write('\u001B[5~');
		const scrolled = await screen.waitFor('↑ more');
		// The log's rows under its title, and the sidebar beside them.
		const body = (frame: string) => frame.split('\n').slice(2, SIZE.rows - 3);
		for (let index = 1; index <= 3; index++) await friend.send({ user: me.name }, `fresh ${index}`);
		const frame = await screen.waitFor('3 new ↓');
		expect(body(frame)).toEqual(body(scrolled));
		expect(frame).not.toContain('fresh');
		screen.stdin.write('\u001B[F');
		const newest = await screen.waitFor('fresh 3');
		expect(newest).not.toContain('new ↓');
		expect(newest).not.toContain('End for newest');
	});
});

describe('aliases (item 8)', () => {
	it('/msg takes an alias, and the log names the friend by it', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		await me.request('friends.alias', { username: friend.name, alias: 'Buddy' });
		await friend.send({ user: me.name }, 'hi from afar');
		const screen = openApp(me);
		await screen.waitFor('hi from afar');
		screen.stdin.write('/msg buddy are you there?');
		screen.stdin.write(ENTER);
		const frame = await screen.waitFor((text) => text.includes('are you there?') && !text.includes('are you there?  …'));
		expect(frame).not.toContain('no such user');
		expect(frame).toContain('@ Buddy');
		expect(frame).toMatch(/ Buddy hi from afar/);
		expect(frame).not.toMatch(new RegExp(` ${friend.name} hi from afar`));
		const received = await friend.request('history', { with: { user: me.name }, limit: 10 });
		expect(received.messages.map((message) => message.text)).toContain('are you there?');
	});
});

const ALT_0 = '\u001B0';
const ESC = '\u001B';

describe('asking first, friend requests both ways, command output in status (item 18)', () => {
	it('/delete asks once with the member count; n leaves the group, y deletes it', async () => {
		const pool = pooled();
		const me = await registered(pool, 'own');
		const others = [await registered(pool, 'mem'), await registered(pool, 'mem')];
		const group = uniqueName('pay');
		await me.request('groups.create', { visibility: 'public', name: group });
		for (const other of others) await other.request('groups.join', { name: group });
		const screen = openApp(me);
		await screen.waitFor(`# ${group}`);
		screen.stdin.write(`/delete ${group}`);
		screen.stdin.write(ENTER);
		const asked = await screen.waitFor('y/n ›');
		expect(asked).toContain(`Delete group ${group} for all 3 members? y/n ›`);
		screen.stdin.write('n');
		screen.stdin.write(ENTER);
		await screen.waitFor(`${group} ›`);
		// Nothing changed, and the line saying so is in the status view.
		expect((await others[0]!.request('groups.list', {})).groups.map((g) => g.name)).toEqual([group]);
		screen.stdin.write(ALT_0);
		expect(flat(await screen.waitFor('nothing changed'))).toContain(`nothing changed: ${group} stays`);

		screen.stdin.write(`/delete ${group}`);
		screen.stdin.write(ENTER);
		await screen.waitFor('y/n ›');
		screen.stdin.write('y');
		screen.stdin.write(ENTER);
		await screen.waitFor(`you deleted ${group}`);
		expect((await others[0]!.request('groups.list', {})).groups).toEqual([]);
	});

	it('/remove asks once; Esc keeps the friend, y removes them', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		const screen = openApp(me);
		await screen.waitFor(`@ ${friend.name}`);
		screen.stdin.write(`/remove ${friend.name}`);
		screen.stdin.write(ENTER);
		expect(await screen.waitFor('y/n ›')).toContain(`Remove ${friend.name} from your friends? y/n ›`);
		screen.stdin.write(ESC);
		await screen.waitFor('1 new in status');
		expect((await friend.request('friends.list', {})).friends.map((f) => f.username)).toEqual([me.name]);
		screen.stdin.write(`/remove ${friend.name}`);
		screen.stdin.write(ENTER);
		await screen.waitFor('y/n ›');
		screen.stdin.write('y');
		screen.stdin.write(ENTER);
		const frame = await screen.waitFor('is no longer your friend');
		expect(flat(frame)).toContain(`nothing changed: ${friend.name} stays your friend`);
		expect((await friend.request('friends.list', {})).friends).toEqual([]);
	});

	it('lists requests one sent ("→ name (sent)"); a decline says so in status and drops it; /remove withdraws one', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const bob = await registered(pool, 'bob');
		const carol = await registered(pool, 'car');
		const dave = await registered(pool, 'dav');
		await me.request('friends.request', { username: carol.name });
		const screen = openApp(me);
		// Sent before this start: listed from the login.
		await screen.waitFor(`→ ${carol.name} (sent)`);
		screen.stdin.write(`/add ${bob.name}`);
		screen.stdin.write(ENTER);
		await screen.waitFor(`→ ${bob.name} (sent)`);
		await bob.request('friends.decline', { username: me.name });
		const declined = await screen.waitFor((frame) => flat(frame).includes(`${bob.name} declined your friend request`));
		expect(declined).not.toContain(`→ ${bob.name}`);
		expect(declined).toContain(`→ ${carol.name} (sent)`);

		// Withdrawn without a question: /add asks again.
		screen.stdin.write(`/remove ${carol.name}`);
		screen.stdin.write(ENTER);
		const withdrawn = await screen.waitFor((frame) => flat(frame).includes(`your friend request to ${carol.name} is withdrawn`));
		expect(withdrawn).not.toContain('(sent)');
		expect(withdrawn).not.toContain('y/n');
		expect((await carol.request('friends.list', {})).requests).toEqual([]);

		// Someone asking the user shows as "? name", apart from the ones sent.
		await dave.request('friends.request', { username: me.name });
		screen.stdin.write(`/add ${bob.name}`);
		screen.stdin.write(ENTER);
		const both = await screen.waitFor((frame) => frame.includes(`? ${dave.name}`) && frame.includes(`→ ${bob.name} (sent)`));
		expect(both.indexOf(`? ${dave.name}`)).toBeLessThan(both.indexOf(`→ ${bob.name} (sent)`));
	});

	it('output of a command that is not about the open conversation goes to the status view, and the status bar says so', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		await friend.send({ user: me.name }, 'hello there');
		const screen = openApp(me);
		await screen.waitFor('hello there');
		screen.stdin.write(`/find ${friend.name}`);
		screen.stdin.write(ENTER);
		const told = await screen.waitFor('1 new in status (Alt-0)');
		expect(told).not.toContain('found 1');
		expect(told).toMatch(/~ status +1/);
		screen.stdin.write(`/join ${uniqueName('nosuch')}`);
		screen.stdin.write(ENTER);
		const twice = await screen.waitFor('2 new in status (Alt-0)');
		expect(twice).not.toContain('/join:');
		expect(twice).toContain('hello there');
		screen.stdin.write(ALT_0);
		const status = await screen.waitFor('found 1');
		expect(status).toContain('/join:');
		expect(status).not.toContain('new in status');
		expect(status).not.toMatch(/~ status +\d/);
		// A command about the open conversation keeps its lines there.
		screen.stdin.write('\u001B1');
		await screen.waitFor('hello there');
		screen.stdin.write('/save');
		screen.stdin.write(ENTER);
		const here = await screen.waitFor('/save:');
		expect(here).toContain('no file in this conversation');
		expect(here).not.toContain('new in status');
	});
});

describe('the input line (item 18)', () => {
	/** The input line's text: what follows `›` on the row above the status bar. */
	const inputLine = (frame: string) => /› (.*)$/m.exec(frame.split('\n').at(-2) ?? '')?.[1]?.trim() ?? '';

	it('Delete deletes after the cursor and Backspace before it; word moves and word deletes, as a terminal sends them', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		await friend.send({ user: me.name }, 'ready');
		const screen = openApp(me);
		await screen.waitFor('ready');
		const typed = async (keys: string, expected: string) => {
			screen.stdin.write(keys);
			await screen.waitFor((frame) => inputLine(frame) === expected);
		};
		await typed('one two three', 'one two three');
		// Ctrl-Left twice, then Delete (ESC [3~) takes the "t" after the cursor; Backspace (DEL) the space before it.
		await typed('\u001B[1;5D', 'one two three');
		await typed('\u001B[1;5D', 'one two three');
		await typed('\u001B[3~', 'one wo three');
		await typed('\u007F', 'onewo three');
		// Alt-F to the end of the word, Alt-D takes the next word, Alt-B back, Alt-Backspace takes the word before.
		await typed('\u001Bf', 'onewo three');
		await typed('\u001Bd', 'onewo');
		await typed('!', 'onewo!');
		await typed('\u001Bb', 'onewo!');
		await typed('X', 'Xonewo!');
		await typed('\u001B[1;5C', 'Xonewo!');
		// An empty line shows its placeholder.
		await typed('\u001B\u007F', 'type a message, or /help');
	});

	it('@ and the start of a name, then Tab, completes the mention where the cursor is, keeping the @ and the rest of the line', async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		await friend.send({ user: me.name }, 'ready');
		const screen = openApp(me);
		await screen.waitFor('ready');
		screen.stdin.write(`ask @${friend.name.slice(0, 3)} later`);
		await screen.waitFor((frame) => inputLine(frame).endsWith(' later'));
		for (let index = 0; index < ' later'.length; index++) screen.stdin.write('\u001B[D');
		screen.stdin.write('\t');
		await screen.waitFor((frame) => inputLine(frame) === `ask @${friend.name} later`);
		// The cursor is after the name: what is typed next goes there.
		screen.stdin.write(',');
		await screen.waitFor((frame) => inputLine(frame) === `ask @${friend.name}, later`);
	});
});

describe('errors as sentences (item 18)', () => {
	it("a file over the server's limit: the server's sentence with the size in MiB, no code and no byte count", async () => {
		const pool = pooled();
		const me = await registered(pool, 'me');
		const friend = await registered(pool, 'fr');
		await befriend(me, friend);
		await friend.send({ user: me.name }, 'send it over');
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-big-'));
		opened.push(() => rmSync(dir, { recursive: true, force: true }));
		const file = path.join(dir, 'big.iso');
		writeFileSync(file, '');
		// Sparse: one byte past the default 50 MiB, without writing 50 MiB.
		truncateSync(file, 50 * 1024 * 1024 + 1);
		const screen = openApp(me);
		await screen.waitFor('send it over');
		screen.stdin.write(`/send ${file}`);
		screen.stdin.write(ENTER);
		const frame = logText(await screen.waitFor('largest file'));
		expect(frame).toContain('/send: size: the largest file this server takes is 50 MiB');
		expect(frame).not.toContain('TOO_LARGE');
		expect(frame).not.toContain('52428800');
	});
});

describe('/me (item 18)', () => {
	it('sends an action that both windows show as `* alice waves`; a plain "/me " message is one too; without text it says the usage', async () => {
		const pool = pooled();
		const alice = await registered(pool, 'al');
		const bob = await registered(pool, 'bo');
		await befriend(alice, bob);
		await bob.send({ user: alice.name }, 'hello there');
		const aliceScreen = openApp(alice);
		const bobScreen = openApp(bob);
		await aliceScreen.waitFor('hello there');
		await bobScreen.waitFor('hello there');
		aliceScreen.stdin.write('/me waves');
		aliceScreen.stdin.write(ENTER);
		// Her own line, pending and then stored, reads the same; bob's window shows it as an action too.
		const own = await aliceScreen.waitFor((frame) => logText(frame).includes(`* ${alice.name} waves`) && !frame.includes('waves  …'));
		expect(own).not.toContain('/me waves');
		const seen = await bobScreen.waitFor((frame) => logText(frame).includes(`* ${alice.name} waves`));
		expect(seen).not.toContain('/me');
		// On the wire it is plain text by the convention: any client sending it makes an action.
		const stored = await bob.request('history', { with: { user: alice.name }, limit: 5 });
		expect(stored.messages.at(-1)!.text).toBe('/me waves');
		await bob.send({ user: alice.name }, '/me shrugs');
		await aliceScreen.waitFor((frame) => logText(frame).includes(`* ${bob.name} shrugs`));
		// In search hits too.
		aliceScreen.stdin.write('\u0006');
		await aliceScreen.waitFor('Type words to find');
		aliceScreen.stdin.write('shrugs');
		aliceScreen.stdin.write(ENTER);
		const hits = await aliceScreen.waitFor('1 message matches');
		expect(hits).toContain(`* ${bob.name} shrugs`);
		aliceScreen.stdin.write('\u001B');
		await aliceScreen.waitFor((frame) => !frame.includes('message matches'));
		aliceScreen.stdin.write('/me');
		aliceScreen.stdin.write(ENTER);
		const usage = logText(await aliceScreen.waitFor('usage: /me'));
		expect(usage).toContain('/me: say what you do — usage: /me <action>');
	});
});


describe('private groups from the TUI (issue 15, the commands that keep /create usable)', () => {
	it('/create makes a private group; /invite lets a friend in with /join; --public lets anyone join', async () => {
		const pool = pooled();
		const me = await registered(pool, 'own');
		const friend = await registered(pool, 'fr');
		const stranger = await registered(pool, 'str');
		await befriend(me, friend);
		const group = uniqueName('team');
		const screen = openApp(me);
		await screen.waitFor(`@ ${friend.name}`);
		screen.stdin.write(`/create ${group} the team room`);
		screen.stdin.write(ENTER);
		expect(logText(await screen.waitFor('only people you'))).toContain(`you created ${group} (private: only people you /invite can join)`);
		await expect(stranger.request('groups.join', { name: group })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		screen.stdin.write(`/invite ${friend.name}`);
		screen.stdin.write(ENTER);
		expect(logText(await screen.waitFor('invited'))).toContain(`invited ${friend.name} to ${group}`);
		const { group: joined } = await friend.request('groups.join', { name: group });
		expect(joined.name).toBe(group);
		await screen.waitFor(`${friend.name} joined ${group}`);

		const open = uniqueName('open');
		screen.stdin.write(`/create ${open} --public`);
		screen.stdin.write(ENTER);
		await screen.waitFor('anyone may /join it');
		expect((await stranger.request('groups.join', { name: open })).group.name).toBe(open);
	});
});

describe('running a group from the TUI (issue 15: the moderation commands)', () => {
	it('/topic, /op, /deop and /kick act on the open group; the log says each; a kicked member is out', async () => {
		const pool = pooled();
		const owner = await registered(pool, 'own');
		const member = await registered(pool, 'mem');
		const group = uniqueName('crew');
		await owner.request('groups.create', { name: group });
		await owner.request('groups.invite', { name: group, username: member.name });
		await member.request('groups.join', { name: group });
		const screen = openApp(owner);
		await screen.waitFor(`# ${group}`);
		const run = async (line: string, shown: string) => {
			screen.stdin.write(line);
			screen.stdin.write(ENTER);
			return logText(await screen.waitFor((frame) => logText(frame).includes(shown)));
		};
		await run('/topic payroll and budgets', 'set topic: payroll and budgets');
		// The header shows the topic at once.
		await screen.waitFor(`# ${group} · private · payroll and budgets`);
		await run(`/op ${member.name}`, `you made ${member.name} admin`);
		expect((await member.request('groups.members', { name: group })).members).toContainEqual(expect.objectContaining({ username: member.name, role: 'admin' }));
		await run(`/deop ${member.name}`, `you made ${member.name} a member`);
		await run(`/kick ${member.name}`, `you removed ${member.name} from ${group}`);
		await expect(member.request('history', { with: { group } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		await run('/visibility open', 'say public or private');
	});
});
