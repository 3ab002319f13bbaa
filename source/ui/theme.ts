/**
 * The colours of the UI in one place. Components name a role, not a colour.
 * NO_COLOR is honoured where the terminal is set up (cli), by turning colour
 * output off entirely, so nothing here needs to check it.
 */
export const theme = {
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
} as const;

export type ThemeRole = keyof typeof theme;
