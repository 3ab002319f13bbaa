/** The chat as the TUI tests start from it: friends, groups, messages as the server sends them, alice logged in, and a log written as short strings. */
import type { Friend, FriendRequest, Group, GroupInvite, Message, Peer } from '../../source/protocol/index.js';
import { chatReducer, initialChatState, type ChatAction, type ChatState, type LogEntry } from '../../source/ui/state/chat-state.js';

export const friend = (username: string, online = true, alias: string | null = null): Friend => ({ username, alias, online });
export const group = (name: string): Group => ({ name, description: '' });

let messageCounter = 0;
/** A message as the server sends it; seq is per conversation. */
export function message(from: string, to: Peer, seq: number, text = `text ${seq}`, ts = '2024-05-01T10:00:00.000Z'): Message {
	messageCounter += 1;
	return { id: `m-${messageCounter}`, seq, from, to, text, ts, cid: `cid-${messageCounter}-0123456789` };
}

/** alice, with friends bob and carol and the group dev; the status log is selected. */
export function aliceState(extra: { friends?: Friend[]; groups?: Group[]; requests?: FriendRequest[]; invites?: GroupInvite[] } = {}): ChatState {
	return chatReducer(initialChatState('alice', 'ws://test'), {
		type: 'logged-in',
		friends: extra.friends ?? [friend('carol', false), friend('bob')],
		groups: extra.groups ?? [group('dev')],
		requests: extra.requests ?? [],
		invites: extra.invites ?? [],
	});
}

export const run = (state: ChatState, ...actions: ChatAction[]) => actions.reduce(chatReducer, state);

/** A log as short strings: `m:<seq>:<text>`, `p:<text>[!reason]`, `s:<text>`. */
export function describeLog(log: LogEntry[] | undefined): string[] {
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
