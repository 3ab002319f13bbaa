/**
 * The key of a conversation, shared by both store engines: a direct
 * conversation belongs to the pair of users whichever of them writes.
 */
export function conversationKey(senderId: number, to: { userId: number } | { groupId: number }): string {
	if ('groupId' in to) return `g:${to.groupId}`;
	const [low, high] = senderId < to.userId ? [senderId, to.userId] : [to.userId, senderId];
	return `d:${low}:${high}`;
}

/** Who a conversation key is between: the two users of a direct one, or the group. */
export function parseConversationKey(key: string): { userIds: [number, number] } | { groupId: number } | undefined {
	const direct = /^d:(\d+):(\d+)$/.exec(key);
	if (direct) return { userIds: [Number(direct[1]), Number(direct[2])] };
	const group = /^g:(\d+)$/.exec(key);
	return group ? { groupId: Number(group[1]) } : undefined;
}
