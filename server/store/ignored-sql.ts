/**
 * The SQL condition, shared by both engines, that hides a message from a
 * viewer who ignores its sender: `history`, `search`, unread counts and the
 * replay of queued messages all read through it, and a group message's
 * audience (Store.groupAudience) is chosen by it. `viewer` is the engine's
 * placeholder (or column) for the reading user; `sender` the message's sender column.
 */
export function senderNotIgnoredBy(viewer: string, sender = 'm.sender_id'): string {
	return `NOT EXISTS (SELECT 1 FROM ignores ign WHERE ign.owner_id = ${viewer} AND ign.ignored_id = ${sender})`;
}
