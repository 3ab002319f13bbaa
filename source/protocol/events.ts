import { z } from 'zod';
import { Peer, Seq, Username } from './fields.js';
import { DeclinedFriend, Friend, Group, Message, RemovedFriend } from './objects.js';

/** Frames the server sends unasked (no `re`), by type. */
export const eventFields = {
	message: z.object({ message: Message }),
	presence: z.object({ username: Username, online: z.boolean() }),
	'friend.request': z.object({ from: Username }),
	'friend.update': z.object({ friend: z.union([RemovedFriend, DeclinedFriend, Friend]) }),
	'group.update': z.object({
		group: Group,
		event: z.enum(['joined', 'left', 'deleted']),
		username: Username,
	}),
	notice: z.object({ text: z.string() }),
	/** Another session of the same user read the conversation up to `seq`. */
	read: z.object({ with: Peer, seq: Seq }),
	/**
	 * This session's login was revoked (`sessions.revoke`, a password change or
	 * account deletion elsewhere); the server closes the connection with 4001 next.
	 */
	// Loose: zod types an empty strict object as Record<string, never>, which no frame with a `type` matches.
	'session.revoked': z.looseObject({}),
	/** `from` is typing to `to` (as a message would be addressed: the receiver's name, or the group). */
	typing: z.object({ from: Username, to: Peer }),
} as const;

export type EventType = keyof typeof eventFields;
export const EVENT_TYPES = Object.keys(eventFields) as EventType[];

export type EventOf<T extends EventType> = z.output<(typeof eventFields)[T]>;

/** An event as it travels: its fields plus its `type`. */
export type EventFrame = { [T in EventType]: { type: T } & EventOf<T> }[EventType];
