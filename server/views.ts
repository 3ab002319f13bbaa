import type { Friend, Group, Peer, ReadState, Role } from '../source/protocol/index.js';
import type { Hub } from './hub.js';
import { ignoreViewOf } from './ignore-filter.js';
import type { FriendRecord, GroupRecord, ReadStateRecord, Store } from './store/store.js';

/** Records as the wire shows them; login, the handlers and the account's farewell all build them here. */

export function groupView(group: GroupRecord, role?: Role): Group {
	const view: Group = {
		name: group.name,
		description: group.description,
		creator: group.creator,
		visibility: group.visibility,
		members: group.members,
	};
	if (role) view.role = role;
	return view;
}

/** `seesPresence` false (the viewer ignores the friend): always shown offline, as no presence event reaches the viewer. */
export function friendView(hub: Hub, friend: FriendRecord, seesPresence = true): Friend {
	return { username: friend.username, alias: friend.alias, online: seesPresence && hub.isOnline(friend.id) };
}

/** What login and friends.list show; through the ignore list, since presence events skip those who ignore a user. */
export async function friendsAndRequests(store: Store, hub: Hub, userId: number) {
	const [friends, requests, view] = await Promise.all([
		store.friendsOf(userId),
		store.friendRequestsOf(userId),
		ignoreViewOf(store, userId),
	]);
	return {
		friends: friends.map((friend) => friendView(hub, friend, view.seesPresenceOf(friend.id))),
		requests: requests.filter((request) => view.seesRequest(request)),
	};
}

function readStateView(record: ReadStateRecord): ReadState {
	const peer: Peer = 'userId' in record.with ? { user: record.with.username } : { group: record.with.name };
	return { with: peer, read: record.read, last: record.last, unread: record.unread };
}

/** The user's read state everywhere, as the wire has it (login sends it too). */
export async function readStatesOf(store: Store, userId: number): Promise<ReadState[]> {
	return (await store.readStates(userId)).map(readStateView);
}
