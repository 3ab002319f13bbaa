import { ProtocolError, type Role } from '../../source/protocol/index.js';
import { groupAsMember as memberOf } from '../conversations/access.js';
import { existingGroup } from '../directory.js';
import type { GroupRecord } from '../store/store.js';
import { ignoreViewOf } from '../ignore-filter.js';
import { groupView } from '../views.js';
import { me, type HandlerContext, type Handlers } from './context.js';

/** The group, with the asker's role in it; FORBIDDEN for a group the asker is not in. */
function groupAsMember(context: HandlerContext, name: string): Promise<{ group: GroupRecord; role: Role }> {
	return memberOf(context.store, me(context).id, name);
}

function memberIds(context: HandlerContext, group: GroupRecord): Promise<number[]> {
	return context.store.memberIdsOf(group.id);
}

export const groupHandlers: Handlers<
	'groups.create' | 'groups.join' | 'groups.leave' | 'groups.delete' | 'groups.members' | 'groups.list'
> = {
	async 'groups.create'(context, { name, description }) {
		const self = me(context);
		const group = await context.store.createGroup(name, description ?? '', self.id);
		if (!group) throw new ProtocolError('CONFLICT', `the group name "${name}" is taken`);
		await context.hub.publish(
			[self.id],
			{ type: 'group.update', group: groupView(group, 'creator'), event: 'joined', username: self.username },
			context.session,
		);
		return { group: groupView(group, 'creator') };
	},

	async 'groups.join'(context, { name }) {
		const { store, hub, session } = context;
		const self = me(context);
		const group = await existingGroup(store, name);
		if (!(await store.addMember(group.id, self.id))) {
			throw new ProtocolError('CONFLICT', `you are already a member of ${group.name}`);
		}
		const event = { type: 'group.update', group: groupView(group), event: 'joined', username: self.username } as const;
		await hub.publish(await memberIds(context, group), event, session);
		return { group: groupView(group, 'normal') };
	},

	async 'groups.leave'(context, { name }) {
		const { store, hub, session } = context;
		const self = me(context);
		const { group, role } = await groupAsMember(context, name);
		if (role === 'creator') {
			throw new ProtocolError('FORBIDDEN', `the creator cannot leave ${group.name}; delete it instead`);
		}
		await store.removeMember(group.id, self.id);
		const event = { type: 'group.update', group: groupView(group), event: 'left', username: self.username } as const;
		await hub.publish([...(await memberIds(context, group)), self.id], event, session);
		return {};
	},

	async 'groups.delete'(context, { name }) {
		const { store, hub, session } = context;
		const self = me(context);
		const { group, role } = await groupAsMember(context, name);
		if (role !== 'creator') throw new ProtocolError('FORBIDDEN', `only ${group.creator} can delete ${group.name}`);
		const members = await memberIds(context, group);
		await store.deleteGroup(group.id);
		const event = { type: 'group.update', group: groupView(group), event: 'deleted', username: self.username } as const;
		await hub.publish(members, event, session);
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
};
