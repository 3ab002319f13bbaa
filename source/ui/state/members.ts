import type { Member, Role } from '../../protocol/index.js';
import { describeError } from '../format/error-text.js';
import { boundAction, MEMBERS_KEYS, type KeyPress, type MembersKeyAction } from '../keys.js';
import type { MembersOverlay } from './chat-state.js';
import { confirmed } from './confirm.js';
import { banMember, groupLine, kickMember, mayChangeRoles, mayRemove, setRole, type GroupContext } from './groups.js';

/**
 * The members overlay's work (/members): the list in the order shown, and
 * what its keys do to the chosen member. After an action the list is asked
 * for again, so it shows what the server now holds.
 */

const ROLE_ORDER: Record<Role, number> = { creator: 0, admin: 1, normal: 2 };

/** How each role's part of the list is headed. */
export const ROLE_HEADINGS: Record<Role, string> = { creator: 'Creator', admin: 'Admins', normal: 'Members' };

/** Creator, admins, members; online first within each; then by name. */
export function orderMembers(members: readonly Member[]): Member[] {
	return [...members].sort(
		(a, b) =>
			ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
			Number(b.online) - Number(a.online) ||
			a.username.localeCompare(b.username, undefined, { sensitivity: 'base' }),
	);
}

/** The viewer's role in the listed group. */
export function viewerRole(overlay: MembersOverlay, me: string): Role | undefined {
	return overlay.members.find((member) => member.username.toLowerCase() === me.toLowerCase())?.role;
}

/** The overlay's keys the viewer may use: choosing always; the actions by role. */
export function usableMemberKeys(role: Role | undefined): MembersKeyAction[] {
	return MEMBERS_KEYS.map((binding) => binding.action).filter((action) => {
		if (action === 'kick' || action === 'ban') return mayRemove(role);
		if (action === 'toggle-admin') return mayChangeRoles(role);
		return true;
	});
}

/**
 * Asks the server for the group's members, in the order shown. The cursor
 * stays on the member it was on (a new role moves them in the list), or at
 * the same place when they are gone.
 */
export async function listMembers(
	context: Pick<GroupContext, 'client'>,
	group: string,
	at: { index: number; username?: string | undefined } = { index: 0 },
	note?: MembersOverlay['note'],
): Promise<MembersOverlay> {
	const { members } = await context.client.request('groups.members', { name: group });
	const ordered = orderMembers(members);
	const same = ordered.findIndex((member) => member.username.toLowerCase() === at.username?.toLowerCase());
	const index = same >= 0 ? same : Math.max(0, Math.min(at.index, ordered.length - 1));
	return { kind: 'members', group, members: ordered, index, note };
}

/** /members: opens the overlay on the group's list. */
export async function openMembers(context: Pick<GroupContext, 'client' | 'dispatch'>, group: string): Promise<void> {
	context.dispatch({ type: 'overlay', overlay: await listMembers(context, group) });
}

/** Runs an action on the chosen member; the list comes back with what it did, or the server's refusal, under it. */
async function act(context: GroupContext, overlay: MembersOverlay, work: () => Promise<string>): Promise<void> {
	let note: MembersOverlay['note'];
	try {
		const line = await work();
		groupLine(context, overlay.group, line);
		note = { text: line, tone: 'info' };
	} catch (error) {
		note = { text: describeError(error), tone: 'error' };
	}
	await refresh(context, overlay, note);
}

async function refresh(context: GroupContext, overlay: MembersOverlay, note: MembersOverlay['note']): Promise<void> {
	try {
		const at = { index: overlay.index, username: overlay.members[overlay.index]?.username };
		context.dispatch({ type: 'overlay-refresh', overlay: await listMembers(context, overlay.group, at, note) });
	} catch (error) {
		// No list any more (the group is gone, or the viewer was removed): the old one, saying why.
		context.dispatch({ type: 'overlay-refresh', overlay: { ...overlay, note: { text: describeError(error), tone: 'error' } } });
	}
}

/** Kick and ban remove someone: asked first in the input line, as /transfer asks. */
async function actAfterAsking(context: GroupContext, overlay: MembersOverlay, question: string, work: () => Promise<string>): Promise<void> {
	if (await confirmed(context, question)) return act(context, overlay, work);
	context.dispatch({ type: 'overlay-refresh', overlay: { ...overlay, note: { text: 'nothing changed', tone: 'info' } } });
}

/** A key in the members overlay (Esc is handled with the other overlays). */
export function membersOverlayKey(context: GroupContext, overlay: MembersOverlay, press: KeyPress): void {
	const { dispatch } = context;
	const action = boundAction(MEMBERS_KEYS, press);
	const chosen = overlay.members[overlay.index];
	const move = (step: number) =>
		dispatch({ type: 'overlay', overlay: { ...overlay, index: Math.max(0, Math.min(overlay.members.length - 1, overlay.index + step)) } });
	if (action === 'close') return dispatch({ type: 'overlay', overlay: undefined });
	if (action === 'member-previous') return move(-1);
	if (action === 'member-next') return move(1);
	if (!action || !chosen || !usableMemberKeys(viewerRole(overlay, context.state.me)).includes(action)) return;
	const { client } = context;
	const { group } = overlay;
	const name = chosen.username;
	if (name.toLowerCase() === context.state.me.toLowerCase()) {
		return dispatch({ type: 'overlay', overlay: { ...overlay, note: { text: 'that is you: /leave leaves the group', tone: 'error' } } });
	}
	switch (action) {
		case 'kick':
			return void actAfterAsking(context, overlay, `Remove ${name} from ${group}?`, () => kickMember(client, group, name));
		case 'ban':
			return void actAfterAsking(context, overlay, `Ban ${name} from ${group}?`, () => banMember(client, group, name));
		case 'toggle-admin':
			return void act(context, overlay, () => setRole(client, group, name, chosen.role === 'admin' ? 'normal' : 'admin'));
	}
}
