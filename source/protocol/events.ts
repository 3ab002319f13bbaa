import { z } from 'zod';
import { GroupName, Peer, Seq, Username } from './fields.js';
import { DeclinedFriend, Friend, Group, Message, RemovedFriend, Role } from './objects.js';

export const GroupEvent = z.enum(['joined', 'left', 'deleted', 'invited', 'kicked', 'banned', 'role', 'updated']);
export type GroupEvent = z.infer<typeof GroupEvent>;

/** Frames the server sends unasked (no `re`), by type. */
export const eventFields = {
	message: z.object({ message: Message }),
	presence: z.object({ username: Username, online: z.boolean() }),
	'friend.request': z.object({ from: Username }),
	'friend.update': z.object({ friend: z.union([RemovedFriend, DeclinedFriend, Friend]) }),
	/**
	 * `username` is who joined, left, was invited, kicked, banned or given a
	 * role; for `updated` and `deleted` it is who did it. `by` is who did it
	 * (absent for `joined` and `left`, which the user does themselves); `role`
	 * is the new role, with `role`.
	 */
	'group.update': z.object({
		group: Group,
		event: GroupEvent,
		username: Username,
		by: Username.optional(),
		role: Role.optional(),
	}),
	/** The user was invited to a group by `from`: `groups.join` accepts, `groups.decline` declines. */
	'group.invite': z.object({ group: GroupName, from: Username }),
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
