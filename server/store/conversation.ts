/**
 * The key of a conversation, shared by both store engines: a direct
 * conversation belongs to the pair of users whichever of them writes.
 */
export function conversationKey(senderId: number, to: { userId: number } | { groupId: number }): string {
	if ('groupId' in to) return `g:${to.groupId}`;
	const [low, high] = senderId < to.userId ? [senderId, to.userId] : [to.userId, senderId];
	return `d:${low}:${high}`;
}
