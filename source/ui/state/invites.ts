import type { GroupInvite } from '../../protocol/index.js';

/**
 * Pending group invites (issue 15), as the sidebar lists them beside friend
 * requests. Selected, an invite is a view of its own (`invite:<group>`):
 * it says who invited the user, and Enter there joins the group.
 */

export type InviteKey = `invite:${string}`;

const PREFIX = 'invite:';

export function inviteKey(group: string): InviteKey {
	return `${PREFIX}${group.toLowerCase()}`;
}

export function isInviteKey(key: string): key is InviteKey {
	return key.startsWith(PREFIX);
}

const sameGroup = (invite: GroupInvite, group: string) => invite.group.toLowerCase() === group.toLowerCase();

export function findInvite(invites: readonly GroupInvite[], group: string): GroupInvite | undefined {
	return invites.find((invite) => sameGroup(invite, group));
}

/** The invite of a view key, if it is one and still pending. */
export function inviteOfKey(invites: readonly GroupInvite[], key: string): GroupInvite | undefined {
	return isInviteKey(key) ? invites.find((invite) => inviteKey(invite.group) === key) : undefined;
}

/** A new invite goes last (the list is oldest first); a second one to the same group replaces the first. */
export function withInvite(invites: readonly GroupInvite[], invite: GroupInvite): GroupInvite[] {
	return [...invites.filter((known) => !sameGroup(known, invite.group)), invite];
}

export function withoutInvite(invites: GroupInvite[], group: string): GroupInvite[] {
	return invites.some((invite) => sameGroup(invite, group)) ? invites.filter((invite) => !sameGroup(invite, group)) : invites;
}
