import { ProtocolError } from '../source/protocol/index.js';
import type { DirectPeerRecord, GroupAudienceRecord, GroupRecord, Store, UserRecord } from './store/store.js';

/** Users and groups by the names requests give, with the sentence a request gets when there is none. */

/** Any account, deleted ones too (their history stays readable). */
export async function existingUser(store: Store, username: string): Promise<UserRecord> {
	return (await store.userByName(username)) ?? noSuchUser(username);
}

/** Any account, deleted ones too, as `writerId` writes to it directly (friendship and ignore in the same read). */
export async function existingDirectPeer(store: Store, writerId: number, username: string): Promise<DirectPeerRecord> {
	return (await store.directPeer(writerId, username)) ?? noSuchUser(username);
}

function noSuchUser(username: string): never {
	throw new ProtocolError('NOT_FOUND', `there is no user named "${username}"`);
}

/** An account that is not deleted: one a user can befriend. A deleted one keeps its name but is not there to ask. */
export async function liveUser(store: Store, username: string): Promise<UserRecord> {
	const user = await existingUser(store, username);
	if (user.deleted) throw new ProtocolError('NOT_FOUND', `there is no user named "${username}"`);
	return user;
}

export async function existingGroup(store: Store, name: string): Promise<GroupRecord> {
	return (await store.groupByName(name)) ?? noSuchGroup(name);
}

/** A group as `writerId` writes to it (their role and the audience in the same read). */
export async function existingGroupAudience(store: Store, writerId: number, name: string): Promise<GroupAudienceRecord> {
	return (await store.groupAudience(writerId, name)) ?? noSuchGroup(name);
}

function noSuchGroup(name: string): never {
	throw new ProtocolError('NOT_FOUND', `there is no group named "${name}"`);
}
