import type { ChatClient } from '../../client/index.js';
import { ProtocolError, type Group, type Role } from '../../protocol/index.js';
import type { ChatAction, ChatState, Question } from './chat-state.js';
import { groupKey } from './conversations.js';
import { findInvite } from './invites.js';

/**
 * What the TUI does to groups (issue 15), whichever way the user asks: a
 * command, Enter on an invite, a key in the members or browse overlay. Each
 * action returns the line that says what it did; the server tells the other
 * members with a group.update event, but not the session that asked.
 */

/** What group actions need of the chat: the client, the state and its dispatcher, and the input line's questions. */
export interface GroupContext {
	client: Pick<ChatClient, 'request'>;
	state: ChatState;
	dispatch(action: ChatAction): void;
	ask(question: Question): Promise<string | undefined>;
}

/** A line in a group's log. */
export function groupLine(context: Pick<GroupContext, 'dispatch'>, group: string, text: string): void {
	context.dispatch({ type: 'system', text, tone: 'info', key: groupKey(group) });
}

/**
 * Joins a group (accepting a pending invite to it) and opens it; a group the
 * user is in already just opens. A refused join of a group the user was
 * invited to ends that invite here: the server says it is void.
 */
export async function joinGroup(context: Pick<GroupContext, 'client' | 'state' | 'dispatch'>, name: string): Promise<Group> {
	const known = context.state.groups.find((group) => group.name.toLowerCase() === name.toLowerCase());
	if (known) {
		context.dispatch({ type: 'select', key: groupKey(known.name) });
		return known;
	}
	try {
		const { group } = await context.client.request('groups.join', { name });
		context.dispatch({ type: 'group-joined', group });
		groupLine(context, group.name, `you joined ${group.name}`);
		return group;
	} catch (error) {
		const invite = findInvite(context.state.invites, name);
		if (invite && error instanceof ProtocolError && (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND')) {
			context.dispatch({ type: 'invite-gone', group: invite.group });
		}
		throw error;
	}
}

/** Declines a pending invite; it leaves the sidebar. */
export async function declineInvite(context: Pick<GroupContext, 'client' | 'dispatch'>, group: string): Promise<string> {
	try {
		await context.client.request('groups.decline', { name: group });
	} finally {
		// Declined, or void already (NOT_FOUND): either way it is no longer pending.
		context.dispatch({ type: 'invite-gone', group });
	}
	return `declined the invite to ${group}`;
}

// moderation: each returns the line for the group's log

export async function kickMember(client: GroupContext['client'], name: string, username: string): Promise<string> {
	await client.request('groups.kick', { name, username });
	return `you removed ${username} from ${name}`;
}

export async function banMember(client: GroupContext['client'], name: string, username: string): Promise<string> {
	await client.request('groups.ban', { name, username });
	return `you banned ${username} from ${name}`;
}

export async function setRole(client: GroupContext['client'], name: string, username: string, role: 'admin' | 'normal'): Promise<string> {
	await client.request('groups.role', { name, username, role });
	return role === 'admin' ? `you made ${username} admin` : `you made ${username} a member`;
}

/** Kicking and banning: creator and admins (admins act on normal members only; the server judges each case). */
export function mayRemove(role: Role | undefined): boolean {
	return role === 'creator' || role === 'admin';
}

/** Making admins and taking it back: the creator only. */
export function mayChangeRoles(role: Role | undefined): boolean {
	return role === 'creator';
}
