/** Unit tests for the TUI's pure parts: input parsing, completion, the chat reducer, line editing, keys and log rows. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Key } from 'ink';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Friend, FriendRequest, Group, Message, Peer } from '../source/protocol/index.js';
import { completeLine } from '../source/ui/commands/complete.js';
import { parseInput, type ParsedInput } from '../source/ui/commands/parse.js';
import { COMMANDS, SEARCH_ALL_FLAG } from '../source/ui/commands/registry.js';
import { lastRows, NICK_WIDTH, type Row, type Segment } from '../source/ui/format/log-rows.js';
import { mentionedNames, mentions, splitMentions } from '../source/ui/format/mentions.js';
import {
	foldWord,
	hitConversation,
	hitTime,
	markedRow,
	matchRanges,
	scrollToShow,
	searchTerms,
	snippet,
	SNIPPET_LEAD,
} from '../source/ui/format/search-hits.js';
import { dayLabel } from '../source/ui/format/time.js';
import { actionFor, displayKey, splitBurst, toKeyPress, type KeyPress } from '../source/ui/keys.js';
import {
	chatReducer,
	conversationList,
	initialChatState,
	LOG_ENTRIES_KEPT,
	STATUS,
	typingIn,
	type ChatAction,
	type ChatState,
	type LogEntry,
	type SearchOverlay,
} from '../source/ui/state/chat-state.js';
import { searchPrompt, searchScope } from '../source/ui/state/search.js';
import { editLine, insertText, lineOf, type LineState } from '../source/ui/state/line-editor.js';
import { completePath } from '../source/ui/commands/path-completion.js';

// ---------------------------------------------------------------- fixtures

const friend = (username: string, online = true, alias: string | null = null): Friend => ({ username, alias, online });
const group = (name: string): Group => ({ name, description: '' });

let messageCounter = 0;
/** A message as the server sends it; seq is per conversation. */
function message(from: string, to: Peer, seq: number, text = `text ${seq}`, ts = '2024-05-01T10:00:00.000Z'): Message {
	messageCounter += 1;
	return { id: `m-${messageCounter}`, seq, from, to, text, ts, cid: `cid-${messageCounter}-0123456789` };
}

/** alice, with friends bob and carol and the group dev; the status log is selected. */
function aliceState(extra: { friends?: Friend[]; groups?: Group[]; requests?: FriendRequest[] } = {}): ChatState {
	return chatReducer(initialChatState('alice', 'ws://test'), {
		type: 'logged-in',
		friends: extra.friends ?? [friend('carol', false), friend('bob')],
		groups: extra.groups ?? [group('dev')],
		requests: extra.requests ?? [],
	});
}

const run = (state: ChatState, ...actions: ChatAction[]) => actions.reduce(chatReducer, state);

/** A log as short strings: `m:<seq>:<text>`, `p:<text>[!reason]`, `s:<text>`. */
function describeLog(log: LogEntry[] | undefined): string[] {
	return (log ?? []).map((entry) => {
		switch (entry.kind) {
			case 'message':
				return `m:${entry.message.seq}:${entry.message.text}`;
			case 'pending':
				return `p:${entry.text}${entry.failed ? `!${entry.failed}` : ''}`;
			case 'system':
				return `s:${entry.text}`;
		}
	});
}

// ---------------------------------------------------------------- parse.ts

describe('parseInput', () => {
	it('reads plain lines as text, trimmed', () => {
		expect(parseInput('  hello there  ')).toEqual({ kind: 'text', text: 'hello there' });
	});

	it('sends a line starting with // as text with one slash removed', () => {
		expect(parseInput('//shrug')).toEqual({ kind: 'text', text: '/shrug' });
		expect(parseInput('//')).toEqual({ kind: 'text', text: '/' });
	});

	it('is empty for blank lines', () => {
		expect(parseInput('')).toEqual({ kind: 'empty' });
		expect(parseInput('   \t ')).toEqual({ kind: 'empty' });
	});

	it('reads /name args as a lower-cased command with its words', () => {
		const parsed = parseInput('  /MSG  bob   hello   there ');
		expect(parsed.kind).toBe('command');
		const command = parsed as Extract<ParsedInput, { kind: 'command' }>;
		expect(command.name).toBe('msg');
		expect(command.args.words).toEqual(['bob', 'hello', 'there']);
	});

	it('after(n) gives the text after n words with its inner spacing kept', () => {
		const { args } = parseInput('/alias bob   Bobby    the  Builder  ') as Extract<ParsedInput, { kind: 'command' }>;
		expect(args.after(0)).toBe('bob   Bobby    the  Builder');
		expect(args.after(1)).toBe('Bobby    the  Builder');
		expect(args.after(2)).toBe('the  Builder');
		expect(args.after(4)).toBe('');
		expect(args.after(9)).toBe('');
	});

	it('reads a command without arguments, and a bare slash', () => {
		const quit = parseInput('/quit') as Extract<ParsedInput, { kind: 'command' }>;
		expect(quit.name).toBe('quit');
		expect(quit.args.words).toEqual([]);
		expect(quit.args.after(0)).toBe('');
		expect(parseInput('/')).toMatchObject({ kind: 'command', name: '' });
	});
});

// ---------------------------------------------------------------- complete.ts

describe('completeLine', () => {
	const state = aliceState({
		friends: [friend('carol'), friend('bob'), friend('Bea')],
		groups: [group('dev'), group('design')],
		requests: [
			{ from: 'dave', to: 'alice', ts: '2024-05-01T10:00:00.000Z' },
			{ from: 'alice', to: 'erin', ts: '2024-05-01T10:00:00.000Z' },
		],
	});

	it('completes the path of /send and /save from the file system, directories with a slash to go on', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-paths-'));
		try {
			mkdirSync(path.join(dir, 'reports'));
			writeFileSync(path.join(dir, 'report.pdf'), 'x');
			writeFileSync(path.join(dir, 'reports', 'q3.txt'), 'x');
			writeFileSync(path.join(dir, '.hidden'), 'x');
			expect(completePath(`${dir}/rep`)).toEqual([`${dir}/report.pdf`, `${dir}/reports/`]);
			expect(completePath(`${dir}/reports/`)).toEqual([`${dir}/reports/q3.txt`]);
			expect(completePath(`${dir}/`)).toEqual([`${dir}/report.pdf`, `${dir}/reports/`]);
			expect(completePath(`${dir}/.h`)).toEqual([`${dir}/.hidden`]);
			expect(completePath('rep', dir)).toEqual(['report.pdf', 'reports/']);
			expect(completePath(`${dir}/missing/x`)).toEqual([]);
			expect(completeLine(`/send ${dir}/report.`, state)).toEqual([`/send ${dir}/report.pdf `]);
			expect(completeLine(`/save 2 ${dir}/reports`, state)).toEqual([`/save 2 ${dir}/reports/`]);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('completes command names after a leading slash, in the order /help lists them', () => {
		expect(completeLine('/', state)).toEqual(COMMANDS.map((command) => `/${command.name} `));
		expect(completeLine('/m', state)).toEqual(['/msg ', '/members ']);
		expect(completeLine('/JO', state)).toEqual(['/join ']);
		expect(completeLine('/zzz', state)).toEqual([]);
	});

	it('completes friends for a friend argument, alphabetically whatever the case', () => {
		expect(completeLine('/msg ', state)).toEqual(['/msg Bea ', '/msg bob ', '/msg carol ']);
		expect(completeLine('/msg B', state)).toEqual(['/msg Bea ', '/msg bob ']);
		expect(completeLine('/remove c', state)).toEqual(['/remove carol ']);
	});

	it('completes groups for a group argument', () => {
		expect(completeLine('/join d', state)).toEqual(['/join design ', '/join dev ']);
		expect(completeLine('/leave dev', state)).toEqual(['/leave dev ']);
	});

	it('completes only incoming requests for /accept and /decline', () => {
		expect(completeLine('/accept ', state)).toEqual(['/accept dave ']);
		expect(completeLine('/decline e', state)).toEqual([]);
	});

	it('completes known users, but not oneself, for /add', () => {
		expect(completeLine('/add ', state)).toEqual(['/add Bea ', '/add bob ', '/add carol ', '/add dave ', '/add erin ']);
		expect(completeLine('/add a', state)).toEqual([]);
	});

	it('offers nothing for text arguments, commands without arguments or unknown commands', () => {
		expect(completeLine('/msg bob he', state)).toEqual([]);
		expect(completeLine('/msg bob ', state)).toEqual([]);
		expect(completeLine('/create de', state)).toEqual([]);
		expect(completeLine('/quit ', state)).toEqual([]);
		expect(completeLine('/nosuch b', state)).toEqual([]);
	});

	it('completes friend and group names in plain text, without a trailing space', () => {
		expect(completeLine('see you b', state)).toEqual(['see you Bea', 'see you bob']);
		expect(completeLine('de', state)).toEqual(['design', 'dev']);
		expect(completeLine('ask ', state)).toEqual(['ask Bea', 'ask bob', 'ask carol', 'ask design', 'ask dev']);
		expect(completeLine('hello x', state)).toEqual([]);
	});

	it('offers a name that is both a friend and a group once', () => {
		const both = aliceState({ friends: [friend('Dev')], groups: [group('dev')] });
		expect(completeLine('d', both)).toHaveLength(1);
	});
});

// ---------------------------------------------------------------- chat-state.ts

describe('chatReducer', () => {
	const bob = { user: 'bob' };
	const toAlice = { user: 'alice' };

	it('places messages by seq, whatever order they arrive in', () => {
		const state = run(
			aliceState(),
			{ type: 'message', message: message('bob', toAlice, 3) },
			{ type: 'message', message: message('bob', toAlice, 1) },
			{ type: 'message', message: message('alice', bob, 2) },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual(['m:1:text 1', 'm:2:text 2', 'm:3:text 3']);
	});

	it('adds a message it already has (same id) only once, and leaves the state as it was', () => {
		const first = message('bob', toAlice, 1);
		const once = run(aliceState(), { type: 'message', message: first });
		const twice = chatReducer(once, { type: 'message', message: { ...first } });
		expect(twice.logs['user:bob']).toHaveLength(1);
		expect(twice.logs['user:bob']).toBe(once.logs['user:bob']);
		expect(twice.unread['user:bob']).toBe(1);
	});

	it('puts a new message after the system lines that came before it', () => {
		const state = run(
			aliceState(),
			{ type: 'select', key: 'user:bob' },
			{ type: 'message', message: message('bob', toAlice, 1, 'before') },
			{ type: 'presence', username: 'bob', online: false },
			{ type: 'presence', username: 'bob', online: true },
			{ type: 'message', message: message('bob', toAlice, 2, 'back again') },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual([
			'm:1:before',
			's:bob is offline',
			's:bob is online',
			'm:2:back again',
		]);
	});

	it('puts older history before the messages shown, after leading system lines', () => {
		const state = run(
			aliceState(),
			{ type: 'system', key: 'user:bob', text: 'hello' },
			{ type: 'message', message: message('bob', toAlice, 5) },
			{ type: 'history', key: 'user:bob', messages: [message('bob', toAlice, 3), message('alice', bob, 4)], complete: true },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual(['s:hello', 'm:3:text 3', 'm:4:text 4', 'm:5:text 5']);
		expect(state.historyComplete['user:bob']).toBe(true);
		expect(state.unread['user:bob']).toBe(1);
	});

	it('counts unread messages only in conversations not on screen, and not one’s own', () => {
		let state = aliceState();
		state = run(
			state,
			{ type: 'message', message: message('bob', toAlice, 1) },
			{ type: 'message', message: message('bob', toAlice, 2) },
			// Sent from another of alice's sessions.
			{ type: 'message', message: message('alice', bob, 3) },
			{ type: 'message', message: message('alice', { user: 'carol' }, 1) },
		);
		expect(state.unread).toEqual({ 'user:bob': 2 });

		state = run(state, { type: 'select', key: 'user:carol' }, { type: 'message', message: message('carol', toAlice, 2) });
		expect(state.unread).toEqual({ 'user:bob': 2 });

		state = chatReducer(state, { type: 'message', message: message('bob', { group: 'dev' }, 1) });
		expect(state.unread).toEqual({ 'user:bob': 2, 'group:dev': 1 });
	});

	it('clears a conversation’s unread count when it is selected, and resets scroll and overlay', () => {
		let state = run(
			aliceState(),
			{ type: 'message', message: message('bob', toAlice, 1) },
			{ type: 'message', message: message('carol', toAlice, 1) },
			{ type: 'scroll', to: 7 },
			{ type: 'overlay', overlay: { kind: 'help', offset: 0 } },
		);
		state = chatReducer(state, { type: 'select', key: 'user:bob' });
		expect(state.selected).toBe('user:bob');
		expect(state.unread).toEqual({ 'user:carol': 1 });
		expect(state.scroll).toBe(0);
		expect(state.overlay).toBeUndefined();
	});

	it('replaces a pending line with the acknowledged message, once, when the message event follows', () => {
		const sent = message('alice', bob, 1, 'hi bob');
		let state = run(aliceState(), { type: 'select', key: 'user:bob' });
		state = chatReducer(state, { type: 'pending', key: 'user:bob', cid: sent.cid, text: 'hi bob', ts: sent.ts });
		expect(describeLog(state.logs['user:bob'])).toEqual(['p:hi bob']);
		state = chatReducer(state, { type: 'acknowledged', cid: sent.cid, message: sent });
		expect(describeLog(state.logs['user:bob'])).toEqual(['m:1:hi bob']);
		state = chatReducer(state, { type: 'message', message: sent });
		expect(describeLog(state.logs['user:bob'])).toEqual(['m:1:hi bob']);
	});

	it('ends with one line when the message event comes before the acknowledgement', () => {
		const sent = message('alice', bob, 1, 'hi bob');
		const state = run(
			aliceState(),
			{ type: 'pending', key: 'user:bob', cid: sent.cid, text: 'hi bob', ts: sent.ts },
			{ type: 'message', message: sent },
			{ type: 'acknowledged', cid: sent.cid, message: sent },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual(['m:1:hi bob']);
		expect(state.unread).toEqual({});
	});

	it('keeps later pending lines below an acknowledged or incoming message', () => {
		const first = message('alice', bob, 2, 'one');
		const state = run(
			aliceState(),
			{ type: 'message', message: message('bob', toAlice, 1, 'hey') },
			{ type: 'pending', key: 'user:bob', cid: first.cid, text: 'one', ts: first.ts },
			{ type: 'pending', key: 'user:bob', cid: 'cid-two-0123456789', text: 'two', ts: first.ts },
			{ type: 'acknowledged', cid: first.cid, message: first },
			{ type: 'message', message: message('bob', toAlice, 3, 'reply') },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual(['m:1:hey', 'm:2:one', 'm:3:reply', 'p:two']);
	});

	it('marks the failed pending entry, and only that one', () => {
		const state = run(
			aliceState(),
			{ type: 'pending', key: 'user:bob', cid: 'cid-a-0123456789', text: 'a', ts: '2024-05-01T10:00:00.000Z' },
			{ type: 'pending', key: 'user:bob', cid: 'cid-b-0123456789', text: 'b', ts: '2024-05-01T10:00:00.000Z' },
			{ type: 'send-failed', key: 'user:bob', cid: 'cid-a-0123456789', reason: 'not friends' },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual(['p:a!not friends', 'p:b']);
	});

	it('updates a friend’s presence and says so in their log and the one on screen', () => {
		const state = run(aliceState(), { type: 'presence', username: 'bob', online: false });
		expect(state.friends.find((candidate) => candidate.username === 'bob')?.online).toBe(false);
		expect(describeLog(state.logs['user:bob'])).toEqual(['s:bob is offline']);
		expect(describeLog(state.logs[STATUS])).toEqual(['s:bob is offline']);
		expect(state.logs['user:bob']![0]).toMatchObject({ kind: 'system', tone: 'presence' });

		const open = run(aliceState(), { type: 'select', key: 'user:carol' }, { type: 'presence', username: 'carol', online: true });
		expect(open.friends.find((candidate) => candidate.username === 'carol')?.online).toBe(true);
		expect(describeLog(open.logs['user:carol'])).toEqual(['s:carol is online']);
		expect(open.logs[STATUS]).toBeUndefined();
	});

	it('names a friend by alias in presence lines, and puts a stranger’s presence in the status log', () => {
		const aliased = run(aliceState({ friends: [friend('bob', true, 'Bobby')] }), { type: 'presence', username: 'bob', online: false });
		expect(describeLog(aliased.logs['user:bob'])).toEqual(['s:Bobby (bob) is offline']);
		const stranger = run(aliceState(), { type: 'presence', username: 'zed', online: true });
		expect(describeLog(stranger.logs[STATUS])).toEqual(['s:zed is online']);
		expect(stranger.logs['user:zed']).toBeUndefined();
		expect(stranger.friends.map((f) => f.username)).toEqual(['bob', 'carol']);
	});

	it('drops a removed friend and their requests', () => {
		const state = run(
			aliceState({ requests: [{ from: 'alice', to: 'bob', ts: '2024-05-01T10:00:00.000Z' }] }),
			{ type: 'friend-update', friend: { username: 'Bob', removed: true } },
		);
		expect(state.friends.map((f) => f.username)).toEqual(['carol']);
		expect(state.requests).toEqual([]);
		expect(describeLog(state.logs[STATUS])).toEqual(['s:Bob is no longer your friend']);
	});

	it('adds a new friend in name order and says so', () => {
		const state = run(aliceState(), { type: 'friend-update', friend: friend('anna') });
		expect(state.friends.map((f) => f.username)).toEqual(['anna', 'bob', 'carol']);
		expect(describeLog(state.logs['user:anna'])).toEqual(['s:anna is now your friend']);
	});

	it('removes a deleted group and says who deleted it', () => {
		const state = run(aliceState({ groups: [group('dev'), group('ops')] }), {
			type: 'group-update',
			group: group('dev'),
			event: 'deleted',
			username: 'carol',
		});
		expect(state.groups.map((g) => g.name)).toEqual(['ops']);
		expect(describeLog(state.logs['group:dev'])).toEqual(['s:carol deleted dev']);
		expect(describeLog(state.logs[STATUS])).toEqual(['s:carol deleted dev']);
	});

	it('moves through status, friends and groups, wrapping around both ways', () => {
		const start = aliceState({ friends: [friend('bob'), friend('carol')], groups: [group('dev')] });
		const select = (state: ChatState, delta: number) => chatReducer(state, { type: 'select-relative', delta });
		expect(select(start, 1).selected).toBe('user:bob');
		expect(select(start, 2).selected).toBe('user:carol');
		expect(select(start, 3).selected).toBe('group:dev');
		expect(select(start, -1).selected).toBe('group:dev');
		expect(select(select(start, -1), 1).selected).toBe(STATUS);
		expect(select(select(start, 1), -1).selected).toBe(STATUS);
	});

	it(`keeps only the newest ${LOG_ENTRIES_KEPT} entries of a log`, () => {
		let state = aliceState();
		for (let index = 0; index < LOG_ENTRIES_KEPT + 5; index++) {
			state = chatReducer(state, { type: 'system', key: STATUS, text: `line ${index}` });
		}
		const log = describeLog(state.logs[STATUS]);
		expect(log).toHaveLength(LOG_ENTRIES_KEPT);
		expect(log[0]).toBe('s:line 5');
		expect(log.at(-1)).toBe(`s:line ${LOG_ENTRIES_KEPT + 4}`);
	});

	it('keeps older history loaded by scrolling back, even past the limit', () => {
		const toAlice: Peer = { user: 'alice' };
		const newest = Array.from({ length: LOG_ENTRIES_KEPT }, (_, index) => message('bob', toAlice, 1001 + index));
		let state = chatReducer(aliceState(), { type: 'history', key: 'user:bob', messages: newest });
		const older = Array.from({ length: 50 }, (_, index) => message('bob', toAlice, 951 + index));
		state = chatReducer(state, { type: 'history', key: 'user:bob', messages: older });
		const log = state.logs['user:bob']!;
		expect(log).toHaveLength(LOG_ENTRIES_KEPT + 50);
		expect(log[0]).toMatchObject({ kind: 'message', message: { seq: 951 } });
	});
});

// ---------------------------------------------------------------- line-editor.ts

describe('mentions', () => {
	it('finds @names as words, case-insensitively, without a closing dot or dash', () => {
		expect(mentionedNames('hi @Alice, and @bob. also @carol-')).toEqual(['alice', 'bob', 'carol']);
		expect(mentions('ping @ALICE!', 'alice')).toBe(true);
		expect(mentions('mail alice@example.org', 'alice')).toBe(false);
		expect(mentions('@alice_2 is someone else', 'alice')).toBe(false);
		expect(mentions('(@alice)', 'alice')).toBe(true);
		expect(mentions('no mention', 'alice')).toBe(false);
	});

	it('splits a text into runs with the mentions of one user marked', () => {
		expect(splitMentions('hey @alice. see @bob and @Alice', 'alice')).toEqual([
			{ text: 'hey ', mention: false },
			{ text: '@alice', mention: true },
			{ text: '. see @bob and ', mention: false },
			{ text: '@Alice', mention: true },
		]);
	});
});

describe('chatReducer: read state, typing, mentions', () => {
	const toAlice = { user: 'alice' };

	it('takes unread counts from the server at login, except for the conversation on screen', () => {
		const state = chatReducer(run(initialChatState('alice', 'ws://test'), { type: 'select', key: 'group:dev' }), {
			type: 'logged-in',
			friends: [friend('bob')],
			groups: [group('dev')],
			requests: [],
			unread: [
				{ with: { user: 'Bob' }, read: 2, last: 5, unread: 3 },
				{ with: { group: 'dev' }, read: 0, last: 4, unread: 4 },
			],
		});
		expect(state.unread).toEqual({ 'user:bob': 3 });
		expect(state.readSeq).toEqual({ 'user:bob': 2, 'group:dev': 0 });
		// A message another device has already read does not count again.
		const next = chatReducer(state, { type: 'message', message: message('bob', toAlice, 2) });
		expect(next.unread).toEqual({ 'user:bob': 3 });
	});

	it('clears or lowers a count when another device reads the conversation', () => {
		let state = run(
			aliceState(),
			{ type: 'message', message: message('bob', toAlice, 1) },
			{ type: 'message', message: message('bob', toAlice, 2) },
			{ type: 'message', message: message('bob', toAlice, 3) },
		);
		expect(state.unread).toEqual({ 'user:bob': 3 });
		state = chatReducer(state, { type: 'read', key: 'user:bob', seq: 2 });
		expect(state.unread).toEqual({ 'user:bob': 1 });
		state = chatReducer(state, { type: 'read', key: 'user:bob', seq: 3 });
		expect(state.unread).toEqual({});
		expect(state.readSeq['user:bob']).toBe(3);
		// Never back.
		expect(chatReducer(state, { type: 'read', key: 'user:bob', seq: 1 }).readSeq['user:bob']).toBe(3);
	});

	it('counts mentions apart, and forgets them when the conversation is opened', () => {
		let state = run(
			aliceState(),
			{ type: 'message', message: message('bob', { group: 'dev' }, 1, 'morning all') },
			{ type: 'message', message: message('bob', { group: 'dev' }, 2, '@alice can you look?') },
		);
		expect(state.unread).toEqual({ 'group:dev': 2 });
		expect(state.mentioned).toEqual({ 'group:dev': 1 });
		state = chatReducer(state, { type: 'select', key: 'group:dev' });
		expect(state.unread).toEqual({});
		expect(state.mentioned).toEqual({});
	});

	it('shows who is typing until it runs out or their message arrives', () => {
		let state = run(
			aliceState(),
			{ type: 'typing', key: 'group:dev', username: 'Bob', until: 10_000 },
			{ type: 'typing', key: 'group:dev', username: 'carol', until: 5_000 },
		);
		expect(typingIn(state, 'group:dev', 4_000)).toEqual(['bob', 'carol']);
		expect(typingIn(state, 'group:dev', 6_000)).toEqual(['bob']);
		expect(typingIn(state, 'user:bob', 4_000)).toEqual([]);
		state = chatReducer(state, { type: 'message', message: message('bob', { group: 'dev' }, 1) });
		expect(typingIn(state, 'group:dev', 4_000)).toEqual(['carol']);
	});

	it('lists conversations with unread messages first when asked, each part still by name', () => {
		const state = run(
			aliceState({ friends: [friend('bob'), friend('carol'), friend('dan')], groups: [group('dev'), group('ops')] }),
			{ type: 'message', message: message('dan', toAlice, 1) },
			{ type: 'message', message: message('carol', toAlice, 1) },
			{ type: 'message', message: message('bob', { group: 'ops' }, 1) },
		);
		expect(conversationList(state).map((c) => c.key)).toEqual(['user:bob', 'user:carol', 'user:dan', 'group:dev', 'group:ops']);
		const sorted = chatReducer(state, { type: 'unread-first', on: true });
		expect(conversationList(sorted).map((c) => c.key)).toEqual(['user:carol', 'user:dan', 'user:bob', 'group:ops', 'group:dev']);
	});
});

describe('editLine', () => {
	const at = (text: string, cursor: number): LineState => ({ text, cursor });
	const key = (name: string, text = ''): KeyPress => ({ name, text });

	it('keeps the lines of a bracketed paste, and flattens those of typed bursts', () => {
		expect(editLine(at('ab', 1), key('paste', 'x\r\ny\rz\tw'))).toEqual(at('ax\ny\nz    wb', 11));
		expect(editLine(at('', 0), key('text', 'x\ny'))).toEqual(at('x y', 3));
		expect(insertText(at('ab', 2), '\n', true)).toEqual(at('ab\n', 3));
		expect(insertText(at('ab', 2), '\u0007\n', true)).toEqual(at('ab \n', 4));
	});

	it('moves the cursor within the text', () => {
		expect(editLine(at('abc', 1), key('left'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 0), key('left'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 2), key('right'))).toEqual(at('abc', 3));
		expect(editLine(at('abc', 3), key('right'))).toEqual(at('abc', 3));
		expect(editLine(at('abc', 2), key('ctrl+a'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 0), key('ctrl+e'))).toEqual(at('abc', 3));
	});

	it('inserts typed and pasted text at the cursor, control characters as spaces', () => {
		expect(editLine(at('ac', 1), key('b', 'b'))).toEqual(at('abc', 2));
		expect(editLine(lineOf('say '), key('text', 'hi\nthere\t!'))).toEqual(at('say hi there !', 14));
	});

	it('deletes with Backspace, Delete, Ctrl-U and Ctrl-W', () => {
		expect(editLine(at('abc', 2), key('backspace'))).toEqual(at('ac', 1));
		expect(editLine(at('abc', 0), key('backspace'))).toEqual(at('abc', 0));
		expect(editLine(at('abc', 1), key('delete'))).toEqual(at('ac', 1));
		expect(editLine(at('abc', 3), key('delete'))).toEqual(at('abc', 3));
		expect(editLine(at('hello world', 6), key('ctrl+u'))).toEqual(at('world', 0));
		expect(editLine(lineOf('say hello there  '), key('ctrl+w'))).toEqual(at('say hello ', 10));
		expect(editLine(at('say hello there', 9), key('ctrl+w'))).toEqual(at('say  there', 4));
	});

	it('returns undefined for keys that do not edit', () => {
		expect(editLine(lineOf('abc'), key('up'))).toBeUndefined();
		expect(editLine(lineOf('abc'), key('ctrl+n'))).toBeUndefined();
		expect(editLine(lineOf('abc'), key('enter'))).toBeUndefined();
	});
});

// ---------------------------------------------------------------- keys.ts

function inkKey(flags: Partial<Key> = {}): Key {
	return {
		upArrow: false,
		downArrow: false,
		leftArrow: false,
		rightArrow: false,
		pageDown: false,
		pageUp: false,
		home: false,
		end: false,
		return: false,
		escape: false,
		ctrl: false,
		shift: false,
		tab: false,
		backspace: false,
		delete: false,
		meta: false,
		super: false,
		hyper: false,
		capsLock: false,
		numLock: false,
		...flags,
	};
}

describe('toKeyPress', () => {
	it('names special keys', () => {
		expect(toKeyPress('', inkKey({ upArrow: true }))).toEqual({ name: 'up', text: '' });
		expect(toKeyPress('', inkKey({ pageDown: true }))).toEqual({ name: 'pagedown', text: '' });
		expect(toKeyPress('\r', inkKey({ return: true }))).toEqual({ name: 'enter', text: '' });
		expect(toKeyPress('\t', inkKey({ tab: true }))).toEqual({ name: 'tab', text: '' });
		expect(toKeyPress('', inkKey({ tab: true, shift: true }))).toEqual({ name: 'shift+tab', text: '' });
		expect(toKeyPress('', inkKey({ escape: true }))).toEqual({ name: 'escape', text: '' });
		expect(toKeyPress('\r', inkKey({ return: true, meta: true }))).toEqual({ name: 'alt+enter', text: '' });
		expect(actionFor({ name: 'alt+enter', text: '' })).toEqual({ action: 'newline' });
	});

	it('treats Delete (what most terminals send for Backspace) as Backspace', () => {
		expect(toKeyPress('', inkKey({ delete: true }))).toEqual({ name: 'backspace', text: '' });
		expect(toKeyPress('', inkKey({ backspace: true }))).toEqual({ name: 'backspace', text: '' });
	});

	it('names Ctrl and Alt keys in lower case, typing nothing', () => {
		expect(toKeyPress('N', inkKey({ ctrl: true }))).toEqual({ name: 'ctrl+n', text: '' });
		expect(toKeyPress('1', inkKey({ meta: true }))).toEqual({ name: 'alt+1', text: '' });
	});

	it('types characters and pasted text, and nothing for unnamed sequences', () => {
		expect(toKeyPress('a', inkKey())).toEqual({ name: 'a', text: 'a' });
		expect(toKeyPress('A', inkKey({ shift: true }))).toEqual({ name: 'A', text: 'A' });
		expect(toKeyPress('hello', inkKey())).toEqual({ name: 'text', text: 'hello' });
		expect(toKeyPress('', inkKey())).toEqual({ name: 'unknown', text: '' });
	});
});

describe('actionFor', () => {
	const press = (name: string): KeyPress => ({ name, text: '' });

	it('maps Alt-1…9 to a jump with a zero-based index', () => {
		expect(actionFor(press('alt+1'))).toEqual({ action: 'jump', index: 0 });
		expect(actionFor(press('alt+9'))).toEqual({ action: 'jump', index: 8 });
		expect(actionFor(press('alt+0'))).toBeUndefined();
	});

	it('maps bound keys to their actions, and nothing for others', () => {
		expect(actionFor(press('ctrl+n'))).toEqual({ action: 'next-conversation' });
		expect(actionFor(press('ctrl+p'))).toEqual({ action: 'previous-conversation' });
		expect(actionFor(press('ctrl+c'))).toEqual({ action: 'quit' });
		expect(actionFor(press('enter'))).toEqual({ action: 'submit' });
		expect(actionFor(press('tab'))).toEqual({ action: 'complete' });
		expect(actionFor(press('f1'))).toEqual({ action: 'help' });
		expect(actionFor(press('pageup'))).toEqual({ action: 'scroll-up' });
		expect(actionFor(press('x'))).toBeUndefined();
		expect(actionFor(press('ctrl+a'))).toBeUndefined();
	});
});

describe('splitBurst', () => {
	it('splits a burst into text runs, Tab and Enter', () => {
		expect(splitBurst('bob\tpass\r')).toEqual([
			{ name: 'text', text: 'bob' },
			{ name: 'tab', text: '' },
			{ name: 'text', text: 'pass' },
			{ name: 'enter', text: '' },
		]);
	});

	it('names Ctrl letters, Backspace and newlines', () => {
		expect(splitBurst('\u0012ab\u007f\n')).toEqual([
			{ name: 'ctrl+r', text: '' },
			{ name: 'text', text: 'ab' },
			{ name: 'backspace', text: '' },
			{ name: 'enter', text: '' },
		]);
		expect(splitBurst('\u0001\u001a')).toEqual([
			{ name: 'ctrl+a', text: '' },
			{ name: 'ctrl+z', text: '' },
		]);
	});

	it('leaves single keys, plain text and escape sequences to Ink', () => {
		expect(splitBurst('\r')).toBeUndefined();
		expect(splitBurst('hello')).toBeUndefined();
		expect(splitBurst('\u001b[A\r')).toBeUndefined();
	});
});

describe('displayKey', () => {
	it('writes key names the way help shows them', () => {
		expect(displayKey('ctrl+n')).toBe('Ctrl-N');
		expect(displayKey('alt+1…9')).toBe('Alt-1…9');
		expect(displayKey('shift+tab')).toBe('Shift-Tab');
		expect(displayKey('pageup')).toBe('PgUp');
		expect(displayKey('escape')).toBe('Esc');
		expect(displayKey('f1')).toBe('F1');
		expect(displayKey('ctrl+a / ctrl+e')).toBe('Ctrl-A / Ctrl-E');
	});
});

// ---------------------------------------------------------------- log-rows.ts

describe('lastRows', () => {
	const rowText = (row: Row) => row.segments.map((segment) => segment.text).join('');
	/** Local times, so day boundaries do not depend on the time zone tests run in. */
	const local = (day: number, hour: number, minute = 0) => new Date(2024, 4, day, hour, minute).toISOString();
	const said = (from: string, seq: number, text: string, ts = local(1, 10)): LogEntry => ({
		kind: 'message',
		message: message(from, from === 'alice' ? { user: 'bob' } : { user: 'alice' }, seq, text, ts),
	});
	const TEXT_COLUMN = 5 + 1 + NICK_WIDTH + 1;

	it('starts a log with a day separator, then time, sender and text', () => {
		const { rows, more } = lastRows([said('bob', 1, 'hi there', local(1, 9, 5))], 'alice', 60, 10);
		expect(rows).toHaveLength(2);
		expect(rowText(rows[0]!)).toContain(dayLabel(local(1, 9)));
		expect(rowText(rows[1]!)).toBe(`09:05 ${'bob'.padStart(NICK_WIDTH)} hi there`);
		expect(rows[1]!.segments[1]).toMatchObject({ role: 'other', bold: true });
		expect(more).toBe(false);
	});

	it('highlights a message from someone else that mentions me, not my own or one without', () => {
		const { rows } = lastRows(
			[said('bob', 1, '@alice look at this'), said('bob', 2, 'nothing for you'), said('alice', 3, 'thanks @alice-me')],
			'alice',
			60,
			10,
		);
		const bodies = rows.slice(1).map((row) => row.segments.at(-1)!);
		expect(bodies[0]).toMatchObject({ text: '@alice look at this', role: 'mention', bold: true });
		expect(bodies[1]!.role).toBeUndefined();
		expect(bodies[2]!.role).toBeUndefined();
	});

	it('wraps long text to the width, continuation rows indented under the text', () => {
		const text = 'the quick brown fox jumps over the lazy dog and keeps on running far away';
		const width = 40;
		const { rows } = lastRows([said('alice', 1, text)], 'alice', width, 50);
		const body = rows.slice(1);
		expect(body.length).toBeGreaterThan(2);
		for (const row of body) expect(stringWidth(rowText(row))).toBeLessThanOrEqual(width);
		for (const row of body.slice(1)) {
			expect(row.segments[0]!.text).toBe(' '.repeat(TEXT_COLUMN));
			expect(rowText(row).slice(TEXT_COLUMN)).toMatch(/^\S/);
		}
		expect(body.map((row) => rowText(row).slice(TEXT_COLUMN).trim()).join(' ')).toBe(text);
		expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);
	});

	it('does not start wrapped rows with the spaces they broke at, but keeps indentation after a newline', () => {
		const narrow = TEXT_COLUMN + 5;
		const spaced = lastRows([said('bob', 1, 'one  two   three')], 'alice', narrow, 10).rows.slice(1);
		expect(spaced.map((row) => rowText(row).slice(TEXT_COLUMN).trimEnd())).toEqual(['one', 'two', 'three']);
		const lines = lastRows([said('bob', 1, 'code:\n  indented')], 'alice', 60, 10).rows.slice(1);
		expect(lines.map((row) => rowText(row).slice(TEXT_COLUMN))).toEqual(['code:', '  indented']);
	});

	it('cuts a long sender name to the nick column', () => {
		const { rows } = lastRows([said('averyveryverylongname', 1, 'hi')], 'alice', 60, 10);
		expect(rows[1]!.segments[1]!.text).toBe('averyvery…');
		expect(stringWidth(rows[1]!.segments[1]!.text)).toBe(NICK_WIDTH);
	});

	it('marks pending and failed lines', () => {
		const entries: LogEntry[] = [
			{ kind: 'pending', cid: 'c1', from: 'alice', text: 'on its way', ts: local(1, 10) },
			{ kind: 'pending', cid: 'c2', from: 'alice', text: 'lost', ts: local(1, 10), failed: 'not friends' },
		];
		const { rows } = lastRows(entries, 'alice', 80, 10);
		expect(rowText(rows[1]!)).toMatch(/on its way {2}…$/);
		expect(rowText(rows[2]!)).toContain('lost  ✗ not sent: not friends');
		expect(rows[2]!.segments.at(-1)).toMatchObject({ role: 'error' });
	});

	it('puts a day separator where the day changes', () => {
		const entries = [
			said('bob', 1, 'late', local(1, 23, 50)),
			said('bob', 2, 'still late', local(1, 23, 55)),
			said('alice', 3, 'morning', local(2, 8, 0)),
		];
		const texts = lastRows(entries, 'alice', 60, 20).rows.map(rowText);
		expect(texts).toHaveLength(5);
		expect(texts[0]).toContain(dayLabel(local(1, 12)));
		expect(texts[1]).toContain('late');
		expect(texts[2]).toContain('still late');
		expect(texts[3]).toContain(dayLabel(local(2, 12)));
		expect(texts[3]).toMatch(/^─+ .+ ─+$/);
		expect(texts[4]).toContain('morning');
	});

	it('returns only the last rows asked for, and whether older ones remain', () => {
		const entries = Array.from({ length: 10 }, (_, index) => said('bob', index + 1, `message ${index + 1}`));
		const last4 = lastRows(entries, 'alice', 60, 4);
		expect(last4.rows.map(rowText).map((text) => text.slice(TEXT_COLUMN))).toEqual([
			'message 7',
			'message 8',
			'message 9',
			'message 10',
		]);
		expect(last4.more).toBe(true);

		// Ten messages and the separator are eleven rows.
		expect(lastRows(entries, 'alice', 60, 11)).toMatchObject({ more: false });
		expect(lastRows(entries, 'alice', 60, 11).rows).toHaveLength(11);
		expect(lastRows(entries, 'alice', 60, 10)).toMatchObject({ more: true });
		expect(lastRows(entries, 'alice', 60, 10).rows).toHaveLength(10);
		expect(lastRows(entries, 'alice', 60, 50).rows).toHaveLength(11);
		expect(lastRows([], 'alice', 60, 5)).toEqual({ rows: [], more: false });
	});

	it('counts wrapped rows when cutting to the last ones', () => {
		const entries = [said('bob', 1, 'short'), said('bob', 2, 'word '.repeat(20).trim())];
		const { rows, more } = lastRows(entries, 'alice', 40, 3);
		expect(rows).toHaveLength(3);
		expect(rows.every((row) => row.key.startsWith(`m${(entries[1] as { message: Message }).message.id}:`))).toBe(true);
		expect(more).toBe(true);
	});
});

// ---------------------------------------------------------------- search

describe('search: words and highlighting', () => {
	const marked = (segments: Segment[]) => segments.map((segment) => (segment.bold ? `[${segment.text}]` : segment.text)).join('');

	it('folds words as the server compares them: no case, no accents', () => {
		expect(foldWord('Déploiement')).toBe('deploiement');
		expect(foldWord('ÑANDÚ')).toBe('nandu');
		expect(searchTerms('  "Café"* -crème:  ')).toEqual(['cafe', 'creme']);
		expect(searchTerms('E\u0301cole')).toEqual(['ecole']);
		expect(searchTerms('"*:- !?')).toEqual([]);
	});

	it('marks whole words that start with a search word, in order', () => {
		const text = 'Deploying the café; redeploy later, DEPLOYMENT done';
		expect(matchRanges(text, searchTerms('deplo'))).toEqual([
			[0, 9],
			[36, 46],
		]);
		expect(marked(snippet(text, searchTerms('deplo CAFE'), 200))).toBe('[Deploying] the [café]; redeploy later, [DEPLOYMENT] done');
		expect(marked(snippet(text, [], 200))).toBe(text);
		expect(marked(snippet('nothing here', searchTerms('zebra'), 200))).toBe('nothing here');
	});

	it('puts a late match on the line: the text before it cut to "…" and some context', () => {
		const text = `${'blah '.repeat(40)}the needle is here\nand on the next line`;
		const segments = snippet(text, searchTerms('needle'), 60);
		expect(segments[0]).toEqual({ text: '…', role: 'system' });
		const line = segments.map((segment) => segment.text).join('');
		expect(line.indexOf('needle')).toBe(1 + SNIPPET_LEAD);
		expect(line).toContain('needle is here and on the next line');
		// An early match is not cut at all.
		expect(snippet('a needle early', searchTerms('needle'), 60)[0]).toEqual({ text: 'a ' });
	});

	it('names a hit by its conversation from the user’s side, and dates it only when it is not today', () => {
		const now = new Date(2026, 11, 1, 15, 0);
		const at = (month: number, day: number, year = 2026) => new Date(year, month, day, 9, 5).toISOString();
		expect(hitTime(at(11, 1), now)).toBe('09:05');
		expect(hitTime(at(10, 30), now)).toBe('30 Nov 09:05');
		expect(hitTime(at(11, 31, 2025), now)).toBe('31 Dec 2025 09:05');
		expect(hitConversation(message('bob', { user: 'alice' }, 1), 'alice')).toEqual({ key: 'user:bob', label: '@ bob' });
		expect(hitConversation(message('Alice', { user: 'Bob' }, 1), 'alice')).toEqual({ key: 'user:bob', label: '@ Bob' });
		expect(hitConversation(message('bob', { group: 'Dev' }, 1), 'alice')).toEqual({ key: 'group:dev', label: '# Dev' });
	});
});

describe('search: jumping to a hit in the log', () => {
	const said = (seq: number, text = `line ${seq}`): LogEntry => ({ kind: 'message', message: message('bob', { user: 'alice' }, seq, text) });

	it('finds the scroll that shows the hit a given number of rows below the top', () => {
		const entries = Array.from({ length: 30 }, (_, index) => said(index + 1));
		const hit = entries[9] as { message: Message };
		// 30 one-row messages under a day separator: the hit has itself and 20 rows below it.
		const scroll = scrollToShow(entries, hit.message.id, 'alice', 60, 10, 3)!;
		expect(scroll).toBe(21 - (10 - 3));
		const { rows } = lastRows(entries, 'alice', 60, 10 + scroll);
		const window = rows.slice(rows.length - 10 - scroll, rows.length - scroll);
		expect(window[3]!.key).toBe(`m${hit.message.id}:0`);
		// Near the bottom it cannot be that far down: no scroll.
		expect(scrollToShow(entries, (entries[29] as { message: Message }).message.id, 'alice', 60, 10, 3)).toBe(0);
		expect(scrollToShow(entries, 'not-there', 'alice', 60, 10, 3)).toBeUndefined();
	});

	it('inverts every row of the marked message and no other', () => {
		const entries = [said(1, 'word '.repeat(30).trim()), said(2)];
		const id = (entries[0] as { message: Message }).message.id;
		const { rows } = lastRows(entries, 'alice', 40, 20);
		const inverted = rows.filter((row) => markedRow(row, id).every((segment) => segment.inverse));
		expect(inverted.length).toBeGreaterThan(1);
		expect(inverted.every((row) => row.key.startsWith(`m${id}:`))).toBe(true);
		expect(rows.filter((row) => row.key.startsWith(`m${id}:`))).toHaveLength(inverted.length);
		expect(rows.map((row) => markedRow(row, undefined))).toEqual(rows.map((row) => row.segments));
	});
});

describe('search: the overlay in the reducer', () => {
	const open = (): SearchOverlay => ({ ...searchPrompt(undefined, 'deploy'), searched: 'deploy', status: 'loading' });
	const overlayOf = (state: ChatState) => state.overlay as SearchOverlay;
	const hits = (...seqs: number[]) => seqs.map((seq) => message('bob', { user: 'alice' }, seq));

	it('takes the first page, adds the next ones after it and moves on from the last hit to the first new one', () => {
		const overlay = open();
		let state = run(aliceState(), { type: 'overlay', overlay });
		state = chatReducer(state, { type: 'search-page', run: overlay.run, hits: hits(9, 8), complete: false, append: false });
		expect(overlayOf(state)).toMatchObject({ status: 'done', complete: false, index: 0 });
		expect(overlayOf(state).hits.map((hit) => hit.seq)).toEqual([9, 8]);
		state = run(state, { type: 'overlay', overlay: { ...overlayOf(state), index: 1, status: 'loading' } });
		const page2 = hits(7, 6);
		state = chatReducer(state, { type: 'search-page', run: overlay.run, hits: [...page2, overlayOf(state).hits[1]!], complete: true, append: true });
		expect(overlayOf(state).hits.map((hit) => hit.seq)).toEqual([9, 8, 7, 6]);
		expect(overlayOf(state)).toMatchObject({ index: 2, status: 'done', complete: true });
	});

	it('drops a page or a failure of an earlier search, or one that comes after the overlay closed', () => {
		const earlier = open();
		const later = open();
		const state = run(aliceState(), { type: 'overlay', overlay: later });
		expect(chatReducer(state, { type: 'search-page', run: earlier.run, hits: hits(1), complete: true, append: false })).toBe(state);
		expect(chatReducer(state, { type: 'search-failed', run: earlier.run, error: 'no' })).toBe(state);
		const failed = chatReducer(state, { type: 'search-failed', run: later.run, error: 'the server is busy' });
		expect(overlayOf(failed)).toMatchObject({ status: 'error', error: 'the server is busy' });
		const closed = run(state, { type: 'overlay', overlay: undefined });
		expect(chatReducer(closed, { type: 'search-page', run: later.run, hits: hits(1), complete: true, append: false })).toBe(closed);
	});

	it('searches the open conversation, or every one from the status log or with --all', () => {
		const state = run(aliceState(), { type: 'select', key: 'group:dev' });
		expect(searchScope(state, false)).toEqual({ key: 'group:dev', label: '# dev', peer: { group: 'dev' } });
		expect(searchScope(state, true)).toBeUndefined();
		expect(searchScope(aliceState(), false)).toBeUndefined();
		const command = COMMANDS.find((candidate) => candidate.name === 'search')!;
		expect(command.usage).toBe(`[${SEARCH_ALL_FLAG}] <words>`);
		expect(parseInput('/search --all  café  crème')).toMatchObject({ kind: 'command', name: 'search' });
		expect(actionFor({ name: 'ctrl+f', text: '' })).toEqual({ action: 'search' });
	});
});
