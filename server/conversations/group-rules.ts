import { ProtocolError, type Role, type Visibility } from '../../source/protocol/index.js';
import type { GroupRecord, Store } from '../store/store.js';

/**
 * Who may do what in a group: the one place every group handler asks.
 * - invite: the creator and admins; in a public group any member.
 * - kick, ban: the creator acts on anyone but themselves; an admin on
 *   `normal` members only (and may ban a non-member, who has no role).
 * - unban, the ban list, update (description, visibility): creator and admins.
 * - role, transfer, delete: the creator only.
 * - join: never when banned; a public group, or a private one with a pending
 *   invite. A stranger learns nothing of a private group beyond FORBIDDEN.
 * - leave: the creator of a group with other members must transfer or delete
 *   it first; the last member leaving deletes the group.
 * Being a member at all is checked first, by access.ts (groupAsMember).
 */

export function mayInvite(role: Role | undefined, visibility: Visibility): boolean {
	if (role === undefined) return false;
	return role !== 'normal' || visibility === 'public';
}

/** Whether `actor` may kick or ban someone whose role is `target` (undefined: not a member). */
export function mayRemove(actor: Role, target: Role | undefined): boolean {
	if (actor === 'creator') return target !== 'creator';
	if (actor === 'admin') return target === undefined || target === 'normal';
	return false;
}

export function isModerator(role: Role): boolean {
	return role === 'creator' || role === 'admin';
}

function refuse(message: string): never {
	throw new ProtocolError('FORBIDDEN', message);
}

export function requireInviter(group: GroupRecord, role: Role): void {
	if (!mayInvite(role, group.visibility)) refuse(`only the creator and admins of ${group.name} can invite to it`);
}

export function requireModerator(group: GroupRecord, role: Role): void {
	if (!isModerator(role)) refuse(`only the creator and admins of ${group.name} can do that`);
}

export function requireCreator(group: GroupRecord, role: Role): void {
	if (role !== 'creator') refuse(`only ${group.creator} can do that in ${group.name}`);
}

export function requireRemovable(group: GroupRecord, actor: Role, target: Role | undefined, username: string): void {
	if (!mayRemove(actor, target)) {
		refuse(actor === 'admin' ? `an admin of ${group.name} acts on members only, not on ${username}` : `you cannot remove ${username}`);
	}
}

/**
 * Whether the user may join: not banned, and the group public or the user
 * invited. The refusal of a private group is the same sentence whether or
 * not the user was ever invited, and names the group as asked (not as
 * stored), so it tells a stranger nothing more.
 */
export async function requireJoinable(store: Store, group: GroupRecord, userId: number, asked: string): Promise<void> {
	if (await store.isBanned(group.id, userId)) refuse(`you are banned from ${asked}`);
	if (group.visibility === 'public') return;
	if (!(await store.hasInvite(group.id, userId))) refuse(`${asked} is joined by invite only`);
}

/** The creator may leave only a group nobody else is in (which deletes it); otherwise they hand it over or delete it. */
export function requireMayLeave(group: GroupRecord, role: Role, memberCount: number): void {
	if (role === 'creator' && memberCount > 1) {
		throw new ProtocolError('CONFLICT', `you created ${group.name}: transfer it (groups.transfer) or delete it before leaving`);
	}
}

/**
 * Ends the pending invites of the group whose inviter may no longer invite
 * (left, was removed, lost admin, or the group went private). Run after
 * every change that can take that right away.
 */
export async function pruneInvites(store: Store, group: GroupRecord): Promise<void> {
	const invites = await store.invitesTo(group.id);
	for (const invite of invites) {
		const role = await store.roleIn(group.id, invite.inviterId);
		if (!mayInvite(role, group.visibility)) await store.deleteInvite(group.id, invite.inviteeId);
	}
}
