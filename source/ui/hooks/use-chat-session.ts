import { useSyncExternalStore } from 'react';
import type { ChatSession, SessionSnapshot } from '../session/chat-session.js';

/** The session's state and clock for a component: it draws again whenever they change. The session owns both. */
export function useChatSession(session: ChatSession): SessionSnapshot {
	return useSyncExternalStore(session.subscribe, session.snapshot);
}
