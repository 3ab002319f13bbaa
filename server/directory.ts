import { ProtocolError } from '../source/protocol/index.js';
import type { GroupRecord, Store, UserRecord } from './store/store.js';

/** Users and groups by the names requests give, with the sentence a request gets when there is none. */

/** Any account, deleted ones too (their history stays readable). */
export async function existingUser(store: Store, username: string): Promise<UserRecord> {
	const user = await store.userByName(username);
	if (!user) throw new ProtocolError('NOT_FOUND', `there is no user named "${username}"`);
	return user;
}

/** An account that is not deleted: one a user can befriend. A deleted one keeps its name but is not there to ask. */
export async function liveUser(store: Store, username: string): Promise<UserRecord> {
	const user = await existingUser(store, username);
	if (user.deleted) throw new ProtocolError('NOT_FOUND', `there is no user named "${username}"`);
	return user;
}

export async function existingGroup(store: Store, name: string): Promise<GroupRecord> {
	const group = await store.groupByName(name);
	if (!group) throw new ProtocolError('NOT_FOUND', `there is no group named "${name}"`);
	return group;
}
