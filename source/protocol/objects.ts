import { z } from 'zod';
import { Cid, GroupName, Peer, Seq, Sha256, Timestamp, Username } from './fields.js';

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

/** `friend.update` carries this to the asker when the user they asked declines. */
export const DeclinedFriend = z.object({
	username: Username,
	declined: z.literal(true),
});
export type DeclinedFriend = z.infer<typeof DeclinedFriend>;

/** A pending friend request; `requests` lists those to and from the user. */
export const FriendRequest = z.object({
	from: Username,
	to: Username,
	ts: Timestamp,
});
export type FriendRequest = z.infer<typeof FriendRequest>;

/** `creator` (exactly one per group: its owner), `admin` (moderates `normal` members), `normal`. */
export const Role = z.enum(['creator', 'admin', 'normal']);
export type Role = z.infer<typeof Role>;

/** A private group is joined by invite only; a public one by anyone not banned, and `groups.browse` lists it. */
export const Visibility = z.enum(['private', 'public']);
export type Visibility = z.infer<typeof Visibility>;

/**
 * A group; `role` is the receiving user's own role, present where it is known.
 * `visibility` and `members` (a count) are optional only so that a client
 * still reads a server from before they were added; this server always sends them.
 */
export const Group = z.object({
	name: GroupName,
	description: z.string(),
	creator: Username.optional(),
	role: Role.optional(),
	visibility: Visibility.optional(),
	members: z.number().int().nonnegative().optional(),
});
export type Group = z.infer<typeof Group>;

/** A public group as `groups.browse` lists it. */
export const BrowsedGroup = z.object({
	name: GroupName,
	description: z.string(),
	members: z.number().int().nonnegative(),
});
export type BrowsedGroup = z.infer<typeof BrowsedGroup>;

/** A pending invite to a group, as `login` lists the invitee's. */
export const GroupInvite = z.object({
	group: GroupName,
	from: Username,
	ts: Timestamp,
});
export type GroupInvite = z.infer<typeof GroupInvite>;

export const Member = z.object({
	username: Username,
	role: Role,
	online: z.boolean(),
});
export type Member = z.infer<typeof Member>;

export const FoundUser = z.object({
	username: Username,
	/** Only for friends and co-members; absent for anyone else, whose presence is not the asker's to see. */
	online: z.boolean().optional(),
});
export type FoundUser = z.infer<typeof FoundUser>;

/**
 * A file as a message carries it: fetch its bytes over HTTP at `/files/<id>`.
 * Its name and type are plain strings here, not clean text: what a server
 * sends is drawn through the client's sanitiser, and one hostile file name
 * must not make a whole history page unreadable.
 */
export const FileInfo = z.object({
	id: z.string(),
	name: z.string(),
	size: z.number().int().nonnegative(),
	/** The MIME type (`mime`, since a request's own `type` is its op). */
	mime: z.string(),
	sha256: Sha256,
});
export type FileInfo = z.infer<typeof FileInfo>;

export const Message = z.object({
	id: z.string(),
	seq: Seq,
	from: Username,
	to: Peer,
	text: z.string(),
	ts: Timestamp,
	cid: Cid,
	/** Present when the message carries a file (its text is then the caption, or the file's name). */
	file: FileInfo.optional(),
	/** True when the sender has since deleted their account: the message stays, under their name, marked so. */
	senderDeleted: z.literal(true).optional(),
});
export type Message = z.infer<typeof Message>;

/**
 * Where the user stands in one conversation: the newest seq they have read
 * (0 for none), the newest seq there is, and how many messages from others
 * lie after the read one. Kept on the server, so every device agrees.
 */
export const ReadState = z.object({
	with: Peer,
	read: Seq,
	last: Seq,
	unread: z.number().int().nonnegative(),
});
export type ReadState = z.infer<typeof ReadState>;

/** An upload the server expects: the file it will be, and how many bytes it has so far. */
export const Upload = z.object({
	file: FileInfo,
	received: z.number().int().nonnegative(),
	/** The HTTP path to PUT the bytes to (and GET them from once complete): `/files/<id>`. */
	path: z.string(),
});
export type Upload = z.infer<typeof Upload>;

/** One login of the user's (a token), as `sessions.list` shows it. */
export const SessionInfo = z.object({
	/** Names the session in `sessions.revoke`. */
	id: z.string(),
	/** The label the client gave at login (`chat-tui on laptop`); empty when it gave none. */
	device: z.string(),
	created: Timestamp,
	/** When the session was last connected (now, for one that is). */
	lastSeen: Timestamp,
	/** The session that asked. */
	current: z.boolean(),
	/** Whether it has a live connection now, on any instance. */
	online: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
