/** Unit tests for the TUI's account commands (/passwd, /sessions, /deleteaccount, /ignore…) against a scripted client. */
import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../source/client/index.js';
import { deviceLabel } from '../source/client/index.js';
import { MAX_DEVICE_CHARS, ProtocolError, type SessionInfo } from '../source/protocol/index.js';
import { completeLine } from '../source/ui/commands/complete.js';
import { parseInput } from '../source/ui/commands/parse.js';
import { COMMANDS, findCommand, type CommandContext } from '../source/ui/commands/registry.js';
import { sinceText } from '../source/ui/format/time.js';
import { actionFor, sessionsActionFor, SESSIONS_KEY_BINDINGS } from '../source/ui/keys.js';
import {
	chatReducer,
	initialChatState,
	type ChatAction,
	type ChatState,
	type Question,
	type SessionsOverlay,
} from '../source/ui/state/chat-state.js';
import { orderSessions, sessionsOverlayKey } from '../source/ui/state/sessions.js';

// ---------------------------------------------------------------- fixtures

function aliceState(): ChatState {
	return chatReducer(initialChatState('alice', 'ws://test'), {
		type: 'logged-in',
		friends: [{ username: 'bob', alias: null, online: true }],
		groups: [],
		requests: [{ from: 'dave', to: 'alice', ts: '2024-05-01T10:00:00.000Z' }],
	});
}

type Replies = Partial<Record<string, unknown>>;

/**
 * A command context whose client answers from `replies` (an Error is thrown)
 * and whose input line answers the questions from `answers` (undefined = Esc).
 */
function harness(answers: Array<string | undefined> = [], replies: Replies = {}, state = aliceState()) {
	const requests: Array<[string, unknown]> = [];
	const actions: ChatAction[] = [];
	const asked: Question[] = [];
	const ended: string[] = [];
	const client = {
		async request(op: string, fields: unknown) {
			requests.push([op, fields]);
			const reply = replies[op];
			if (reply instanceof Error) throw reply;
			return reply ?? {};
		},
	};
	const context: CommandContext = {
		client: client as unknown as ChatClient,
		state,
		dispatch: (action) => actions.push(action),
		sendText: () => undefined,
		quit: () => undefined,
		logout: async () => undefined,
		settings: { bell: true, unreadFirst: false },
		async ask(question) {
			asked.push(question);
			return answers.shift();
		},
		ended: (sentence) => void ended.push(sentence),
	};
	const run = async (line: string) => {
		const parsed = parseInput(line);
		if (parsed.kind !== 'command') throw new Error(`not a command: ${line}`);
		await findCommand(parsed.name)!.run(context, parsed.args);
	};
	const said = () => actions.flatMap((action) => (action.type === 'system' ? [action.text] : []));
	return { context, requests, actions, asked, ended, run, said };
}

function session(id: string, fields: Partial<SessionInfo> = {}): SessionInfo {
	return {
		id,
		device: `chat-tui on ${id}`,
		created: '2024-05-01T09:00:00.000Z',
		lastSeen: '2024-05-01T10:00:00.000Z',
		current: false,
		online: false,
		...fields,
	};
}

// ---------------------------------------------------------------- /passwd

describe('/passwd', () => {
	it('asks the current password and the new one twice, masked, then changes it and says so', async () => {
		const { run, asked, requests, said } = harness(['old secret', 'new secret', 'new secret']);
		await run('/passwd');
		expect(asked).toEqual([
			{ prompt: 'current password', secret: true },
			{ prompt: 'new password', secret: true },
			{ prompt: 'new password again', secret: true },
		]);
		expect(requests).toEqual([['account.password', { current: 'old secret', password: 'new secret' }]]);
		expect(said()).toEqual([
			'changing your password: the current one, then the new one twice (Esc cancels)',
			'Password changed; your other sessions were logged out.',
		]);
	});

	it('sends nothing when the two new passwords differ', async () => {
		const { run, requests } = harness(['old secret', 'new secret', 'new secert']);
		await expect(run('/passwd')).rejects.toThrow('the two new passwords differ; nothing was changed');
		expect(requests).toEqual([]);
	});

	it('stops at Esc: no further question, nothing sent', async () => {
		const { run, asked, requests, said } = harness(['old secret', undefined]);
		await run('/passwd');
		expect(asked).toHaveLength(2);
		expect(requests).toEqual([]);
		expect(said().at(-1)).toBe('cancelled: your password is unchanged');
	});

	it('leaves judging the new password to the server: a short one is sent, and its refusal comes back as the server said it', async () => {
		const refusal = new ProtocolError('BAD_REQUEST', 'a password is at least 8 characters');
		const { run, requests } = harness(['old secret', 'short', 'short'], { 'account.password': refusal });
		await expect(run('/passwd')).rejects.toBe(refusal);
		expect(requests).toEqual([['account.password', { current: 'old secret', password: 'short' }]]);
	});
});

// ---------------------------------------------------------------- /deleteaccount

describe('/deleteaccount', () => {
	it('asks the password masked, then for a plain "yes", deletes and ends the session with a sentence', async () => {
		const { run, asked, requests, ended } = harness(['my secret', 'yes']);
		await run('/deleteaccount');
		expect(asked).toEqual([
			{ prompt: 'your password', secret: true },
			{ prompt: 'delete alice for good? type yes', secret: false },
		]);
		expect(requests).toEqual([['account.delete', { password: 'my secret' }]]);
		expect(ended).toEqual(['The account alice was deleted.']);
	});

	it('keeps the account without a "yes", on Esc, or when the server refuses', async () => {
		const no = harness(['my secret', 'no']);
		await no.run('/deleteaccount');
		expect(no.requests).toEqual([]);
		expect(no.said().at(-1)).toBe('your account stays (you did not type yes)');

		const esc = harness([undefined]);
		await esc.run('/deleteaccount');
		expect(esc.asked).toHaveLength(1);
		expect(esc.requests).toEqual([]);

		const conflict = new ProtocolError('CONFLICT', 'hand over your groups first: dev');
		const refused = harness(['my secret', 'YES'], { 'account.delete': conflict });
		await expect(refused.run('/deleteaccount')).rejects.toBe(conflict);
		expect(refused.ended).toEqual([]);
	});
});

// ---------------------------------------------------------------- /ignore, /unignore, /ignored

describe('/ignore, /unignore, /ignored', () => {
	it('ignores and unignores by name, and keeps the list the server gives for completion', async () => {
		const { run, requests, actions, said } = harness([], { 'ignore.list': { users: [{ username: 'mallory' }] } });
		await run('/ignore mallory');
		expect(requests).toEqual([
			['ignore.add', { username: 'mallory' }],
			['ignore.list', {}],
		]);
		expect(actions).toContainEqual({ type: 'ignored', users: ['mallory'] });
		expect(said()[0]).toMatch(/^you ignore mallory: nothing of theirs reaches you now/);
		await run('/unignore mallory');
		expect(requests.slice(2)).toEqual([
			['ignore.remove', { username: 'mallory' }],
			['ignore.list', {}],
		]);
	});

	it('lists whom the user ignores, or says nobody', async () => {
		const some = harness([], { 'ignore.list': { users: [{ username: 'zed' }, { username: 'mallory' }] } });
		await some.run('/ignored');
		expect(some.said()).toEqual(['you ignore 2: mallory, zed']);
		const none = harness([], { 'ignore.list': { users: [] } });
		await none.run('/ignored');
		expect(none.said()).toEqual(['you ignore nobody']);
	});

	it('needs a name, and shows the server’s refusal', async () => {
		await expect(harness().run('/ignore')).rejects.toThrow('missing the user to ignore');
		const refusal = new ProtocolError('NOT_FOUND', 'no user named nobody');
		await expect(harness([], { 'ignore.add': refusal }).run('/ignore nobody')).rejects.toBe(refusal);
	});

	it('completes /ignore from known users and /unignore from the ignored ones', () => {
		let state = aliceState();
		expect(completeLine('/ignore ', state)).toEqual(['/ignore bob ', '/ignore dave ']);
		expect(completeLine('/unignore ', state)).toEqual([]);
		state = chatReducer(state, { type: 'ignored', users: ['zed', 'Mallory'] });
		expect(state.ignored).toEqual(['zed', 'Mallory']);
		expect(completeLine('/unignore m', state)).toEqual(['/unignore Mallory ']);
		expect(completeLine('/ign', state)).toEqual(['/ignore ', '/ignored ']);
	});
});

// ---------------------------------------------------------------- /sessions

describe('/sessions', () => {
	const sessions = [
		session('old', { lastSeen: '2024-05-01T08:00:00.000Z' }),
		session('phone', { lastSeen: '2024-05-01T11:00:00.000Z', online: true }),
		session('here', { current: true, online: true, lastSeen: '2024-05-01T07:00:00.000Z' }),
	];
	const opened = (index = 0): SessionsOverlay => ({ kind: 'sessions', sessions: orderSessions(sessions), index });
	const press = (name: string) => ({ name, text: name.length === 1 ? name : '' });

	it('lists this session first, then the most recently seen, in an overlay', async () => {
		const { run, actions } = harness([], { 'sessions.list': { sessions } });
		await run('/sessions');
		expect(actions).toEqual([{ type: 'overlay', overlay: { kind: 'sessions', sessions: orderSessions(sessions), index: 0 } }]);
		expect(orderSessions(sessions).map((s) => s.id)).toEqual(['here', 'phone', 'old']);
	});

	it('moves the choice with Up/Down, within the list', () => {
		const { context, actions } = harness();
		sessionsOverlayKey(context, opened(0), press('up'));
		sessionsOverlayKey(context, opened(0), press('down'));
		sessionsOverlayKey(context, opened(2), press('down'));
		expect(actions.map((action) => action.type === 'sessions' && action.overlay.index)).toEqual([0, 1, 2]);
	});

	it('revokes the chosen session, then shows the list again with what it did', async () => {
		const left = sessions.filter((s) => s.id !== 'phone');
		const { context, requests, actions } = harness([], { 'sessions.list': { sessions: left } });
		sessionsOverlayKey(context, opened(1), press('r'));
		await new Promise((resolve) => setImmediate(resolve));
		expect(requests).toEqual([
			['sessions.revoke', { session: 'phone' }],
			['sessions.list', {}],
		]);
		expect(actions).toEqual([
			{
				type: 'sessions',
				overlay: { kind: 'sessions', sessions: orderSessions(left), index: 1, note: { text: 'logged out chat-tui on phone', tone: 'info' } },
			},
		]);
	});

	it('revokes every other session with its own key, and not this one with r', async () => {
		const { context, requests, actions } = harness([], { 'sessions.list': { sessions: [sessions[2]!] } });
		sessionsOverlayKey(context, opened(0), press('r'));
		expect(requests).toEqual([]);
		expect(actions[0]).toMatchObject({ type: 'sessions', overlay: { note: { tone: 'error', text: 'that is this session: /logout logs it out' } } });
		sessionsOverlayKey(context, opened(0), press('o'));
		await new Promise((resolve) => setImmediate(resolve));
		expect(requests[0]).toEqual(['sessions.revoke', { all: true }]);
		expect(actions[1]).toMatchObject({ overlay: { sessions: [sessions[2]], index: 0, note: { text: 'every other session was logged out' } } });
	});

	it('shows a refusal in the overlay', async () => {
		const refusal = new ProtocolError('NOT_FOUND', 'no such session');
		const { context, actions } = harness([], { 'sessions.revoke': refusal });
		sessionsOverlayKey(context, opened(2), press('r'));
		await new Promise((resolve) => setImmediate(resolve));
		expect(actions).toEqual([{ type: 'sessions', overlay: { ...opened(2), note: { text: 'no such session', tone: 'error' } } }]);
	});

	it('drops an update that comes after the overlay was closed', () => {
		const state = aliceState();
		expect(chatReducer(state, { type: 'sessions', overlay: opened(1) })).toBe(state);
		const open = chatReducer(state, { type: 'overlay', overlay: opened(0) });
		expect(chatReducer(open, { type: 'sessions', overlay: opened(1) }).overlay).toEqual(opened(1));
	});

	it('has keys of its own, from one table, that the chat does not take', () => {
		expect(SESSIONS_KEY_BINDINGS.map((binding) => binding.keys)).toEqual([['up'], ['down'], ['r'], ['o']]);
		expect(sessionsActionFor(press('r'))).toBe('revoke-session');
		expect(sessionsActionFor(press('o'))).toBe('revoke-others');
		expect(actionFor(press('r'))).toBeUndefined();
		expect(actionFor(press('o'))).toBeUndefined();
	});

	it('says when a session was last seen as a person would', () => {
		const now = new Date(2024, 4, 1, 12, 0).getTime();
		const at = (hours: number, minutes: number, day = 1) => new Date(2024, 4, day, hours, minutes).toISOString();
		expect(sinceText(new Date(now - 30_000).toISOString(), now)).toBe('just now');
		expect(sinceText(at(11, 59), now)).toBe('1 min ago');
		expect(sinceText(at(11, 35), now)).toBe('25 min ago');
		expect(sinceText(at(9, 5), now)).toBe('today 09:05');
		expect(sinceText(at(23, 30, 0), now)).toBe('2024-04-30 23:30');
	});
});

// ---------------------------------------------------------------- the question in the input line, and the device label

describe('asking in the input line', () => {
	it('holds the question in the state until it is answered', () => {
		const question = { prompt: 'current password', secret: true };
		const asking = chatReducer(aliceState(), { type: 'ask', question });
		expect(asking.question).toEqual(question);
		expect(chatReducer(asking, { type: 'ask', question: undefined }).question).toBeUndefined();
	});

	it('lists the account commands in the registry, so help and completion know them', () => {
		const names = COMMANDS.map((command) => command.name);
		expect(names).toEqual(expect.arrayContaining(['passwd', 'sessions', 'deleteaccount', 'ignore', 'unignore', 'ignored']));
	});

	it('labels a session with the program and the host, within the protocol’s limit', () => {
		expect(deviceLabel('chat-tui', 'laptop')).toBe('chat-tui on laptop');
		expect(deviceLabel('chat-tui send', 'x'.repeat(100))).toHaveLength(MAX_DEVICE_CHARS);
	});
});
