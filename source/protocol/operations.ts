import { z } from 'zod';
import {
	Alias,
	BrowseQuery,
	Cid,
	Description,
	Device,
	FileName,
	FileType,
	GroupName,
	Password,
	Peer,
	Query,
	SearchQuery,
	Seq,
	Sha256,
	Text,
	Token,
	Username,
} from './fields.js';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT } from './limits.js';
import {
	BrowsedGroup,
	FoundUser,
	Friend,
	FriendRequest,
	Group,
	GroupInvite,
	Member,
	Message,
	ReadState,
	SessionInfo,
	Upload,
	User,
	Visibility,
} from './objects.js';

/** A page size: asking for more than the maximum is not an error, the page is just capped. */
function pageLimit(defaultLimit: number, maxLimit: number) {
	return z
		.number()
		.int()
		.positive()
		.default(defaultLimit)
		.transform((limit) => Math.min(limit, maxLimit));
}

/**
 * The fields of each client request, by op (the `type` and `id` every request
 * carries are added in frames.ts). Unknown extra fields are ignored so that
 * newer clients can add optional fields without breaking older servers.
 */
export const requestFields = {
	/** `device` labels the session the registration logs in, as `login`'s does. */
	register: z.object({ username: Username, password: Password, device: Device.optional() }),
	/** `device` labels the session in `sessions.list` (`chat-tui on laptop`). */
	login: z.union([
		z.object({ username: Username, password: Password, device: Device.optional() }),
		z.object({ token: Token, device: Device.optional() }),
	]),
	logout: z.object({}),
	/** Changes the password; every other session of the user is revoked. */
	'account.password': z.object({ current: Password, password: Password }),
	/** Deletes the account: it can no longer log in, its name stays taken, what it wrote stays under its name. */
	'account.delete': z.object({ password: Password }),
	'sessions.list': z.object({}),
	/**
	 * One session by its id from `sessions.list`, or every session but this one.
	 * Not strict objects: the fields are read from the whole frame, whose `type` and `id` a strict one would refuse.
	 */
	'sessions.revoke': z.union([z.object({ session: z.string().min(1).max(64) }), z.object({ all: z.literal(true) })]),
	/** Nothing of an ignored user reaches the one who ignores them, and nothing tells them. */
	'ignore.add': z.object({ username: Username }),
	'ignore.remove': z.object({ username: Username }),
	'ignore.list': z.object({}),
	'users.find': z.object({ query: Query }),
	'friends.request': z.object({ username: Username }),
	'friends.accept': z.object({ username: Username }),
	'friends.decline': z.object({ username: Username }),
	'friends.remove': z.object({ username: Username }),
	'friends.alias': z.object({ username: Username, alias: Alias }),
	'friends.list': z.object({}),
	/** A group is private (joined by invite only) unless created public. */
	'groups.create': z.object({ name: GroupName, description: Description.optional(), visibility: Visibility.default('private') }),
	/** A public group, or a private one the user has a pending invite to (joining accepts it). */
	'groups.join': z.object({ name: GroupName }),
	'groups.leave': z.object({ name: GroupName }),
	'groups.delete': z.object({ name: GroupName }),
	'groups.members': z.object({ name: GroupName }),
	'groups.list': z.object({}),
	'groups.invite': z.object({ name: GroupName, username: Username }),
	/** Declines the user's pending invite to the group. */
	'groups.decline': z.object({ name: GroupName }),
	'groups.kick': z.object({ name: GroupName, username: Username }),
	'groups.ban': z.object({ name: GroupName, username: Username }),
	'groups.unban': z.object({ name: GroupName, username: Username }),
	'groups.bans': z.object({ name: GroupName }),
	'groups.role': z.object({ name: GroupName, username: Username, role: z.enum(['admin', 'normal']) }),
	'groups.transfer': z.object({ name: GroupName, username: Username }),
	'groups.update': z.object({ name: GroupName, description: Description.optional(), visibility: Visibility.optional() }),
	'groups.browse': z.object({ query: BrowseQuery.optional() }),
	/** `file`: the id of a completed upload of the sender's to the same conversation. */
	send: z.object({ to: Peer, text: Text, cid: Cid, file: z.string().min(1).max(64).optional() }),
	history: z.object({ with: Peer, before: Seq.optional(), limit: pageLimit(HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT) }),
	/** Messages whose text holds every word (prefixes match), newest first; in one conversation or in all of the user's. */
	search: z.object({
		query: SearchQuery,
		with: Peer.optional(),
		/** A message id from the previous page: only older hits. */
		before: z.string().min(1).max(64).optional(),
		limit: pageLimit(SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT),
	}),
	/** The user has read the conversation up to `seq`; a cursor only moves forward. */
	read: z.object({ with: Peer, seq: Seq }),
	/** The user's read state in every conversation that has messages. */
	unread: z.object({}),
	/** The user is typing in the conversation (sent at most every few seconds; never stored). */
	typing: z.object({ to: Peer }),
	/** Announces a file to upload into a conversation; asked again for the same file, it returns the upload so far (resume). */
	'files.upload': z.object({ to: Peer, name: FileName, size: z.number().int().nonnegative(), mime: FileType, sha256: Sha256 }),
} as const;

const loginResult = z.object({
	user: User,
	token: Token,
	friends: z.array(Friend),
	groups: z.array(Group),
	requests: z.array(FriendRequest),
	/** The read state of each conversation with messages (servers before it was added leave it out). */
	unread: z.array(ReadState).optional(),
	/** The user's pending group invites, oldest first (servers before groups had invites leave it out). */
	invites: z.array(GroupInvite).optional(),
});

const empty = z.object({});

/** What an `ok` reply to each op carries besides `type` and `re`. */
export const resultFields = {
	register: z.object({ user: User, token: Token }),
	login: loginResult,
	logout: empty,
	'account.password': empty,
	'account.delete': empty,
	'sessions.list': z.object({ sessions: z.array(SessionInfo) }),
	'sessions.revoke': empty,
	'ignore.add': empty,
	'ignore.remove': empty,
	'ignore.list': z.object({ users: z.array(User) }),
	'users.find': z.object({ users: z.array(FoundUser) }),
	// When the other user had already asked us, a request accepts theirs: `friend` is then set.
	'friends.request': z.object({ friend: Friend.optional() }),
	'friends.accept': z.object({ friend: Friend }),
	'friends.decline': empty,
	'friends.remove': empty,
	'friends.alias': z.object({ friend: Friend }),
	'friends.list': z.object({ friends: z.array(Friend), requests: z.array(FriendRequest) }),
	'groups.create': z.object({ group: Group }),
	'groups.join': z.object({ group: Group }),
	'groups.leave': empty,
	'groups.delete': empty,
	'groups.members': z.object({ members: z.array(Member) }),
	'groups.list': z.object({ groups: z.array(Group) }),
	'groups.invite': empty,
	'groups.decline': empty,
	'groups.kick': empty,
	'groups.ban': empty,
	'groups.unban': empty,
	'groups.bans': z.object({ users: z.array(User) }),
	'groups.role': empty,
	'groups.transfer': empty,
	'groups.update': z.object({ group: Group }),
	'groups.browse': z.object({ groups: z.array(BrowsedGroup) }),
	send: z.object({ message: Message }),
	history: z.object({ messages: z.array(Message) }),
	search: z.object({ messages: z.array(Message) }),
	read: empty,
	unread: z.object({ conversations: z.array(ReadState) }),
	typing: empty,
	'files.upload': z.object({ upload: Upload }),
} as const satisfies Record<keyof typeof requestFields, z.ZodType>;

export type Op = keyof typeof requestFields;
export const OPS = Object.keys(requestFields) as Op[];

/** What a caller passes for an op (before defaults and trimming). */
export type RequestInput<O extends Op> = z.input<(typeof requestFields)[O]>;
/** What a handler receives for an op (after validation). */
export type RequestOf<O extends Op> = z.output<(typeof requestFields)[O]>;
/** What an `ok` reply to an op carries. */
export type ResultOf<O extends Op> = z.output<(typeof resultFields)[O]>;

/** Ops that need no login first. */
export const PUBLIC_OPS: ReadonlySet<Op> = new Set<Op>(['register', 'login']);

export function isOp(value: unknown): value is Op {
	return typeof value === 'string' && Object.hasOwn(requestFields, value);
}
