import { z } from 'zod';
import { Cid, GroupName, Peer, Seq, Timestamp, Username } from './fields.js';

/** A registered account as others see it. */
export const User = z.object({
	username: Username,
});
export type User = z.infer<typeof User>;

/** A friend as its owner sees it: the alias is private to the owner (null when unset). */
export const Friend = z.object({
	username: Username,
	alias: z.string().nullable(),
	online: z.boolean(),
});
export type Friend = z.infer<typeof Friend>;

/** `friend.update` carries this when a friendship ends. */
export const RemovedFriend = z.object({
	username: Username,
	removed: z.literal(true),
});
export type RemovedFriend = z.infer<typeof RemovedFriend>;

/** A pending friend request; `requests` lists those to and from the user. */
export const FriendRequest = z.object({
	from: Username,
	to: Username,
	ts: Timestamp,
});
export type FriendRequest = z.infer<typeof FriendRequest>;

export const Role = z.enum(['creator', 'normal']);
export type Role = z.infer<typeof Role>;

/** A group; `role` is the receiving user's own role, present where it is known. */
export const Group = z.object({
	name: GroupName,
	description: z.string(),
	creator: Username.optional(),
	role: Role.optional(),
});
export type Group = z.infer<typeof Group>;

export const Member = z.object({
	username: Username,
	role: Role,
	online: z.boolean(),
});
export type Member = z.infer<typeof Member>;

export const FoundUser = z.object({
	username: Username,
	online: z.boolean(),
});
export type FoundUser = z.infer<typeof FoundUser>;

export const Message = z.object({
	id: z.string(),
	seq: Seq,
	from: Username,
	to: Peer,
	text: z.string(),
	ts: Timestamp,
	cid: Cid,
});
export type Message = z.infer<typeof Message>;
