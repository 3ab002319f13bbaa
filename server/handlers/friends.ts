import { FIND_RESULT_LIMIT, ProtocolError, type Friend } from '../../source/protocol/index.js';
import { existingUser, liveUser } from '../directory.js';
import { audienceOf, ignoreViewOf } from '../ignore-filter.js';
import { friendsAndRequests, friendView } from '../views.js';
import { me, type HandlerContext, type Handlers } from './context.js';

/** The other user, who must exist and not be the asker. */
async function otherUser(context: HandlerContext, username: string) {
	const user = await liveUser(context.store, username);
	if (user.id === me(context).id) throw new ProtocolError('BAD_REQUEST', 'that is you');
	return user;
}

/** Makes two users friends and tells both: the other side, and the asker's other sessions. */
async function befriend(context: HandlerContext, other: { id: number; username: string }): Promise<Friend> {
	const { store, hub, session } = context;
	const self = me(context);
	await store.addFriendship(self.id, other.id);
	const friend: Friend = { username: other.username, alias: null, online: hub.isOnline(other.id) };
	await hub.publish([other.id], { type: 'friend.update', friend: { username: self.username, alias: null, online: true } });
	await hub.publish([self.id], { type: 'friend.update', friend }, session);
	return friend;
}

export const friendHandlers: Handlers<
	| 'users.find'
	| 'friends.request'
	| 'friends.accept'
	| 'friends.decline'
	| 'friends.remove'
	| 'friends.alias'
	| 'friends.list'
> = {
	async 'users.find'(context, { query }) {
		const { store, hub } = context;
		const self = me(context).id;
		const [users, view, contacts] = await Promise.all([
			store.findUsers(query, FIND_RESULT_LIMIT),
			ignoreViewOf(store, self),
			store.contactsOf(self),
		]);
		// Presence is for friends and co-members: a stranger's is left out, so nobody can watch anyone come and go.
		const sees = new Set(contacts);
		return {
			users: users.map((user) =>
				sees.has(user.id)
					? { username: user.username, online: view.seesPresenceOf(user.id) && hub.isOnline(user.id) }
					: { username: user.username },
			),
		};
	},

	async 'friends.request'(context, { username }) {
		const { store, hub } = context;
		const self = me(context);
		const other = await otherUser(context, username);
		if (await store.friendOf(self.id, other.id)) {
			throw new ProtocolError('CONFLICT', `${other.username} is already your friend`);
		}
		// Both asked: that is agreement, so the request accepts theirs.
		if (await store.hasFriendRequest(other.id, self.id)) return { friend: await befriend(context, other) };
		if (!(await store.addFriendRequest(self.id, other.id, new Date().toISOString()))) {
			throw new ProtocolError('CONFLICT', `you have already asked ${other.username}`);
		}
		// Stored either way, so the asker sees the usual replies; hidden from the other while they ignore the asker.
		await hub.publish(await audienceOf(store, self.id, [other.id]), { type: 'friend.request', from: self.username });
		return {};
	},

	async 'friends.accept'(context, { username }) {
		const other = await otherUser(context, username);
		if (!(await context.store.hasFriendRequest(other.id, me(context).id))) {
			throw new ProtocolError('NOT_FOUND', `${other.username} has not asked to be your friend`);
		}
		return { friend: await befriend(context, other) };
	},

	async 'friends.decline'(context, { username }) {
		const { store, hub } = context;
		const self = me(context);
		const other = await otherUser(context, username);
		if (!(await store.deleteFriendRequest(other.id, self.id))) {
			throw new ProtocolError('NOT_FOUND', `${other.username} has not asked to be your friend`);
		}
		// The asker's request was theirs to see, so they hear that it ended (as Slack or Matrix show a declined invite).
		// Not filtered by their ignore list: it is state both share, like a removal.
		await hub.publish([other.id], { type: 'friend.update', friend: { username: self.username, declined: true } });
		return {};
	},

	async 'friends.remove'(context, { username }) {
		const { store, hub, session } = context;
		const self = me(context);
		const other = await otherUser(context, username);
		if (await store.removeFriendship(self.id, other.id)) {
			await hub.publish([other.id], { type: 'friend.update', friend: { username: self.username, removed: true } });
		} else if (await store.deleteFriendRequest(self.id, other.id)) {
			// A request one sent is withdrawn the way a friend is removed; nobody who never saw it (ignoring the asker) hears of it.
			await hub.publish(await audienceOf(store, self.id, [other.id]), {
				type: 'friend.update',
				friend: { username: self.username, removed: true },
			});
		} else {
			throw new ProtocolError('NOT_FOUND', `${other.username} is not your friend, nor have you asked them`);
		}
		await hub.publish([self.id], { type: 'friend.update', friend: { username: other.username, removed: true } }, session);
		return {};
	},

	async 'friends.alias'(context, { username, alias }) {
		const { store, hub, session } = context;
		const self = me(context);
		const other = await existingUser(store, username);
		if (!(await store.setAlias(self.id, other.id, alias === '' ? null : alias))) {
			throw new ProtocolError('NOT_FOUND', `${other.username} is not your friend`);
		}
		const friend = friendView(hub, (await store.friendOf(self.id, other.id))!);
		// The alias is private: only the owner's other sessions hear of it.
		await hub.publish([self.id], { type: 'friend.update', friend }, session);
		return { friend };
	},

	async 'friends.list'(context) {
		return friendsAndRequests(context.store, context.hub, me(context).id);
	},
};
