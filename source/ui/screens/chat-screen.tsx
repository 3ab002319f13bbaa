import { Box } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import type { Settings } from '../../local/settings.js';
import { HelpOverlay } from '../components/help-overlay.js';
import { InputLine } from '../components/input-line.js';
import { BrowseOverlay } from '../components/browse-overlay.js';
import { InvitePane } from '../components/invite-pane.js';
import { MembersOverlay } from '../components/members-overlay.js';
import { MessageLog } from '../components/message-log.js';
import { QuickSwitcher } from '../components/quick-switcher.js';
import { SearchOverlay } from '../components/search-overlay.js';
import { SessionsOverlay } from '../components/sessions-overlay.js';
import { Sidebar, type SidebarItem } from '../components/sidebar.js';
import { StatusBar } from '../components/status-bar.js';
import { TransferBar } from '../components/transfer-bar.js';
import { useChatSession } from '../hooks/use-chat-session.js';
import { useKeypress } from '../hooks/use-keypress.js';
import { keyName, KEY_BINDINGS } from '../keys.js';
import { ChatController, chatLayout, SIDEBAR_WIDTH, type ChatLayout, type ScreenActions } from '../session/chat-controller.js';
import type { ChatSession } from '../session/chat-session.js';
import { oldestSeq } from '../session/log-seqs.js';
import { aliasesOf, shortName } from '../state/names.js';
import {
	conversationList,
	incomingRequests,
	logViewOf,
	outgoingRequests,
	isConversation,
	selectedConversation,
	selectedInvite,
	STATUS,
	typingIn,
	unsentCount,
	type ChatState,
	type HistoryLoading,
} from '../state/chat-state.js';
import type { Group } from '../../protocol/index.js';

export interface ChatScreenProps {
	/** The chat's application; it outlives this screen (a resize below the minimum size unmounts it). */
	session: ChatSession;
	/** The profile: the lines typed before, for Up/Down. */
	settings: Settings;
	width: number;
	height: number;
	onLogout(): void;
	/** accounts: the session is over here (account deleted); the log-in screen says `sentence`. */
	onEnded(sentence: string): void;
	onQuit(): void;
	/** Other connections to the server this window hosts (0 when it hosts none): a quit warns of them first. */
	hostedOthers(): number;
}

/** What the input line says while a command asks: the keys that answer and cancel. */
const QUESTION_HINT = `${keyName(KEY_BINDINGS, 'submit')} to go on · ${keyName(KEY_BINDINGS, 'close-overlay')} cancels`;

/** A friend's presence in words; while the connection is down neither word would be true. */
function presenceWord(state: ChatState, online: boolean | undefined): string {
	if (!state.presenceKnown) return 'presence unknown';
	return online ? 'online' : 'offline';
}

/** Home's whole-history load in the log's title row: "loading history… 1,800 of 5,000". */
function loadingText({ oldest, newest }: HistoryLoading): string {
	const count = (n: number) => n.toLocaleString('en-US');
	return `loading history… ${count(Math.max(0, newest - oldest + 1))} of ${count(newest)}`;
}

/** A group's header after its name: its visibility and its topic (`private · payroll and budgets`). */
function groupSubtitle(group: Group | undefined): string | undefined {
	const parts = [group?.visibility, group?.description].filter((part) => part);
	return parts.length > 0 ? parts.join(' · ') : undefined;
}

function sidebarItems(state: ChatState): { contacts: SidebarItem[]; groups: SidebarItem[] } {
	const items = conversationList(state).map((conversation) => ({
		...conversation,
		online: state.friends.find((friend) => friend.username === conversation.name)?.online,
		presenceUnknown: !state.presenceKnown,
		unread: state.unread[conversation.key] ?? 0,
		mentioned: (state.mentioned[conversation.key] ?? 0) > 0,
	}));
	return { contacts: items.filter((item) => item.kind === 'user'), groups: items.filter((item) => item.kind === 'group') };
}

/**
 * One controller per session, kept outside the screen: a resize below the
 * minimum size unmounts the screen, and the input line's draft, its recall
 * and a pending confirmation must be there when the window grows again.
 */
const controllers = new WeakMap<ChatSession, ChatController>();

function controllerOf(session: ChatSession, settings: Settings, actions: ScreenActions, layout: ChatLayout): ChatController {
	let controller = controllers.get(session);
	if (!controller) {
		controller = new ChatController(session, settings, actions, layout);
		controllers.set(session, controller);
	}
	return controller;
}

/** The chat: sidebar, log, input line and status bar, or an overlay in place of the panes. Keys go to the controller. */
export function ChatScreen(props: ChatScreenProps) {
	const { session, settings, width, height } = props;
	const { state, now } = useChatSession(session);
	const layout = chatLayout(width, height, state);
	const actions = { quit: props.onQuit, logout: props.onLogout, ended: props.onEnded, hostedOthers: props.hostedOthers };
	const controller = controllerOf(session, settings, actions, layout);
	controller.layout = layout;
	controller.actions = actions;
	const line = useSyncExternalStore(controller.subscribe, controller.line);
	useKeypress(controller.press);

	const { mainHeight, logWidth } = layout;
	const logHeight = mainHeight;
	const open = selectedConversation(state);
	const invite = selectedInvite(state);
	const marked = state.mark?.key === state.selected ? state.mark : undefined;
	const markedEntries = marked && state.logs[marked.key];
	useEffect(() => controller.followMark(), [controller, marked, markedEntries, state.me, logWidth, layout.logRows]);

	let main;
	if (state.overlay?.kind === 'help') {
		main = <HelpOverlay width={width} height={mainHeight} offset={state.overlay.offset} />;
	} else if (state.overlay?.kind === 'switcher') {
		main = (
			<QuickSwitcher
				conversations={conversationList(state)}
				filter={state.overlay.filter}
				index={state.overlay.index}
				width={width}
				height={mainHeight}
			/>
		);
	} else if (state.overlay?.kind === 'members') {
		main = <MembersOverlay overlay={state.overlay} me={state.me} aliases={aliasesOf(state.friends)} width={width} height={mainHeight} />;
	} else if (state.overlay?.kind === 'browse') {
		main = <BrowseOverlay overlay={state.overlay} width={width} height={mainHeight} />;
	} else if (state.overlay?.kind === 'search') {
		main = <SearchOverlay search={state.overlay} me={state.me} width={width} height={mainHeight} />;
	} else if (state.overlay?.kind === 'sessions') {
		main = <SessionsOverlay sessions={state.overlay} now={Date.now()} width={width} height={mainHeight} />;
	} else {
		const { contacts, groups } = sidebarItems(state);
		const friend = open?.kind === 'user' ? state.friends.find((candidate) => candidate.username === open.name) : undefined;
		const group = open?.kind === 'group' ? state.groups.find((candidate) => candidate.name === open.name) : undefined;
		const title = open ? (open.kind === 'group' ? `# ${open.name}` : `@ ${open.label}`) : '~ status';
		const subtitle = friend
			? `${friend.alias ? `${friend.username}, ` : ''}${presenceWord(state, friend.online)}`
			: open
				? groupSubtitle(group)
				: 'notices, requests and command output';
		main = (
			<Box>
				<Sidebar
					contacts={contacts}
					groups={groups}
					requests={incomingRequests(state)}
					sent={outgoingRequests(state)}
					invites={state.invites}
					selected={state.selected}
					statusUnread={state.unread[STATUS] ?? 0}
					width={SIDEBAR_WIDTH}
					height={mainHeight}
				/>
				{invite ? (
					<InvitePane invite={invite} now={now} width={logWidth} height={logHeight} />
				) : (
					<MessageLog
						title={title}
						subtitle={subtitle}
						separator={group ? ' · ' : undefined}
						entries={state.logs[state.selected] ?? []}
						me={state.me}
						width={logWidth}
						height={logHeight}
						scroll={state.scroll}
						marked={marked?.id}
						newBelow={state.newBelow}
						aliases={aliasesOf(state.friends)}
						newAfterSeq={logViewOf(state).newAfterSeq}
						progress={state.loading?.key === state.selected ? loadingText(state.loading) : undefined}
						olderUnloaded={isConversation(state.selected) && !state.historyComplete[state.selected] && (oldestSeq(state, state.selected) ?? 1) > 1}
					/>
				)}
			</Box>
		);
	}

	const viewName = invite ? `invite #${invite.group}` : 'status';
	const target = state.question?.prompt ?? (open ? (open.kind === 'group' ? `#${open.name}` : open.label) : viewName);
	const placeholder = state.question
		? QUESTION_HINT
		: open
			? 'type a message, or /help'
			: invite
				? `${keyName(KEY_BINDINGS, 'submit')} joins, /decline declines`
				: '/msg <user>, /join <group>, /help';
	return (
		<Box flexDirection="column" width={width} height={height}>
			{main}
			{state.transfer ? <TransferBar transfer={state.transfer} width={width} /> : null}
			<InputLine
				line={line}
				prompt={`${target} › `}
				width={width}
				placeholder={placeholder}
				mask={state.question?.secret === true}
				focused={!state.overlay || state.question !== undefined}
			/>
			<StatusBar
				user={state.me}
				server={state.server}
				connection={state.connection}
				now={now}
				hosting={state.hosting}
				pending={unsentCount(state)}
				statusNew={state.selected === STATUS ? 0 : (state.unread[STATUS] ?? 0)}
				typing={state.selected === STATUS ? [] : typingIn(state, state.selected, now).map((name) => shortName(aliasesOf(state.friends), name))}
				width={width}
			/>
		</Box>
	);
}
