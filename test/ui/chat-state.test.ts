/** source/ui/state/chat-state.ts: the chat reducer — logs, pending sends, read state, typing and mentions. */
import { describe, expect, it } from 'vitest';
import type { Peer } from '../../source/protocol/index.js';
import { chatReducer, conversationList, initialChatState, LOG_ENTRIES_KEPT, STATUS, typingIn, type ChatState } from '../../source/ui/state/chat-state.js';
import { aliceState, describeLog, friend, group, message, run } from '../helpers/chat-fixtures.js';

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

	it('updates a friend’s presence and says so in their log and the status log', () => {
		const state = run(aliceState(), { type: 'presence', username: 'bob', online: false });
		expect(state.friends.find((candidate) => candidate.username === 'bob')?.online).toBe(false);
		expect(describeLog(state.logs['user:bob'])).toEqual(['s:bob is offline']);
		expect(describeLog(state.logs[STATUS])).toEqual(['s:bob is offline']);
		expect(state.logs['user:bob']![0]).toMatchObject({ kind: 'system', tone: 'presence' });

		const open = run(aliceState(), { type: 'select', key: 'user:carol' }, { type: 'presence', username: 'carol', online: true });
		expect(open.friends.find((candidate) => candidate.username === 'carol')?.online).toBe(true);
		expect(describeLog(open.logs['user:carol'])).toEqual(['s:carol is online']);
		expect(describeLog(open.logs[STATUS])).toEqual(['s:carol is online']);
	});

	it('does not know presence from a dropped connection until the login reply after the reconnect (issue 13 item 9)', () => {
		const down = run(aliceState(), { type: 'connection', change: { state: 'reconnecting' } });
		expect(down.presenceKnown).toBe(false);
		const open = run(down, { type: 'connection', change: { state: 'open' } });
		expect(open.presenceKnown).toBe(false);
		const back = run(open, { type: 'logged-in', friends: [friend('bob', false)], groups: [], requests: [] });
		expect(back.presenceKnown).toBe(true);
		expect(back.friends.find((candidate) => candidate.username === 'bob')?.online).toBe(false);
	});

	it('keeps presence out of unrelated conversations, the one on screen too (issue 13 item 6)', () => {
		const state = run(
			aliceState(),
			{ type: 'select', key: 'user:bob' },
			{ type: 'message', message: message('bob', toAlice, 1, 'hi') },
			{ type: 'presence', username: 'carol', online: false },
		);
		expect(describeLog(state.logs['user:bob'])).toEqual(['m:1:hi']);
		expect(describeLog(state.logs['user:carol'])).toEqual(['s:carol is offline']);
		expect(describeLog(state.logs[STATUS])).toEqual(['s:carol is offline']);
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

	it('shows a system line for each group change of issue 15, and drops a group the user was removed from', () => {
		let state = aliceState({ groups: [group('dev'), group('ops')] });
		const update = (event: 'invited' | 'kicked' | 'banned' | 'role' | 'updated', username: string, extra = {}) =>
			({ type: 'group-update', group: group('dev'), event, username, by: 'carol', ...extra }) as const;
		state = run(
			state,
			update('invited', 'bob'),
			update('kicked', 'dave'),
			update('banned', 'erin'),
			update('role', 'alice', { role: 'admin' }),
			update('updated', 'carol', { group: { ...group('dev'), description: 'deploys', visibility: 'public' } }),
			// Each update says what it changed: the visibility alone, then the topic alone.
			update('updated', 'carol', { group: { ...group('dev'), description: 'deploys', visibility: 'private' } }),
			update('updated', 'carol', { group: { ...group('dev'), description: 'deploys daily', visibility: 'private' } }),
		);
		expect(describeLog(state.logs['group:dev'])).toEqual([
			's:carol invited bob',
			's:carol removed dave from dev',
			's:carol banned erin from dev',
			's:carol made you admin',
			's:carol set topic: deploys; made dev public',
			's:carol made dev private',
			's:carol set topic: deploys daily',
		]);
		expect(state.groups.find((g) => g.name === 'dev')).toMatchObject({ role: 'admin', description: 'deploys daily', visibility: 'private' });
		state = run(state, update('kicked', 'alice'));
		expect(state.groups.map((g) => g.name)).toEqual(['ops']);
		expect(describeLog(state.logs['group:dev']).at(-1)).toBe('s:carol removed you from dev');
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

	it('cuts nothing from the log on screen while it is read scrolled back; once back at the newest, a new entry trims it', () => {
		const toAlice: Peer = { user: 'alice' };
		const history = Array.from({ length: LOG_ENTRIES_KEPT + 50 }, (_, index) => message('bob', toAlice, 1 + index));
		let state = run(aliceState({ friends: [friend('bob')] }), { type: 'select', key: 'user:bob' }, { type: 'history', key: 'user:bob', messages: history });
		state = chatReducer(state, { type: 'scroll', to: 5000 });
		state = chatReducer(state, { type: 'message', message: message('bob', toAlice, LOG_ENTRIES_KEPT + 51) });
		state = chatReducer(state, { type: 'system', key: 'user:bob', text: 'bob is offline' });
		expect(state.logs['user:bob']).toHaveLength(LOG_ENTRIES_KEPT + 52);
		expect(state.logs['user:bob']![0]).toMatchObject({ message: { seq: 1 } });
		state = chatReducer(state, { type: 'scroll', to: 0 });
		state = chatReducer(state, { type: 'message', message: message('bob', toAlice, LOG_ENTRIES_KEPT + 52) });
		expect(state.logs['user:bob']).toHaveLength(LOG_ENTRIES_KEPT);
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

	describe('the "new messages" line and history pages (issue 13 item 13)', () => {
		const bob = { user: 'bob' };
		const toAlice = { user: 'alice' };
		const withUnread = () =>
			run(
				aliceState(),
				{ type: 'logged-in', friends: [friend('bob')], groups: [], requests: [], unread: [{ with: bob, read: 5, last: 8, unread: 3 }] },
				{ type: 'history', key: 'user:bob', messages: [4, 5, 6, 7, 8].map((seq) => message('bob', toAlice, seq)) },
			);

		it('opening a conversation with unread messages puts the line after what was read; it stays while the conversation is open', () => {
			const opened = run(withUnread(), { type: 'select', key: 'user:bob' });
			expect(opened.newLine).toEqual({ key: 'user:bob', afterSeq: 5 });
			expect(opened.unread['user:bob']).toBeUndefined();
			const read = run(opened, { type: 'read', key: 'user:bob', seq: 8 }, { type: 'message', message: message('bob', toAlice, 9) });
			expect(read.newLine).toEqual({ key: 'user:bob', afterSeq: 5 });
			// Opened again with nothing unread: no line.
			const again = run(read, { type: 'select', key: STATUS }, { type: 'select', key: 'user:bob' });
			expect(again.newLine).toBeUndefined();
		});

		it('takes a page older than the log in one step, in order, after leading system lines', () => {
			const state = run(
				withUnread(),
				{ type: 'system', key: 'user:bob', text: 'note' },
				{ type: 'history', key: 'user:bob', messages: [1, 2, 3].map((seq) => message('bob', toAlice, seq)) },
			);
			expect(describeLog(state.logs['user:bob']).slice(0, 4)).toEqual(['m:1:text 1', 'm:2:text 2', 'm:3:text 3', 'm:4:text 4']);
			// A page that overlaps what is there is merged message by message, each once.
			const merged = run(state, { type: 'history', key: 'user:bob', messages: [3, 4, 9].map((seq) => message('bob', toAlice, seq)) });
			expect(describeLog(merged.logs['user:bob']).filter((line) => line.startsWith('m:'))).toHaveLength(9);
		});
	});

	it('counts lines for the status view while another view is open (not presence), keeps the count over a login, clears it on opening', () => {
		let state = run(
			aliceState(),
			{ type: 'select', key: 'user:bob' },
			{ type: 'system', key: STATUS, text: 'found 1: dan' },
			{ type: 'presence', username: 'carol', online: true },
			{ type: 'system', text: 'in the open log' },
		);
		expect(state.unread[STATUS]).toBe(1);
		state = chatReducer(state, { type: 'logged-in', friends: state.friends, groups: state.groups, requests: [], unread: [] });
		expect(state.unread[STATUS]).toBe(1);
		state = chatReducer(state, { type: 'select', key: STATUS });
		expect(state.unread[STATUS]).toBeUndefined();
		expect(describeLog(state.logs[STATUS]).slice(-2)).toEqual(['s:found 1: dan', 's:carol is online']);
	});

	it('a declined request leaves the sidebar with a line in status; a withdrawn one says whose it was', () => {
		const requests = [
			{ from: 'alice', to: 'dan', ts: '2024-05-01T10:00:00.000Z' },
			{ from: 'alice', to: 'erin', ts: '2024-05-01T10:00:00.000Z' },
			{ from: 'fay', to: 'alice', ts: '2024-05-01T10:00:00.000Z' },
		];
		const state = run(
			aliceState({ requests }),
			{ type: 'select', key: 'user:bob' },
			{ type: 'friend-update', friend: { username: 'dan', declined: true } },
			{ type: 'friend-update', friend: { username: 'erin', removed: true } },
			{ type: 'friend-update', friend: { username: 'fay', removed: true } },
		);
		expect(state.requests).toEqual([]);
		expect(describeLog(state.logs[STATUS]).slice(-3)).toEqual([
			's:dan declined your friend request',
			's:your friend request to erin is withdrawn',
			's:fay withdrew their friend request',
		]);
		expect(state.logs['user:bob']).toBeUndefined();
		expect(state.unread[STATUS]).toBe(3);
	});
});
