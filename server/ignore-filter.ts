import type { FriendRequestRecord, Store } from './store/store.js';

/**
 * Ignore lists, as deliveries see them: nothing a user writes or does
 * reaches those who ignore them, and nothing tells the user so. Reads
 * (history, search, unread counts, queued messages) are filtered in the
 * store by the same rule (store/ignored-sql.ts).
 */

/** Of `userIds`, those who do not ignore `senderId`: who may get what the sender writes or does. One query, none for an empty list. */
export async function audienceOf(store: Store, senderId: number, userIds: number[]): Promise<number[]> {
	if (userIds.length === 0) return userIds;
	const ignorers = await store.ignorersAmong(senderId, userIds);
	if (ignorers.length === 0) return userIds;
	const skipped = new Set(ignorers);
	return userIds.filter((id) => !skipped.has(id));
}

/** Who gets what is written to one user directly: that user, unless they ignore the writer. */
export function directAudience(peer: { id: number; ignoresWriter: boolean }): number[] {
	return peer.ignoresWriter ? [] : [peer.id];
}

/** True when `ownerId` ignores `senderId`. */
export async function ignores(store: Store, ownerId: number, senderId: number): Promise<boolean> {
	return (await store.ignorersAmong(senderId, [ownerId])).length > 0;
}

/** What the user sees of their friends and requests: ignored users show offline and their requests to the user are hidden. */
export interface IgnoreView {
	/** Whether the user sees this contact's presence. */
	seesPresenceOf(userId: number): boolean;
	/** Whether the user sees this pending request. */
	seesRequest(request: FriendRequestRecord): boolean;
}

/** The user's view through their ignore list, read once. */
export async function ignoreViewOf(store: Store, userId: number): Promise<IgnoreView> {
	const ignored = await store.ignoredBy(userId);
	const ids = new Set(ignored.map((user) => user.id));
	const names = new Set(ignored.map((user) => user.username));
	return {
		seesPresenceOf: (id) => !ids.has(id),
		// Requests the user sent stay visible; those from someone they ignore do not.
		seesRequest: (request) => !names.has(request.from),
	};
}
