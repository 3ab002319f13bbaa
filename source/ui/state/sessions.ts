import type { ChatClient } from '../../client/index.js';
import type { SessionInfo } from '../../protocol/index.js';
import { describeError } from '../format/error-text.js';
import { sessionsActionFor, type KeyPress } from '../keys.js';
import type { ChatAction, SessionsOverlay } from './chat-state.js';

/**
 * The sessions overlay's work (/sessions): listing the user's logins and
 * revoking them. The overlay's state lives in the reducer; a list that comes
 * back after the overlay was closed does not open it again.
 */

/** What the sessions overlay needs of the chat screen. */
export interface SessionsContext {
	client: Pick<ChatClient, 'request'>;
	dispatch(action: ChatAction): void;
}

/** This session first, then the online ones, then the most recently seen. */
export function orderSessions(sessions: SessionInfo[]): SessionInfo[] {
	return [...sessions].sort(
		(a, b) => Number(b.current) - Number(a.current) || Number(b.online) - Number(a.online) || b.lastSeen.localeCompare(a.lastSeen),
	);
}

/** How a session is named to the user: the label its client gave at login. */
export function sessionLabel(session: SessionInfo): string {
	return session.device || 'an unnamed device';
}

/** Asks the server for the list and opens the overlay on it. */
export async function openSessions(context: SessionsContext): Promise<void> {
	const { sessions } = await context.client.request('sessions.list', {});
	context.dispatch({ type: 'overlay', overlay: { kind: 'sessions', sessions: orderSessions(sessions), index: 0 } });
}

/** The overlay as it is, with a line saying what happened. */
function noted(overlay: SessionsOverlay, text: string, tone: 'info' | 'error'): ChatAction {
	return { type: 'sessions', overlay: { ...overlay, note: { text, tone } } };
}

/** Revokes, then shows the list as the server now has it, with `done` said above it. */
async function revoke(context: SessionsContext, overlay: SessionsOverlay, target: { session: string } | { all: true }, done: string) {
	const { client, dispatch } = context;
	try {
		await client.request('sessions.revoke', target);
		const { sessions } = await client.request('sessions.list', {});
		const index = Math.min(overlay.index, sessions.length - 1);
		dispatch({ type: 'sessions', overlay: { kind: 'sessions', sessions: orderSessions(sessions), index, note: { text: done, tone: 'info' } } });
	} catch (error) {
		dispatch(noted(overlay, describeError(error), 'error'));
	}
}

/** A key in the sessions overlay (Esc is handled with the other overlays); the keys are SESSIONS_KEY_BINDINGS. */
export function sessionsOverlayKey(context: SessionsContext, overlay: SessionsOverlay, press: KeyPress): void {
	const { dispatch } = context;
	const chosen = overlay.sessions[overlay.index];
	switch (sessionsActionFor(press)) {
		case 'session-previous':
			return dispatch({ type: 'sessions', overlay: { ...overlay, index: Math.max(0, overlay.index - 1) } });
		case 'session-next':
			return dispatch({ type: 'sessions', overlay: { ...overlay, index: Math.min(overlay.sessions.length - 1, overlay.index + 1) } });
		case 'revoke-session':
			if (!chosen) return;
			if (chosen.current) return dispatch(noted(overlay, 'that is this session: /logout logs it out', 'error'));
			return void revoke(context, overlay, { session: chosen.id }, `logged out ${sessionLabel(chosen)}`);
		case 'revoke-others':
			if (!overlay.sessions.some((session) => !session.current)) return dispatch(noted(overlay, 'there is no other session', 'info'));
			return void revoke(context, overlay, { all: true }, 'every other session was logged out');
	}
}
