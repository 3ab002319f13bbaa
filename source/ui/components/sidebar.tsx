import { Box } from 'ink';
import { Text } from './safe-text.js';
import type { ConversationRef } from '../state/conversations.js';
import type { FriendRequest, GroupInvite } from '../../protocol/index.js';
import { inviteKey } from '../state/invites.js';
import { theme } from '../theme.js';

export interface SidebarItem extends ConversationRef {
	online?: boolean | undefined;
	/** Presence cannot be told now (the connection is down): neither online nor offline is true. */
	presenceUnknown?: boolean | undefined;
	unread: number;
	/** Some of the unread messages mention the user. */
	mentioned?: boolean;
}

export interface SidebarProps {
	contacts: SidebarItem[];
	groups: SidebarItem[];
	/** Requests to the user, waiting on their answer. */
	requests: FriendRequest[];
	/** Requests the user sent, waiting on the other's answer. */
	sent?: FriendRequest[];
	/** Invites to groups, waiting on the user's answer; selectable like conversations (Enter joins). */
	invites?: GroupInvite[];
	selected: string;
	statusUnread: number;
	width: number;
	height: number;
}

function Item({ item, selected, number, width }: { item: SidebarItem; selected: boolean; number: number; width: number }) {
	const marker = item.kind === 'user' ? (item.presenceUnknown ? '◌' : item.online ? '●' : '○') : '#';
	const markerColor = item.kind === 'user' && !item.presenceUnknown ? (item.online ? theme.online : theme.offline) : theme.system;
	const count = item.unread > 99 ? '99+' : String(item.unread);
	const unread = item.unread > 0 ? ` ${item.mentioned ? '@' : ''}${count}` : '';
	const hint = number <= 9 ? `${number}` : ' ';
	return (
		<Box width={width}>
			<Text color={theme.system}>{hint}</Text>
			<Text color={markerColor} dimColor={item.presenceUnknown}>{` ${marker} `}</Text>
			<Box flexGrow={1}>
				<Text wrap="truncate" bold={selected} inverse={selected} color={selected ? theme.selected : undefined}>
					{item.label}
				</Text>
			</Box>
			{unread ? (
				<Text bold color={theme.unread}>
					{unread}
				</Text>
			) : null}
		</Box>
	);
}

/**
 * Contacts with online dots and unread counts, pending requests (to the
 * user, then sent), invites to groups (who sent each), then groups; numbers
 * are the Alt-1…9 keys.
 */
export function Sidebar({ contacts, groups, requests, sent = [], invites = [], selected, statusUnread, width, height }: SidebarProps) {
	const inner = width - 2;
	let number = 0;
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.border} overflow="hidden">
			<Box width={inner}>
				<Text bold={selected === 'status'} inverse={selected === 'status'} color={theme.accent}>
					{'  ~ status'}
				</Text>
				<Box flexGrow={1} />
				{statusUnread > 0 ? <Text color={theme.unread}>{` ${statusUnread}`}</Text> : null}
			</Box>
			<Text bold>Contacts</Text>
			{contacts.length === 0 ? <Text color={theme.system}>  /add a friend</Text> : null}
			{contacts.map((item) => (
				<Item key={item.key} item={item} selected={item.key === selected} number={++number} width={inner} />
			))}
			{requests.length + sent.length > 0 ? <Text bold>Requests</Text> : null}
			{requests.map((request) => (
				<Text key={request.from} color={theme.notice} wrap="truncate">
					{`  ? ${request.from}`}
				</Text>
			))}
			{sent.map((request) => (
				<Text key={`sent:${request.to}`} color={theme.system} dimColor wrap="truncate">
					{`  → ${request.to} (sent)`}
				</Text>
			))}
			{invites.length > 0 ? <Text bold>Invites</Text> : null}
			{invites.map((invite) => {
				const chosen = inviteKey(invite.group) === selected;
				return (
					<Text key={`invite:${invite.group}`} wrap="truncate">
						<Text color={theme.notice}>{'  ? '}</Text>
						<Text bold={chosen} inverse={chosen} color={chosen ? theme.selected : theme.notice}>{`#${invite.group}`}</Text>
						<Text color={theme.system}>{` ${invite.from}`}</Text>
					</Text>
				);
			})}
			<Text bold>Groups</Text>
			{groups.length === 0 ? <Text color={theme.system}>  /join or /create</Text> : null}
			{groups.map((item) => (
				<Item key={item.key} item={item} selected={item.key === selected} number={++number} width={inner} />
			))}
		</Box>
	);
}
