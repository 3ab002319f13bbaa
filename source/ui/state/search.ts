import type { ChatClient } from '../../client/index.js';
import { ProtocolError, SEARCH_DEFAULT_LIMIT, type Message } from '../../protocol/index.js';
import type { KeyPress } from '../keys.js';
import type { ChatAction, ChatState, SearchOverlay } from './chat-state.js';
import { selectedConversation } from './chat-state.js';
import { peerOf } from './conversations.js';
import { editLine, lineOf } from './line-editor.js';

/**
 * The search overlay's work: running a search (and its next pages) against
 * the server, and what each key does while the overlay is open. Results go
 * through the reducer tagged with their run, so a late page of an earlier
 * search never lands in a newer one.
 */

/** What searching needs of the chat screen. */
export interface SearchContext {
	client: ChatClient;
	dispatch(action: ChatAction): void;
	/** Opens the hit's conversation with the log scrolled to it. */
	reveal(hit: Message): void;
	/** How many hits the overlay shows at once (PgUp/PgDn move by that). */
	pageSize: number;
}

let runs = 0;

/** The open conversation to search in, or undefined (every conversation) on the status log or with `all`. */
export function searchScope(state: ChatState, all: boolean): SearchOverlay['within'] {
	const open = selectedConversation(state);
	if (all || !open) return undefined;
	return { key: open.key, label: open.kind === 'group' ? `# ${open.name}` : `@ ${open.label}`, peer: peerOf(open) };
}

/** The overlay, waiting for words (Ctrl-F, or /search without any). */
export function searchPrompt(within: SearchOverlay['within'], query = ''): SearchOverlay {
	return { kind: 'search', within, query, searched: undefined, run: ++runs, hits: [], index: 0, status: 'idle', complete: false };
}

function describeError(error: unknown): string {
	if (error instanceof ProtocolError) return `${error.message} (${error.code})`;
	return error instanceof Error ? error.message : String(error);
}

function fetchHits(context: Pick<SearchContext, 'client' | 'dispatch'>, overlay: SearchOverlay, before: string | undefined): void {
	const { client, dispatch } = context;
	const query = overlay.searched ?? overlay.query;
	client
		.request('search', {
			query,
			...(overlay.within && { with: overlay.within.peer }),
			...(before !== undefined && { before }),
			limit: SEARCH_DEFAULT_LIMIT,
		})
		.then(
			({ messages }) =>
				dispatch({
					type: 'search-page',
					run: overlay.run,
					hits: messages,
					complete: messages.length < SEARCH_DEFAULT_LIMIT,
					append: before !== undefined,
				}),
			(error: unknown) => dispatch({ type: 'search-failed', run: overlay.run, error: describeError(error) }),
		);
}

/** Shows the overlay searching for `query` (trimmed; blank only prompts) and asks the server for the first page. */
export function startSearch(context: Pick<SearchContext, 'client' | 'dispatch'>, within: SearchOverlay['within'], query: string): void {
	const words = query.trim();
	if (!words) {
		context.dispatch({ type: 'overlay', overlay: searchPrompt(within) });
		return;
	}
	const overlay: SearchOverlay = { ...searchPrompt(within, words), searched: words, status: 'loading' };
	context.dispatch({ type: 'overlay', overlay });
	fetchHits(context, overlay, undefined);
}

/** The next page of hits, older than the last one shown, unless one is on its way or there is no more. */
function searchMore(context: SearchContext, overlay: SearchOverlay): void {
	const last = overlay.hits.at(-1);
	if (!last || overlay.complete || overlay.status === 'loading') return;
	context.dispatch({ type: 'overlay', overlay: { ...overlay, status: 'loading' } });
	fetchHits(context, overlay, last.id);
}

/** Moves the choice by `step` hits; past the last one it loads the next page. */
function move(context: SearchContext, overlay: SearchOverlay, step: number): void {
	const wanted = overlay.index + step;
	if (wanted >= overlay.hits.length) searchMore(context, overlay);
	const index = Math.max(0, Math.min(overlay.hits.length - 1, wanted));
	if (index !== overlay.index) context.dispatch({ type: 'overlay', overlay: { ...overlay, index } });
}

/**
 * A key in the search overlay (Esc is handled with the other overlays):
 * Up/Down and PgUp/PgDn choose a hit, Enter searches when the words changed
 * and otherwise jumps to the chosen hit; the rest edits the words.
 */
export function searchOverlayKey(context: SearchContext, overlay: SearchOverlay, press: KeyPress): void {
	switch (press.name) {
		case 'enter': {
			const words = overlay.query.trim();
			// New words, or the last try failed: search (again).
			if (words && (words !== overlay.searched || overlay.status === 'error')) return startSearch(context, overlay.within, words);
			const hit = overlay.hits[overlay.index];
			if (hit) context.reveal(hit);
			return;
		}
		case 'down':
			return move(context, overlay, 1);
		case 'up':
			return move(context, overlay, -1);
		case 'pagedown':
			return move(context, overlay, context.pageSize);
		case 'pageup':
			return move(context, overlay, -context.pageSize);
	}
	const edited = editLine(lineOf(overlay.query), press);
	if (edited) context.dispatch({ type: 'overlay', overlay: { ...overlay, query: edited.text } });
}
