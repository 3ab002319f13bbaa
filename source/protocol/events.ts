import { z } from 'zod';
import { Username } from './fields.js';
import { Friend, Group, Message, RemovedFriend } from './objects.js';

/** Frames the server sends unasked (no `re`), by type. */
export const eventFields = {
	message: z.object({ message: Message }),
	presence: z.object({ username: Username, online: z.boolean() }),
	'friend.request': z.object({ from: Username }),
	'friend.update': z.object({ friend: z.union([RemovedFriend, Friend]) }),
	'group.update': z.object({
		group: Group,
		event: z.enum(['joined', 'left', 'deleted']),
		username: Username,
	}),
	notice: z.object({ text: z.string() }),
} as const;

export type EventType = keyof typeof eventFields;
export const EVENT_TYPES = Object.keys(eventFields) as EventType[];

export type EventOf<T extends EventType> = z.output<(typeof eventFields)[T]>;

/** An event as it travels: its fields plus its `type`. */
export type EventFrame = { [T in EventType]: { type: T } & EventOf<T> }[EventType];
