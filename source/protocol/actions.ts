/**
 * Actions (`/me waves`), a convention on message text rather than a field
 * (docs/PROTOCOL.md, "Actions"): a message whose text starts with "/me " is
 * its sender doing what follows, and every client shows it as
 * `* alice waves`. A message typed or sent with that start is an action by
 * definition, however it was sent. A message carrying a file is never one
 * (its text is the caption).
 */
export const ACTION_PREFIX = '/me ';

/** What the sender does, for an action's text; undefined for any other message. */
export function actionOf(message: { text: string; file?: unknown }): string | undefined {
	if (message.file || !message.text.startsWith(ACTION_PREFIX)) return undefined;
	return message.text.slice(ACTION_PREFIX.length);
}
