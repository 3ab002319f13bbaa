import { filterConversations } from '../components/quick-switcher.js';
import { boundAction, HELP_KEYS, OVERLAY_KEYS, SWITCHER_KEYS, type KeyPress } from '../keys.js';
import { browseOverlayKey } from '../state/browse.js';
import { conversationList, type ChatAction, type ChatState, type Overlay } from '../state/chat-state.js';
import type { GroupContext } from '../state/groups.js';
import { editLine, lineOf } from '../state/line-editor.js';
import { membersOverlayKey } from '../state/members.js';
import { searchOverlayKey, type SearchContext } from '../state/search.js';
import { sessionsOverlayKey, type SessionsContext } from '../state/sessions.js';

/** What the overlays' keys need: the session's parts, and how much of the screen the overlay has. */
export interface OverlayContext extends SearchContext, SessionsContext, GroupContext {
	state: ChatState;
	dispatch(action: ChatAction): void;
	/** Rows an overlay takes, and how far help can scroll in them. */
	rows: number;
	helpScrollLimit: number;
}

type OverlayOf<Kind extends Overlay['kind']> = Extract<Overlay, { kind: Kind }>;

/** Each overlay's keys, by kind: its own table, then editing for those that take text. */
const OVERLAY_HANDLERS: { [Kind in Overlay['kind']]: (context: OverlayContext, overlay: OverlayOf<Kind>, press: KeyPress) => void } = {
	search: searchOverlayKey,
	sessions: sessionsOverlayKey,
	help: helpKey,
	members: membersOverlayKey,
	browse: browseOverlayKey,
	switcher: switcherKey,
};

/** A key while an overlay is open: Esc or Ctrl-C closes any of them (OVERLAY_KEYS), the rest is the overlay's. */
export function overlayKey(context: OverlayContext, overlay: Overlay, press: KeyPress): void {
	if (boundAction(OVERLAY_KEYS, press) === 'close') return context.dispatch({ type: 'overlay', overlay: undefined });
	(OVERLAY_HANDLERS[overlay.kind] as (context: OverlayContext, overlay: Overlay, press: KeyPress) => void)(context, overlay, press);
}

function helpKey(context: OverlayContext, overlay: OverlayOf<'help'>, press: KeyPress): void {
	const action = boundAction(HELP_KEYS, press);
	if (action === undefined) return;
	if (action === 'close') return context.dispatch({ type: 'overlay', overlay: undefined });
	const page = context.rows - 5;
	const step = { 'scroll-down': 1, 'scroll-up': -1, 'page-down': page, 'page-up': -page }[action];
	const offset = Math.max(0, Math.min(context.helpScrollLimit, overlay.offset + step));
	context.dispatch({ type: 'overlay', overlay: { ...overlay, offset } });
}

function switcherKey(context: OverlayContext, overlay: OverlayOf<'switcher'>, press: KeyPress): void {
	const { dispatch } = context;
	const matches = filterConversations(conversationList(context.state), overlay.filter);
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
