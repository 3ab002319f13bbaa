import { boundAction, SEARCH_KEYS, type KeyPress } from '../keys.js';
import type { ChatAction, ChatState, SearchOverlay } from './chat-state.js';
import { selectedConversation } from './chat-state.js';
import { peerOf } from './conversations.js';
import { editLine, lineOf } from './line-editor.js';

/**
 * The search overlay's state: its scope, a fresh prompt, and what each key
 * does while it is open. The requests are the session's (SearchRunner).
 */

/** What the overlay's keys need: the session's search and how many hits show at once. */
export interface SearchContext {
	dispatch(action: ChatAction): void;
	search: {
		submit(overlay: SearchOverlay): void;
		move(overlay: SearchOverlay, step: number): void;
	};
	/** How many hits the overlay shows at once (PgUp/PgDn move by that). */
	pageSize: number;
}

/** The open conversation to search in, or undefined (every conversation) on the status log or with `all`. */
export function searchScope(state: ChatState, all: boolean): SearchOverlay['within'] {
	const open = selectedConversation(state);
	if (all || !open) return undefined;
	return { key: open.key, label: open.kind === 'group' ? `# ${open.name}` : `@ ${open.label}`, peer: peerOf(open) };
}

/** The overlay, waiting for words (Ctrl-F, or /search without any); its run is new, so no earlier search's pages land in it. */
export function searchPrompt(within: SearchOverlay['within'], query = ''): SearchOverlay {
	return { kind: 'search', within, query, searched: undefined, run: Symbol('search'), hits: [], index: 0, status: 'idle', complete: false };
}

/** A key in the search overlay (SEARCH_KEYS; Esc is handled with the other overlays); the rest edits the words. */
export function searchOverlayKey(context: SearchContext, overlay: SearchOverlay, press: KeyPress): void {
	const { search, pageSize } = context;
	switch (boundAction(SEARCH_KEYS, press)) {
		case 'submit':
			return search.submit(overlay);
		case 'next-hit':
			return search.move(overlay, 1);
		case 'previous-hit':
			return search.move(overlay, -1);
		case 'next-page':
			return search.move(overlay, pageSize);
		case 'previous-page':
			return search.move(overlay, -pageSize);
	}
	const edited = editLine(lineOf(overlay.query), press);
	if (edited) context.dispatch({ type: 'overlay', overlay: { ...overlay, query: edited.text } });
}
