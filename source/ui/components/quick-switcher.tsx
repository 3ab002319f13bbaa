import { Box } from 'ink';
import { Text } from './safe-text.js';
import type { ConversationRef } from '../state/conversations.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';

/** Conversations whose name or label contains the filter, prefix matches first. */
export function filterConversations(conversations: ConversationRef[], filter: string): ConversationRef[] {
	const wanted = filter.trim().toLowerCase();
	if (!wanted) return conversations;
	const matches = conversations.filter(
		(conversation) => conversation.name.toLowerCase().includes(wanted) || conversation.label.toLowerCase().includes(wanted),
	);
	const starts = (conversation: ConversationRef) =>
		conversation.label.toLowerCase().startsWith(wanted) || conversation.name.toLowerCase().startsWith(wanted);
	return [...matches.filter(starts), ...matches.filter((conversation) => !starts(conversation))];
}

export interface QuickSwitcherProps {
	conversations: ConversationRef[];
	filter: string;
	index: number;
	width: number;
	height: number;
}

/** Ctrl-K: type to filter, Up/Down to choose, Enter to open. */
export function QuickSwitcher({ conversations, filter, index, width, height }: QuickSwitcherProps) {
	const matches = filterConversations(conversations, filter);
	const room = Math.max(1, height - 5);
	return (
		<OverlayFrame title="Switch to…" width={width} height={height}>
			<Text>
				<Text color={theme.accent}>{'> '}</Text>
				{filter}
				<Text inverse> </Text>
			</Text>
			{matches.length === 0 ? <Text color={theme.system}>No conversation matches.</Text> : null}
			{matches.slice(0, room).map((conversation, position) => (
				<Text key={conversation.key} inverse={position === index} wrap="truncate">
					{`${conversation.kind === 'group' ? '#' : '@'} ${conversation.label}${conversation.label !== conversation.name ? ` (${conversation.name})` : ''}`}
				</Text>
			))}
		</OverlayFrame>
	);
}
