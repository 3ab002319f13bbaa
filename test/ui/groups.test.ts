/** The TUI's half of issue 15 as state: pending invites (source/ui/state/invites.ts, chat-state.ts) and the members list's order. */
import { describe, expect, it } from 'vitest';
import type { Member } from '../../source/protocol/index.js';
import { selectedInvite, STATUS } from '../../source/ui/state/chat-state.js';
import { groupKey } from '../../source/ui/state/conversations.js';
import { inviteKey } from '../../source/ui/state/invites.js';
import { orderMembers, usableMemberKeys } from '../../source/ui/state/members.js';
import { aliceState, group, run } from '../helpers/chat-fixtures.js';

const invited = (name: string, from: string) => ({ type: 'group-invite', group: name, from }) as const;

describe('pending group invites', () => {
	it('come in order, a second invite to a group replacing the first, and say how to answer in the status log', () => {
		const state = run(aliceState(), invited('payroll', 'bob'), invited('drafts', 'carol'), invited('Payroll', 'dave'));
		expect(state.invites.map((invite) => `${invite.group}:${invite.from}`)).toEqual(['drafts:carol', 'Payroll:dave']);
		const lines = (state.logs[STATUS] ?? []).flatMap((entry) => (entry.kind === 'system' ? [entry.text] : []));
		expect(lines).toContain('bob invited you to payroll: Enter on it in the sidebar or /join payroll accepts, /decline payroll declines');
	});

	it('are selectable after the conversations (Ctrl-N), and an ended one leaves the view for the status log', () => {
		let state = run(aliceState(), invited('payroll', 'bob'), { type: 'select', key: groupKey('dev') });
		state = run(state, { type: 'select-relative', delta: 1 });
		expect(state.selected).toBe(inviteKey('payroll'));
		expect(selectedInvite(state)?.from).toBe('bob');
		state = run(state, { type: 'invite-gone', group: 'payroll' });
		expect(state.selected).toBe(STATUS);
		expect(state.invites).toEqual([]);
	});

	it('end when the group is joined, here or on another device, or deleted', () => {
		const base = run(aliceState(), invited('payroll', 'bob'), invited('drafts', 'carol'), invited('ops', 'dave'));
		const joined = run(base, { type: 'group-joined', group: group('payroll') });
		expect(joined.invites.map((invite) => invite.group)).toEqual(['drafts', 'ops']);
		expect(joined.selected).toBe(groupKey('payroll'));
		const elsewhere = run(base, { type: 'group-update', group: group('drafts'), event: 'joined', username: 'alice' });
		expect(elsewhere.invites.map((invite) => invite.group)).toEqual(['payroll', 'ops']);
		const deleted = run(base, { type: 'group-update', group: group('ops'), event: 'deleted', username: 'dave' });
		expect(deleted.invites.map((invite) => invite.group)).toEqual(['payroll', 'drafts']);
		// Someone else joining does not end the user's invite.
		const other = run(base, { type: 'group-update', group: group('ops'), event: 'joined', username: 'erin' });
		expect(other.invites).toHaveLength(3);
	});

	it('a login lists them afresh (after a reconnect the server has the truth)', () => {
		const state = run(aliceState(), invited('payroll', 'bob'), {
			type: 'logged-in',
			friends: [],
			groups: [],
			requests: [],
			invites: [{ group: 'drafts', from: 'carol', ts: '2024-05-01T10:00:00.000Z' }],
		});
		expect(state.invites.map((invite) => invite.group)).toEqual(['drafts']);
	});
});

describe('the members overlay', () => {
	const member = (username: string, role: Member['role'], online: boolean): Member => ({ username, role, online });

	it('lists the creator, then admins, then members, online first within each, then by name', () => {
		const ordered = orderMembers([
			member('zed', 'normal', true),
			member('amy', 'normal', false),
			member('bob', 'admin', false),
			member('cat', 'admin', true),
			member('Ann', 'normal', true),
			member('own', 'creator', false),
		]);
		expect(ordered.map((m) => m.username)).toEqual(['own', 'cat', 'bob', 'Ann', 'zed', 'amy']);
	});

	it('offers kick and ban to admins and the creator, and op/deop to the creator only', () => {
		expect(usableMemberKeys('normal')).toEqual(['member-previous', 'member-next', 'close']);
		expect(usableMemberKeys('admin')).toEqual(['member-previous', 'member-next', 'kick', 'ban', 'close']);
		expect(usableMemberKeys('creator')).toEqual(['member-previous', 'member-next', 'kick', 'ban', 'toggle-admin', 'close']);
	});
});
