/**
 * The key of a conversation, the one spelling of it: both store engines key
 * messages, read cursors and files by it, and the SQL that builds keys from
 * rows is made here too. It imports nothing, so the stores below the
 * conversation rules can use it without reaching up to them.
 */

/** Who a conversation is with, from the asking user's side: a user, or a group. */
export type ConversationWith = { userId: number } | { groupId: number };

/** A direct conversation belongs to the pair of users, whichever of them writes. */
export function directKey(a: number, b: number): string {
	return a < b ? `d:${a}:${b}` : `d:${b}:${a}`;
}

export function groupKey(groupId: number): string {
	return `g:${groupId}`;
}

/** The key of the conversation between `userId` and `to`. */
export function conversationKey(userId: number, to: ConversationWith): string {
	return 'groupId' in to ? groupKey(to.groupId) : directKey(userId, to.userId);
}

/** Who a conversation key is between: the two users of a direct one, or the group. */
export function parseConversationKey(key: string): { userIds: [number, number] } | { groupId: number } | undefined {
	const direct = /^d:(\d+):(\d+)$/.exec(key);
	if (direct) return { userIds: [Number(direct[1]), Number(direct[2])] };
	const group = /^g:(\d+)$/.exec(key);
	return group ? { groupId: Number(group[1]) } : undefined;
}

/**
 * The same keys as SQL expressions. Each engine spells "the smaller of two"
 * its own way, so it hands in the lower and higher id expressions.
 */
export const keySql = {
	direct: (low: string, high: string): string => `'d:' || ${low} || ':' || ${high}`,
	group: (groupId: string): string => `'g:' || ${groupId}`,
};
