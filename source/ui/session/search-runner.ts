import type { ChatClient } from '../../client/index.js';
import { SEARCH_DEFAULT_LIMIT, type Message } from '../../protocol/index.js';
import { describeError } from '../format/error-text.js';
import type { ChatAction, SearchOverlay } from '../state/chat-state.js';
import { searchPrompt } from '../state/search.js';

/**
 * The search overlay's work against the server: running a search and its
 * next pages. Results go through the reducer tagged with their run, so a late
 * page of an earlier search never lands in a newer one.
 */
export class SearchRunner {
	constructor(
		private readonly client: Pick<ChatClient, 'request'>,
		private readonly dispatch: (action: ChatAction) => void,
		/** Opens the hit's conversation with the log scrolled to it. */
		private readonly reveal: (hit: Message) => void,
	) {}

	/** Shows the overlay searching for `query` (trimmed; blank only prompts) and asks the server for the first page. */
	start(within: SearchOverlay['within'], query: string): void {
		const words = query.trim();
		if (!words) {
			this.dispatch({ type: 'overlay', overlay: searchPrompt(within) });
			return;
		}
		const overlay: SearchOverlay = { ...searchPrompt(within, words), searched: words, status: 'loading' };
		this.dispatch({ type: 'overlay', overlay });
		this.#fetch(overlay, undefined);
	}

	/** Enter: searches when the words changed (or the last try failed), and otherwise jumps to the chosen hit. */
	submit(overlay: SearchOverlay): void {
		const words = overlay.query.trim();
		if (words && (words !== overlay.searched || overlay.status === 'error')) return this.start(overlay.within, words);
		const hit = overlay.hits[overlay.index];
		if (hit) this.reveal(hit);
	}

	/** Moves the choice by `step` hits; past the last one it loads the next page. */
	move(overlay: SearchOverlay, step: number): void {
		const wanted = overlay.index + step;
		if (wanted >= overlay.hits.length) this.#more(overlay);
		const index = Math.max(0, Math.min(overlay.hits.length - 1, wanted));
		if (index !== overlay.index) this.dispatch({ type: 'overlay', overlay: { ...overlay, index } });
	}

	/** The next page of hits, older than the last one shown, unless one is on its way or there is no more. */
	#more(overlay: SearchOverlay): void {
		const last = overlay.hits.at(-1);
		if (!last || overlay.complete || overlay.status === 'loading') return;
		this.dispatch({ type: 'overlay', overlay: { ...overlay, status: 'loading' } });
		this.#fetch(overlay, last.id);
	}

	#fetch(overlay: SearchOverlay, before: string | undefined): void {
		const query = overlay.searched ?? overlay.query;
		this.client
			.request('search', {
				query,
				...(overlay.within && { with: overlay.within.peer }),
				...(before !== undefined && { before }),
				limit: SEARCH_DEFAULT_LIMIT,
			})
			.then(
				({ messages }) =>
					this.dispatch({
						type: 'search-page',
						run: overlay.run,
						hits: messages,
						complete: messages.length < SEARCH_DEFAULT_LIMIT,
						append: before !== undefined,
					}),
				(error: unknown) => this.dispatch({ type: 'search-failed', run: overlay.run, error: describeError(error) }),
			);
	}
}
