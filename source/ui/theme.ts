/**
 * The colours of the UI in one place. Components name a role, not a colour.
 * With NO_COLOR set (https://no-color.org) every role has no colour; bold,
 * dim and inverse stay, since they are not colour and carry meaning (the cursor).
 */
const colours = {
	accent: 'cyan',
	me: 'cyan',
	other: 'magenta',
	online: 'green',
	offline: 'gray',
	unread: 'yellow',
	system: 'gray',
	notice: 'yellow',
	error: 'red',
	pending: 'gray',
	border: 'gray',
	borderFocus: 'cyan',
	selected: 'cyan',
	mention: 'yellow',
} as const;

export type ThemeRole = keyof typeof colours;

const noColor = Boolean(process.env['NO_COLOR']);

export const theme: { readonly [Role in ThemeRole]: string | undefined } = noColor
	? (Object.fromEntries(Object.keys(colours).map((role) => [role, undefined])) as Record<ThemeRole, undefined>)
	: colours;
