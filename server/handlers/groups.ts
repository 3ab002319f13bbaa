import { ProtocolError, type GroupEvent, type Role } from '../../source/protocol/index.js';
import { groupAsMember as memberOf } from '../conversations/access.js';
import {
	pruneInvites,
	requireCreator,
	requireInviter,
	requireJoinable,
	requireMayLeave,
	requireModerator,
	requireRemovable,
} from '../conversations/group-rules.js';
import { existingGroup, existingUser, liveUser } from '../directory.js';
import type { GroupRecord, UserRecord } from '../store/store.js';
import { ignoreViewOf, ignores } from '../ignore-filter.js';
import { groupView } from '../views.js';
import { me, type HandlerContext, type Handlers } from './context.js';

/** At most this many groups in one `groups.browse` answer. */
const BROWSE_LIMIT = 50;

/** The group, with the asker's role in it; FORBIDDEN for a group the asker is not in. */
function groupAsMember(context: HandlerContext, name: string): Promise<{ group: GroupRecord; role: Role }> {
	return memberOf(context.store, me(context).id, name);
}

function memberIds(context: HandlerContext, group: GroupRecord): Promise<number[]> {
	return context.store.memberIdsOf(group.id);
}

/** The group as it is now (its member count, description and visibility after a change). */
async function fresh(context: HandlerContext, group: GroupRecord): Promise<GroupRecord> {
	return (await context.store.groupByName(group.name)) ?? { ...group, members: 0 };
}

/**
 * Tells the group's members (and `also`, e.g. whoever was just removed) of a
 * change: `username` is whom it concerns, `by` who did it.
 */
async function announce(
	context: HandlerContext,
	group: GroupRecord,
	change: { event: GroupEvent; username: string; by?: string; role?: Role },
	also: number[] = [],
): Promise<void> {
	const now = await fresh(context, group);
	const event = { type: 'group.update', group: groupView(now), ...change } as const;
	await context.hub.publish([...(await memberIds(context, group)), ...also], event, context.session);
}

/** Someone the asker names in a group op, with their role there (undefined: not a member). */
async function target(context: HandlerContext, group: GroupRecord, username: string): Promise<{ user: UserRecord; role: Role | undefined }> {
	const user = await existingUser(context.store, username);
	if (user.id === me(context).id) throw new ProtocolError('BAD_REQUEST', 'you cannot do that to yourself');
	return { user, role: await context.store.roleIn(group.id, user.id) };
}

function requireMember(group: GroupRecord, role: Role | undefined, username: string): asserts role is Role {
	if (role === undefined) throw new ProtocolError('NOT_FOUND', `${username} is not a member of ${group.name}`);
}

/** Deletes the group and tells those who were in it. */
async function deleteGroup(context: HandlerContext, group: GroupRecord): Promise<void> {
	const members = await memberIds(context, group);
	await context.store.deleteGroup(group.id);
	const event = { type: 'group.update', group: groupView(group), event: 'deleted', username: me(context).username } as const;
	await context.hub.publish([...members, me(context).id], event, context.session);
}

export const groupHandlers: Handlers<
	| 'groups.create'
	| 'groups.join'
	| 'groups.leave'
	| 'groups.delete'
	| 'groups.members'
	| 'groups.list'
	| 'groups.invite'
	| 'groups.decline'
	| 'groups.kick'
	| 'groups.ban'
	| 'groups.unban'
	| 'groups.bans'
	| 'groups.role'
	| 'groups.transfer'
	| 'groups.update'
	| 'groups.browse'
> = {
	async 'groups.create'(context, { name, description, visibility }) {
		const self = me(context);
		const group = await context.store.createGroup(name, description ?? '', self.id, visibility);
		if (!group) throw new ProtocolError('CONFLICT', `the group name "${name}" is taken`);
		await context.hub.publish(
			[self.id],
			{ type: 'group.update', group: groupView(group, 'creator'), event: 'joined', username: self.username },
			context.session,
		);
		return { group: groupView(group, 'creator') };
	},

	async 'groups.join'(context, { name }) {
		const { store } = context;
		const self = me(context);
		const group = await existingGroup(store, name);
		if (await store.roleIn(group.id, self.id)) throw new ProtocolError('CONFLICT', `you are already a member of ${group.name}`);
		await requireJoinable(store, group, self.id, name);
		// Joining accepts a pending invite (the store ends it with the join).
		if (!(await store.addMember(group.id, self.id))) {
			throw new ProtocolError('CONFLICT', `you are already a member of ${group.name}`);
		}
		await announce(context, group, { event: 'joined', username: self.username });
		return { group: groupView(await fresh(context, group), 'normal') };
	},

	async 'groups.leave'(context, { name }) {
		const { store } = context;
		const self = me(context);
		const { group, role } = await groupAsMember(context, name);
		requireMayLeave(group, role, group.members);
		await store.removeMember(group.id, self.id);
		if ((await memberIds(context, group)).length === 0) {
			// The last member leaving deletes the group.
			await deleteGroup(context, group);
			return {};
		}
		await pruneInvites(store, group);
		await announce(context, group, { event: 'left', username: self.username }, [self.id]);
		return {};
	},

	async 'groups.delete'(context, { name }) {
		const { group, role } = await groupAsMember(context, name);
		if (role !== 'creator') throw new ProtocolError('FORBIDDEN', `only ${group.creator} can delete ${group.name}`);
		await deleteGroup(context, group);
		return {};
	},

	async 'groups.members'(context, { name }) {
		const { group } = await groupAsMember(context, name);
		const [members, view] = await Promise.all([context.store.membersOf(group.id), ignoreViewOf(context.store, me(context).id)]);
		return {
			members: members.map((member) => ({
				username: member.username,
				role: member.role,
				// Presence events skip those who ignore a member: this shows what they would have heard.
				online: view.seesPresenceOf(member.id) && context.hub.isOnline(member.id),
			})),
		};
	},

	async 'groups.list'(context) {
		const memberships = await context.store.groupsOf(me(context).id);
		return { groups: memberships.map(({ group, role }) => groupView(group, role)) };
	},

	async 'groups.invite'(context, { name, username }) {
		const { store, hub } = context;
		const self = me(context);
		const { group, role } = await groupAsMember(context, name);
		requireInviter(group, role);
		const invitee = await liveUser(store, username);
		if (await store.roleIn(group.id, invitee.id)) throw new ProtocolError('CONFLICT', `${invitee.username} is already a member of ${group.name}`);
		if (await store.isBanned(group.id, invitee.id)) {
			throw new ProtocolError('FORBIDDEN', `${invitee.username} is banned from ${group.name}; unban them first`);
		}
		// Nothing of an ignored user reaches the one ignoring them, and nothing tells the inviter.
		if (await ignores(store, invitee.id, self.id)) return {};
		if (!(await store.addInvite(group.id, invitee.id, self.id, new Date().toISOString()))) return {};
		await hub.publish([invitee.id], { type: 'group.invite', group: group.name, from: self.username });
		await announce(context, group, { event: 'invited', username: invitee.username, by: self.username });
		return {};
	},

	async 'groups.decline'(context, { name }) {
		const group = await existingGroup(context.store, name);
		if (!(await context.store.deleteInvite(group.id, me(context).id))) {
			throw new ProtocolError('NOT_FOUND', `you have no invite to ${group.name}`);
		}
		return {};
	},

	async 'groups.kick'(context, { name, username }) {
		const { group, role } = await groupAsMember(context, name);
		requireModerator(group, role);
		const { user, role: targetRole } = await target(context, group, username);
		requireMember(group, targetRole, user.username);
		requireRemovable(group, role, targetRole, user.username);
		await context.store.removeMember(group.id, user.id);
		await pruneInvites(context.store, group);
		await announce(context, group, { event: 'kicked', username: user.username, by: me(context).username }, [user.id]);
		return {};
	},

	async 'groups.ban'(context, { name, username }) {
		const { group, role } = await groupAsMember(context, name);
		requireModerator(group, role);
		const { user, role: targetRole } = await target(context, group, username);
		requireRemovable(group, role, targetRole, user.username);
		if (!(await context.store.addBan(group.id, user.id, me(context).id, new Date().toISOString()))) {
			throw new ProtocolError('CONFLICT', `${user.username} is already banned from ${group.name}`);
		}
		await pruneInvites(context.store, group);
		const was = targetRole === undefined ? [] : [user.id];
		await announce(context, group, { event: 'banned', username: user.username, by: me(context).username }, was);
		return {};
	},

	async 'groups.unban'(context, { name, username }) {
		const { group, role } = await groupAsMember(context, name);
		requireModerator(group, role);
		const user = await existingUser(context.store, username);
		if (!(await context.store.removeBan(group.id, user.id))) {
			throw new ProtocolError('NOT_FOUND', `${user.username} is not banned from ${group.name}`);
		}
		return {};
	},

	async 'groups.bans'(context, { name }) {
		const { group, role } = await groupAsMember(context, name);
		requireModerator(group, role);
		const banned = await context.store.bansOf(group.id);
		return { users: banned.map((user) => ({ username: user.username })) };
	},

	async 'groups.role'(context, { name, username, role: newRole }) {
		const { group, role } = await groupAsMember(context, name);
		requireCreator(group, role);
		const { user, role: targetRole } = await target(context, group, username);
		requireMember(group, targetRole, user.username);
		await context.store.setRole(group.id, user.id, newRole);
		// An admin made normal may no longer invite to a private group.
		await pruneInvites(context.store, group);
		await announce(context, group, { event: 'role', username: user.username, by: me(context).username, role: newRole });
		return {};
	},

	async 'groups.transfer'(context, { name, username }) {
		const self = me(context);
		const { group, role } = await groupAsMember(context, name);
		requireCreator(group, role);
		const { user, role: targetRole } = await target(context, group, username);
		requireMember(group, targetRole, user.username);
		await context.store.transferGroup(group.id, self.id, user.id);
		await announce(context, group, { event: 'role', username: user.username, by: self.username, role: 'creator' });
		await announce(context, group, { event: 'role', username: self.username, by: self.username, role: 'admin' });
		return {};
	},

	async 'groups.update'(context, { name, description, visibility }) {
		const self = me(context);
		const { group, role } = await groupAsMember(context, name);
		requireModerator(group, role);
		if (description === undefined && visibility === undefined) {
			throw new ProtocolError('BAD_REQUEST', 'give a description or a visibility to change');
		}
		const updated = (await context.store.updateGroup(group.id, { description, visibility })) ?? group;
		// Gone private: invites from normal members end.
		await pruneInvites(context.store, updated);
		await announce(context, updated, { event: 'updated', username: self.username, by: self.username });
		return { group: groupView(updated, role) };
	},

	async 'groups.browse'(context, { query }) {
		me(context);
		const groups = await context.store.browseGroups(query ?? '', BROWSE_LIMIT);
		return { groups: groups.map(({ name, description, members }) => ({ name, description, members })) };
	},
};
