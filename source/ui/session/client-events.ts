import type { ChatClient } from '../../client/index.js';
import { EVENT_TYPES, TYPING_SHOWN_MS, type EventFrame, type EventOf, type EventType, type Message } from '../../protocol/index.js';
import type { ChatAction } from '../state/chat-state.js';
import { groupKey, keyOfPeer, userKey } from '../state/conversations.js';

/** What the session does itself with an event, beyond turning it into an action. */
export interface SessionEventHooks {
	/** A message arrived: the session keeps it and decides on the bell. */
	message(message: Message): void;
	/** Logged in again after a reconnect (the lists are dispatched already). */
	loggedInAgain(): void;
}

export interface ClientEventWiring {
	/** Listens to the client; returns the functions that stop listening. */
	listen(client: ChatClient): Array<() => void>;
	/** An event that came before the session listened, handled as if it came now. */
	replay(event: EventFrame): void;
}

/** ChatClient events → reducer actions: one handler per server event, and the connection's own events. */
export function eventActions(dispatch: (action: ChatAction) => void, hooks: SessionEventHooks): ClientEventWiring {
	const onEvent: { [T in EventType]: (event: EventOf<T>) => void } = {
		message: ({ message }) => hooks.message(message),
		read: ({ with: peer, seq }) => dispatch({ type: 'read', key: keyOfPeer(peer), seq }),
		typing: ({ from, to }) => {
			const key = 'group' in to ? groupKey(to.group) : userKey(from);
			dispatch({ type: 'typing', key, username: from, until: Date.now() + TYPING_SHOWN_MS });
		},
		presence: ({ username, online }) => dispatch({ type: 'presence', username, online }),
		'friend.request': ({ from }) => dispatch({ type: 'friend-request', from }),
		'friend.update': ({ friend }) => dispatch({ type: 'friend-update', friend }),
		'group.update': (update) => dispatch({ type: 'group-update', ...update }),
		'group.invite': ({ group, from }) => dispatch({ type: 'group-invite', group, from }),
		notice: ({ text }) => dispatch({ type: 'system', text, tone: 'notice' }),
		// The App takes the user back to the log-in screen (ChatClient's `revoked`).
		'session.revoked': () => undefined,
	};
	return {
		listen: (client) => [
			...EVENT_TYPES.map((type) => client.on(type, onEvent[type] as (event: EventOf<typeof type>) => void)),
			client.on('state', (change) => dispatch({ type: 'connection', change })),
			client.on('login', (result) => {
				// After a reconnect: lists may have changed, and another session may have had messages we missed.
				if (!('friends' in result)) return;
				const { friends, groups, requests, unread, invites } = result;
				dispatch({ type: 'logged-in', friends, groups, requests, unread, invites });
				hooks.loggedInAgain();
			}),
		],
		replay: ({ type, ...event }) => (onEvent[type] as (event: unknown) => void)(event),
	};
}
