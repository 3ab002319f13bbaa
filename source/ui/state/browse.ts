import { describeError } from '../format/error-text.js';
import { boundAction, BROWSE_KEYS, type KeyPress } from '../keys.js';
import type { BrowseOverlay } from './chat-state.js';
import { joinGroup, type GroupContext } from './groups.js';

/**
 * The public groups overlay (/groups [words]): what the server lists for the
 * words (public groups only, most members first), and Enter joining the
 * chosen one.
 */

/** Opens the overlay at once (loading), then shows the server's answer, unless it was closed meanwhile. */
export async function openBrowse(context: Pick<GroupContext, 'client' | 'dispatch'>, query: string): Promise<void> {
	const loading: BrowseOverlay = { kind: 'browse', query, groups: [], index: 0, status: 'loading' };
	context.dispatch({ type: 'overlay', overlay: loading });
	try {
		const { groups } = await context.client.request('groups.browse', query ? { query } : {});
		context.dispatch({ type: 'overlay-refresh', overlay: { ...loading, groups, status: 'done' } });
	} catch (error) {
		context.dispatch({ type: 'overlay-refresh', overlay: { ...loading, status: 'done', note: { text: describeError(error), tone: 'error' } } });
	}
}

/** A key in the browse overlay (Esc is handled with the other overlays). */
export function browseOverlayKey(context: GroupContext, overlay: BrowseOverlay, press: KeyPress): void {
	const { dispatch } = context;
	const move = (step: number) =>
		dispatch({ type: 'overlay', overlay: { ...overlay, index: Math.max(0, Math.min(overlay.groups.length - 1, overlay.index + step)) } });
	switch (boundAction(BROWSE_KEYS, press)) {
		case 'group-previous':
			return move(-1);
		case 'group-next':
			return move(1);
		case 'join': {
			const chosen = overlay.groups[overlay.index];
			if (!chosen) return;
			// Joining opens the group, which closes the overlay; a refusal stays in it.
			joinGroup(context, chosen.name).catch((error: unknown) =>
				dispatch({ type: 'overlay-refresh', overlay: { ...overlay, note: { text: describeError(error), tone: 'error' } } }),
			);
		}
	}
}
