import { Box } from 'ink';
import { useEffect, useRef } from 'react';
import { useSyncReducer } from '../hooks/use-sync-reducer.js';
import type { Settings } from '../../local/settings.js';
import { ProtocolError } from '../../protocol/index.js';
import { completeLine } from '../commands/complete.js';
import { parseInput } from '../commands/parse.js';
import { findCommand, UsageError, type CommandContext } from '../commands/registry.js';
import { HelpOverlay, helpScrollLimit } from '../components/help-overlay.js';
import { InputLine } from '../components/input-line.js';
import { MembersOverlay } from '../components/members-overlay.js';
import { LOG_CHROME_ROWS, MessageLog } from '../components/message-log.js';
import { lastRows } from '../format/log-rows.js';
import { filterConversations, QuickSwitcher } from '../components/quick-switcher.js';
import { Sidebar, type SidebarItem } from '../components/sidebar.js';
import { StatusBar } from '../components/status-bar.js';
import { useChatSession } from '../hooks/use-chat-session.js';
import { TransferBar } from '../components/transfer-bar.js';
import { useKeypress } from '../hooks/use-keypress.js';
import { actionFor, boundAction, HELP_KEYS, MEMBERS_KEYS, OVERLAY_KEYS, SWITCHER_KEYS, type KeyPress } from '../keys.js';
import { conversationList, selectedConversation, STATUS, typingIn, unsentCount, type ChatState } from '../state/chat-state.js';
import { peerOf } from '../state/conversations.js';
import { EMPTY_LINE, editLine, insertText, lineOf, type LineState } from '../state/line-editor.js';
import { SearchOverlay, searchPageSize } from '../components/search-overlay.js';
import { scrollToShow } from '../format/search-hits.js';
import { searchOverlayKey, searchPrompt, searchScope, type SearchContext } from '../state/search.js';
import type { ChatSession } from '../session/chat-session.js';
import { SessionsOverlay } from '../components/sessions-overlay.js';
import { sessionsOverlayKey } from '../state/sessions.js';

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
}

export const SIDEBAR_WIDTH = 26;

/** A message of more lines than this (a big paste, usually) is sent only after a second Enter. */
export const CONFIRM_LINES = 5;

function sidebarItems(state: ChatState): { contacts: SidebarItem[]; groups: SidebarItem[] } {
	const items = conversationList(state).map((conversation) => ({
		...conversation,
		online: state.friends.find((friend) => friend.username === conversation.name)?.online,
		unread: state.unread[conversation.key] ?? 0,
		mentioned: (state.mentioned[conversation.key] ?? 0) > 0,
	}));
	return { contacts: items.filter((item) => item.kind === 'user'), groups: items.filter((item) => item.kind === 'group') };
}

function describeError(error: unknown): string {
	if (error instanceof UsageError) return error.message;
	if (error instanceof ProtocolError) return `${error.message} (${error.code})`;
	return error instanceof Error ? error.message : String(error);
}

/** The chat: sidebar, log, input line and status bar, or an overlay in place of the panes. */
export function ChatScreen(props: ChatScreenProps) {
	const { session, settings, width, height } = props;
	const { client, dispatch, transfers } = session;
	const { state, now } = useChatSession(session);
	const [line, setLine, getLine] = useSyncReducer((_previous: LineState, next: LineState) => next, () => EMPTY_LINE);
	const recall = useRef({ index: -1, draft: '' });
	const completion = useRef<{ options: string[]; index: number } | undefined>(undefined);
	/** A long message waiting for the Enter that confirms it. */
	const confirming = useRef<string | undefined>(undefined);

	// files: the progress bar takes a row above the input line while a transfer runs.
	const mainHeight = height - 2 - (state.transfer ? 1 : 0);
	const logHeight = mainHeight;
	const logWidth = width - SIDEBAR_WIDTH;
	const logRows = logHeight - LOG_CHROME_ROWS;
	const page = Math.max(1, logRows - 1);
	const open = selectedConversation(state);

	/** How far up the log can scroll, looking no further than `wanted` rows (formatting costs). */
	function scrollLimit(wanted: number): number {
		const state = session.getState();
		const entries = state.logs[state.selected] ?? [];
		const { rows } = lastRows(entries, state.me, logWidth - 2, Math.min(wanted, Number.MAX_SAFE_INTEGER - logRows) + logRows);
		return Math.max(0, rows.length - logRows);
	}

	const commandContext: CommandContext = {
		client,
		state,
		dispatch,
		sendText: session.sendText,
		quit: props.onQuit,
		logout: async () => props.onLogout(),
		settings: session.settings,
		transfers: transfers.runner,
		search: session.search,
		ask: session.ask,
		ended: props.onEnded,
	};

	/** Sends the line or runs its command; false when the line stays (a long message awaiting confirmation). */
	function submit(text: string): boolean {
		const state = session.getState();
		const open = selectedConversation(state);
		const context: CommandContext = { ...commandContext, state };
		const parsed = parseInput(text);
		if (parsed.kind === 'empty') return true;
		if (parsed.kind === 'text') {
			if (!open) {
				dispatch({ type: 'system', tone: 'error', text: 'open a conversation first (Ctrl-N, Ctrl-K or /msg <user>)' });
				return true;
			}
			const lines = parsed.text.split('\n').length;
			if (lines > CONFIRM_LINES && confirming.current !== text) {
				confirming.current = text;
				dispatch({ type: 'system', tone: 'notice', text: `this message has ${lines} lines: Enter sends it, Esc keeps editing` });
				return false;
			}
			confirming.current = undefined;
			settings.rememberInput(text.trim());
			session.sendText(peerOf(open), parsed.text);
			return true;
		}
		settings.rememberInput(text.trim());
		const command = findCommand(parsed.name);
		if (!command) {
			dispatch({ type: 'system', tone: 'error', text: `unknown command /${parsed.name}: F1 or /help lists them` });
			return true;
		}
		Promise.resolve()
			.then(() => command.run(context, parsed.args))
			.catch((error: unknown) => {
				const usage = error instanceof UsageError ? ` — usage: /${command.name} ${command.usage}` : '';
				dispatch({ type: 'system', tone: 'error', text: `/${command.name}: ${describeError(error)}${usage}` });
			});
		return true;
	}

	function recallInput(step: 1 | -1): void {
		const line = getLine();
		const lines = settings.inputHistory;
		if (recall.current.index === -1) recall.current = { index: lines.length, draft: line.text };
		const index = Math.min(lines.length, Math.max(0, recall.current.index + step));
		recall.current.index = index;
		setLine(lineOf(index === lines.length ? recall.current.draft : lines[index]!));
	}

	function complete(): void {
		const line = getLine();
		const state = session.getState();
		if (!completion.current) {
			const options = completeLine(line.text, state);
			if (options.length === 0) return;
			completion.current = { options: [...options, line.text], index: -1 };
		}
		const cycle = completion.current;
		cycle.index = (cycle.index + 1) % cycle.options.length;
		setLine(lineOf(cycle.options[cycle.index]!));
	}

	// search
	const searchContext: SearchContext = { dispatch, search: session.search, pageSize: searchPageSize(mainHeight) };
	const marked = state.mark?.key === state.selected ? state.mark : undefined;
	const markedEntries = marked && state.logs[marked.key];
	// A hit a search jumped to stays a third of the way down the log while history around it
	// arrives (the rows below it grow), until the user scrolls.
	const { getState } = session;
	useEffect(() => {
		if (!marked?.follow || !markedEntries) return;
		const to = scrollToShow(markedEntries, marked.id, state.me, logWidth - 2, logRows, Math.floor(logRows / 3));
		if (to !== undefined && to !== getState().scroll) dispatch({ type: 'scroll', to });
	}, [marked, markedEntries, state.me, logWidth, logRows, dispatch, getState]);

	function handleOverlayKey(press: KeyPress): void {
		const state = session.getState();
		const overlay = state.overlay!;
		if (boundAction(OVERLAY_KEYS, press) === 'close') {
			dispatch({ type: 'overlay', overlay: undefined });
			return;
		}
		if (overlay.kind === 'search') return searchOverlayKey(searchContext, overlay, press);
		if (overlay.kind === 'sessions') return sessionsOverlayKey({ client, dispatch }, overlay, press);
		if (overlay.kind === 'help') {
			const action = boundAction(HELP_KEYS, press);
			const page = mainHeight - 5;
			const step = action && { 'scroll-down': 1, 'scroll-up': -1, 'page-down': page, 'page-up': -page, close: undefined }[action];
			if (step !== undefined) {
				const offset = Math.max(0, Math.min(helpScrollLimit(width, mainHeight), overlay.offset + step));
				dispatch({ type: 'overlay', overlay: { ...overlay, offset } });
			} else if (action === 'close') {
				dispatch({ type: 'overlay', overlay: undefined });
			}
			return;
		}
		if (overlay.kind === 'members') {
			if (boundAction(MEMBERS_KEYS, press) === 'close') dispatch({ type: 'overlay', overlay: undefined });
			return;
		}
		const matches = filterConversations(conversationList(state), overlay.filter);
		switch (boundAction(SWITCHER_KEYS, press)) {
			case 'open': {
				const chosen = matches[overlay.index];
				if (chosen) dispatch({ type: 'select', key: chosen.key });
				return;
			}
			case 'next':
				return dispatch({ type: 'overlay', overlay: { ...overlay, index: Math.min(matches.length - 1, overlay.index + 1) } });
			case 'previous':
				return dispatch({ type: 'overlay', overlay: { ...overlay, index: Math.max(0, overlay.index - 1) } });
		}
		const edited = editLine(lineOf(overlay.filter), press);
		if (edited) dispatch({ type: 'overlay', overlay: { ...overlay, filter: edited.text, index: 0 } });
	}

	/**
	 * accounts: while a command asks (a password), Enter answers and Esc
	 * cancels; nothing else but editing, so no key recalls, completes or
	 * remembers what is typed, and it is never sent as a message.
	 */
	function handleQuestionKey(press: KeyPress, line: LineState): void {
		const action = actionFor(press)?.action;
		if (action === 'quit') return props.onQuit();
		if (action === 'submit' || action === 'close-overlay') {
			setLine(EMPTY_LINE);
			return session.answer(action === 'submit' ? line.text : undefined);
		}
		const edited = editLine(line, press);
		if (edited) setLine(edited);
	}

	useKeypress((press) => {
		const state = session.getState();
		const line = getLine();
		if (state.question) return handleQuestionKey(press, line);
		if (state.overlay) return handleOverlayKey(press);
		const bound = actionFor(press);
		if (bound?.action !== 'complete') completion.current = undefined;
		if (bound?.action !== 'history-previous' && bound?.action !== 'history-next') recall.current.index = -1;
		// search: scrolling by hand lets go of the hit the log was kept on.
		if (state.mark?.follow && bound?.action.startsWith('scroll-')) dispatch({ type: 'mark', mark: { ...state.mark, follow: false } });
		switch (bound?.action) {
			case 'quit':
				return props.onQuit();
			case 'help':
				return dispatch({ type: 'overlay', overlay: { kind: 'help', offset: 0 } });
			case 'switcher':
				return dispatch({ type: 'overlay', overlay: { kind: 'switcher', filter: '', index: 0 } });
			case 'next-conversation':
				return dispatch({ type: 'select-relative', delta: 1 });
			case 'previous-conversation':
				return dispatch({ type: 'select-relative', delta: -1 });
			case 'jump': {
				const target = conversationList(state)[bound.index ?? 0];
				if (target) dispatch({ type: 'select', key: target.key });
				return;
			}
			case 'scroll-up': {
				const to = Math.min(state.scroll + page, scrollLimit(state.scroll + page));
				if (to === state.scroll) session.loadOlder();
				return dispatch({ type: 'scroll', to });
			}
			case 'scroll-down':
				return dispatch({ type: 'scroll', to: Math.max(0, state.scroll - page) });
			case 'scroll-top': {
				const top = scrollLimit(Number.MAX_SAFE_INTEGER);
				if (top === state.scroll) session.loadOlder();
				return dispatch({ type: 'scroll', to: top });
			}
			case 'scroll-bottom':
				return dispatch({ type: 'scroll', to: 0 });
			case 'history-previous':
				return recallInput(-1);
			case 'history-next':
				return recallInput(1);
			case 'complete':
				return complete();
			case 'submit':
				if (submit(line.text)) setLine(EMPTY_LINE);
				return;
			case 'newline':
				return setLine(insertText(line, '\n', true));
			case 'close-overlay':
				// With no overlay open, Esc keeps editing a long message instead of sending it, and cancels a file transfer in progress.
				confirming.current = undefined;
				transfers.cancel();
				return;
			// search
			case 'search':
				return dispatch({ type: 'overlay', overlay: searchPrompt(searchScope(state, false)) });
		}
		const edited = editLine(line, press);
		if (!edited) return;
		setLine(edited);
		const open = selectedConversation(state);
		if (open && edited.text !== line.text && edited.text.trim() !== '' && !edited.text.startsWith('/')) {
			session.noteTyping(peerOf(open));
		}
	});

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
		main = <MembersOverlay group={state.overlay.group} members={state.overlay.members} width={width} height={mainHeight} />;
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
			? `${friend.alias ? `${friend.username}, ` : ''}${friend.online ? 'online' : 'offline'}`
			: group?.description || (open ? undefined : 'notices, requests and command output');
		main = (
			<Box>
				<Sidebar
					contacts={contacts}
					groups={groups}
					requests={state.requests.filter((request) => request.to.toLowerCase() === state.me.toLowerCase())}
					selected={state.selected}
					statusUnread={state.unread[STATUS] ?? 0}
					width={SIDEBAR_WIDTH}
					height={mainHeight}
				/>
				<MessageLog
					title={title}
					subtitle={subtitle}
					entries={state.logs[state.selected] ?? []}
					me={state.me}
					width={logWidth}
					height={logHeight}
					scroll={state.scroll}
					marked={marked?.id}
				/>
			</Box>
		);
	}

	const target = state.question?.prompt ?? (open ? (open.kind === 'group' ? `#${open.name}` : open.label) : 'status');
	const placeholder = state.question ? 'Enter to go on · Esc cancels' : open ? 'type a message, or /help' : '/msg <user>, /join <group>, /help';
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
				focused={!state.overlay}
			/>
			<StatusBar
				user={state.me}
				server={state.server}
				connection={state.connection}
				now={now}
				hosting={state.hosting}
				pending={unsentCount(state)}
				typing={state.selected === STATUS ? [] : typingIn(state, state.selected, now)}
				width={width}
			/>
		</Box>
	);
}
