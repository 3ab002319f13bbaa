import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ChatClient } from '../../client/index.js';
import { downloadFile, uploadFile } from '../../client/files.js';
import type { TransferProgress } from '../../client/transfer-progress.js';
import { ACTION_PREFIX, HISTORY_MAX_LIMIT, type FileInfo, type Group, type Message, type Peer } from '../../protocol/index.js';
import { formatBytes } from '../../sizes.js';
import {
	incomingRequests,
	outgoingRequests,
	selectedConversation,
	selectedInvite,
	type ChatAction,
	type ChatState,
	type Question,
	type SearchOverlay,
} from '../state/chat-state.js';
import { groupKey, peerOf, userKey, type ConversationKey, type ConversationRef } from '../state/conversations.js';
import type { CommandArgs } from './parse.js';
import { searchScope } from '../state/search.js';
import { expandHome } from './path-completion.js';
import { openSessions } from '../state/sessions.js';
import { aliasesOf, fullName, resolveUser } from '../state/names.js';
import { openBrowse } from '../state/browse.js';
import { confirmed } from '../state/confirm.js';
import { banMember, declineInvite, joinGroup, kickMember, setRole } from '../state/groups.js';
import { findInvite } from '../state/invites.js';
import { openMembers } from '../state/members.js';

/** search: `/search --all <words>` looks in every conversation, not only the open one. */
export const SEARCH_ALL_FLAG = '--all';

/** What a command may use: the client, the UI state and its dispatcher, and the app's own actions. */
export interface CommandContext {
	client: ChatClient;
	state: ChatState;
	dispatch: (action: ChatAction) => void;
	/** Sends text to a conversation the way typing does (pending line, outbox, acknowledgement). */
	sendText(peer: Peer, text: string): void;
	quit(): void;
	logout(): Promise<void>;
	/** The settings commands change (kept in the profile; the session keeps the screen in step with them). */
	settings: CommandSettings;
	/** search: runs a search in the overlay; absent where the screen has none. */
	search?: { start(within: SearchOverlay['within'], query: string): void } | undefined;
	/** files: runs /send and /save with the progress bar; absent where the screen has none. */
	transfers?: TransferRunner | undefined;
	/** accounts: asks in the input line (masked when secret); undefined when the user cancelled with Esc. */
	ask(question: Question): Promise<string | undefined>;
	/** accounts: this session is over (the account was deleted): forget the saved login, back to the log-in screen saying `sentence`. */
	ended(sentence: string): void;
}

/** The settings commands change: `/bell` and `/sort`. */
export interface CommandSettings {
	bell: boolean;
	unreadFirst: boolean;
}

// files

/** How commands run a file transfer: one at a time, shown as a progress bar, cancelled by Esc. */
export interface TransferRunner {
	/** Resolves with what `work` did, or undefined when the user cancelled it. Rejects when another transfer is running. */
	run<T>(
		direction: 'upload' | 'download',
		name: string,
		total: number,
		work: (signal: AbortSignal, onProgress: (progress: TransferProgress) => void) => Promise<T>,
	): Promise<T | undefined>;
	/** A message the app posted itself (the uploaded file's): into the log and local history. */
	posted(message: Message): void;
}

/** /save looks this far back through the server's history for the N-th file (pages of HISTORY_MAX_LIMIT). */
const SAVE_SEARCH_PAGES = 25;

function transfersOf(context: CommandContext): TransferRunner {
	if (!context.transfers) throw new Error('file transfers are not available here');
	return context.transfers;
}

function openConversation(context: CommandContext): ConversationRef {
	const open = selectedConversation(context.state);
	if (!open) throw new UsageError('open a conversation first');
	return open;
}

/** ~/Downloads when there is one, else the current directory. */
async function defaultSaveDir(): Promise<string> {
	const downloads = path.join(homedir(), 'Downloads');
	const info = await stat(downloads).catch(() => undefined);
	return info?.isDirectory() ? downloads : process.cwd();
}

/** The N-th newest file of a conversation (1 = newest): what the log holds first, then older pages from the server. */
async function nthFile(context: CommandContext, open: ConversationRef, n: number): Promise<FileInfo | undefined> {
	const messages = (context.state.logs[open.key] ?? []).flatMap((entry) => (entry.kind === 'message' ? [entry.message] : []));
	const files = messages.filter((message) => message.file).reverse();
	if (files.length >= n) return files[n - 1]!.file;
	let before = messages[0]?.seq;
	let found = files.length;
	for (let page = 0; page < SAVE_SEARCH_PAGES && (before === undefined || before > 1); page++) {
		const older = await context.client.request('history', {
			with: peerOf(open),
			limit: HISTORY_MAX_LIMIT,
			...(before === undefined ? {} : { before }),
		});
		if (older.messages.length === 0) break;
		const withFiles = older.messages.filter((message) => message.file).reverse();
		if (found + withFiles.length >= n) return withFiles[n - found - 1]!.file;
		found += withFiles.length;
		before = older.messages[0]!.seq;
	}
	return undefined;
}

const fileCommands: Command[] = [
	{
		name: 'send',
		usage: '<path>',
		summary: 'upload a file into the open conversation (Esc cancels)',
		output: 'conversation',
		args: ['path'],
		async run(context, args) {
			const open = openConversation(context);
			const transfers = transfersOf(context);
			const given = args.after(0);
			if (!given) throw new UsageError('missing the file to send');
			const file = path.resolve(expandHome(given));
			const info = await stat(file).catch(() => undefined);
			if (!info?.isFile()) throw new Error(`${given}: ${info ? 'not a file' : 'no such file'}`);
			const name = path.basename(file);
			const message = await transfers.run('upload', name, info.size, (signal, onProgress) =>
				uploadFile(context.client, { to: peerOf(open), path: file, signal, onProgress }),
			);
			if (message) transfers.posted(message);
			else say(context, `cancelled sending ${name}; /send it again to resume`);
		},
	},
	{
		name: 'save',
		usage: '[N] [dir]',
		summary: 'download the newest (or N-th newest) file of the open conversation (default dir ~/Downloads)',
		output: 'conversation',
		args: ['path', 'path'],
		async run(context, args) {
			const open = openConversation(context);
			const transfers = transfersOf(context);
			const counted = /^\d+$/.test(args.words[0] ?? '');
			const n = counted ? Number(args.words[0]) : 1;
			if (n < 1) throw new UsageError('N counts from 1, the newest file');
			const given = args.after(counted ? 1 : 0);
			const dir = given ? path.resolve(expandHome(given)) : await defaultSaveDir();
			const info = await stat(dir).catch(() => undefined);
			if (!info?.isDirectory()) throw new Error(`${given || dir}: no such directory`);
			const file = await nthFile(context, open, n);
			if (!file) throw new Error(n === 1 ? 'no file in this conversation' : `this conversation has fewer than ${n} files`);
			const saved = await transfers.run('download', file.name, file.size, (signal, onProgress) =>
				downloadFile(context.client, file, { dir, signal, onProgress }),
			);
			say(context, saved ? `saved ${file.name} (${formatBytes(file.size)}) as ${saved}` : `cancelled saving ${file.name}`);
		},
	},
];

// accounts

/** The answers to `questions`, asked one after another; undefined as soon as one is cancelled. */
async function askInTurn(context: CommandContext, questions: Question[]): Promise<string[] | undefined> {
	const answers: string[] = [];
	for (const question of questions) {
		const answer = await context.ask(question);
		if (answer === undefined) return undefined;
		answers.push(answer);
	}
	return answers;
}

/** The user's ignore list as the server has it now, kept for /unignore's completion. */
async function refreshIgnored(context: CommandContext): Promise<string[]> {
	const { users } = await context.client.request('ignore.list', {});
	const names = users.map((user) => user.username);
	context.dispatch({ type: 'ignored', users: names });
	return names;
}

const accountCommands: Command[] = [
	{
		name: 'passwd',
		usage: '',
		summary: 'change your password (logs out your other sessions)',
		output: 'status',
		args: [],
		async run(context) {
			say(context, 'changing your password: the current one, then the new one twice (Esc cancels)');
			// The server judges the new password and says what is wrong with it: its rule lives there only.
			const answers = await askInTurn(context, [
				{ prompt: 'current password', secret: true },
				{ prompt: 'new password', secret: true },
				{ prompt: 'new password again', secret: true },
			]);
			if (!answers) return say(context, 'cancelled: your password is unchanged');
			const [current, password, again] = answers as [string, string, string];
			if (password !== again) throw new Error('the two new passwords differ; nothing was changed');
			await context.client.request('account.password', { current, password });
			say(context, 'Password changed; your other sessions were logged out.');
		},
	},
	{
		name: 'sessions',
		usage: '',
		summary: 'where you are logged in; log out one device or all others',
		output: 'status',
		args: [],
		run: (context) => openSessions(context),
	},
	{
		name: 'deleteaccount',
		usage: '',
		summary: 'delete your account for good (asks to confirm)',
		output: 'status',
		args: [],
		async run(context) {
			const me = context.state.me;
			say(context, `deleting the account ${me}: your password, then "yes" to confirm (Esc cancels)`);
			const answers = await askInTurn(context, [
				{ prompt: 'your password', secret: true },
				{ prompt: `delete ${me} for good? type yes`, secret: false },
			]);
			if (!answers) return say(context, 'cancelled: your account stays');
			const [password, confirmation] = answers as [string, string];
			if (confirmation.trim().toLowerCase() !== 'yes') return say(context, 'your account stays (you did not type yes)');
			await context.client.request('account.delete', { password });
			context.ended(`The account ${me} was deleted.`);
		},
	},
	{
		name: 'ignore',
		usage: '<user>',
		summary: 'hear nothing more from someone (they are not told)',
		output: 'status',
		args: ['user'],
		async run(context, args) {
			const username = resolveUser(context.state.friends, required(args, 0, 'the user to ignore'));
			await context.client.request('ignore.add', { username });
			await refreshIgnored(context);
			say(context, `you ignore ${username}: nothing of theirs reaches you now (/unignore ${username} undoes it)`);
		},
	},
	{
		name: 'unignore',
		usage: '<user>',
		summary: 'stop ignoring someone',
		output: 'status',
		args: ['ignored'],
		async run(context, args) {
			const username = resolveUser(context.state.friends, required(args, 0, 'the user to stop ignoring'));
			await context.client.request('ignore.remove', { username });
			await refreshIgnored(context);
			say(context, `you no longer ignore ${username}`);
		},
	},
	{
		name: 'ignored',
		usage: '',
		summary: 'list whom you ignore',
		output: 'status',
		args: [],
		async run(context) {
			const names = (await refreshIgnored(context)).sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
			say(context, names.length === 0 ? 'you ignore nobody' : `you ignore ${names.length}: ${names.join(', ')}`);
		},
	},
];

/** What Tab completes for an argument. */
export type ArgumentKind = 'user' | 'friend' | 'removable' | 'request' | 'invite' | 'declinable' | 'my-group' | 'ignored' | 'path' | 'text';

/**
 * Where a command's lines (what it says, its errors) go: the status view for
 * what is not about the open conversation (listings, friends, groups,
 * accounts, settings), the open conversation for what acts on it.
 */
export type CommandOutput = 'status' | 'conversation';

export interface Command {
	name: string;
	/** Argument synopsis for help, e.g. `<user> [text]`. */
	usage: string;
	summary: string;
	output: CommandOutput;
	/** What each positional argument is, for completion. */
	args: ArgumentKind[];
	run(context: CommandContext, args: CommandArgs): Promise<void> | void;
}

/** A command used wrongly: shown as a line with its usage. */
export class UsageError extends Error {}

function required(args: CommandArgs, index: number, what: string): string {
	const word = args.words[index];
	if (!word) throw new UsageError(`missing ${what}`);
	return word;
}

/** A line of the command's output, where its `output` sends it (or into the log of `key`). */
function say(context: CommandContext, text: string, key?: ConversationKey): void {
	context.dispatch({ type: 'system', text, tone: 'info', ...(key && { key }) });
}

/** `on` / `off` as a boolean; none given is undefined (show the setting). */
function onOff(args: CommandArgs): boolean | undefined {
	const word = args.words[0]?.toLowerCase();
	if (word === undefined) return undefined;
	if (word !== 'on' && word !== 'off') throw new UsageError(`"${word}" is neither on nor off`);
	return word === 'on';
}

/** The group named, or the open conversation when it is a group. */
function groupArgument(context: CommandContext, named: string | undefined): string {
	if (named) return named;
	const open = selectedConversation(context.state);
	if (open?.kind === 'group') return open.name;
	throw new UsageError('name a group, or open one first');
}

/**
 * Group moderation (issue 15): each acts on a member of a group, the open one
 * if none is named, and says what it did in that group's log (the server
 * tells the other members with a group.update event; not the session that
 * asked, which has the reply).
 */
function memberCommand(
	name: string,
	summary: string,
	act: (context: CommandContext, group: string, username: string) => Promise<string | undefined>,
	whom = 'the member',
): Command {
	return {
		name,
		usage: '<user> [group]',
		summary,
		output: 'conversation',
		args: ['user', 'my-group'],
		async run(context, args) {
			const username = resolveUser(context.state.friends, required(args, 0, whom));
			const group = groupArgument(context, args.words[1]);
			const line = await act(context, group, username);
			if (line) say(context, line, groupKey(group));
		},
	};
}

/** Changes the open group (topic, visibility) and shows the group as the server now has it. */
async function updateOpenGroup(context: CommandContext, fields: { description?: string; visibility?: 'public' | 'private' }): Promise<Group> {
	const { group } = await context.client.request('groups.update', { name: groupArgument(context, undefined), ...fields });
	context.dispatch({ type: 'groups', groups: context.state.groups.map((known) => (known.name === group.name ? group : known)) });
	return group;
}

const moderationCommands: Command[] = [
	memberCommand('kick', 'remove a member from a group (admins: normal members; the creator: anyone)', (context, name, username) =>
		kickMember(context.client, name, username),
	),
	memberCommand('ban', 'remove a member and keep them out, also after they leave and come back', (context, name, username) =>
		banMember(context.client, name, username),
	),
	memberCommand('unban', 'let a banned user join again (by invite, or freely in a public group)', async (context, name, username) => {
		await context.client.request('groups.unban', { name, username });
		return `${username} may join ${name} again`;
	}),
	memberCommand('op', 'make a member an admin (the creator only)', (context, name, username) => setRole(context.client, name, username, 'admin')),
	memberCommand('deop', 'make an admin a normal member again (the creator only)', (context, name, username) =>
		setRole(context.client, name, username, 'normal'),
	),
	memberCommand('transfer', 'hand the group over to a member (asks first; you become an admin)', async (context, name, username) => {
		if (!(await confirmed(context, `Hand ${name} over to ${username}? You become an admin.`))) return `nothing changed: ${name} stays yours`;
		await context.client.request('groups.transfer', { name, username });
		return `you handed ${name} over to ${username}; you are an admin`;
	}),
	{
		name: 'topic',
		usage: '<text>',
		summary: "set the open group's topic (its description; creator and admins)",
		output: 'conversation',
		args: ['text'],
		async run(context, args) {
			required(args, 0, 'the topic');
			const group = await updateOpenGroup(context, { description: args.after(0) });
			say(context, `you set topic: ${group.description}`, groupKey(group.name));
		},
	},
	{
		name: 'visibility',
		usage: 'public|private',
		summary: 'make the open group public (anyone may join) or private (by invite)',
		output: 'conversation',
		args: ['text'],
		async run(context, args) {
			const visibility = args.words[0];
			if (visibility !== 'public' && visibility !== 'private') throw new UsageError('say public or private');
			const group = await updateOpenGroup(context, { visibility });
			say(context, `${group.name} is now ${visibility}: ${visibility === 'public' ? 'anyone may /join it' : 'people join by /invite'}`, groupKey(group.name));
		},
	},
];

/**
 * Every slash command, in the order /help lists them. The parser, Tab
 * completion and the help overlay all read this one table.
 */
export const COMMANDS: Command[] = [
	{
		name: 'msg',
		usage: '<user> [text]',
		summary: 'open the conversation with a friend, and send text if given',
		output: 'conversation',
		args: ['friend', 'text'],
		run(context, args) {
			const user = resolveUser(context.state.friends, required(args, 0, 'the user to write to'));
			context.dispatch({ type: 'select', key: userKey(user) });
			const text = args.after(1);
			if (text) context.sendText({ user }, text);
		},
	},
	{
		name: 'me',
		usage: '<action>',
		summary: 'send an action, shown as "* alice waves"',
		output: 'conversation',
		args: ['text'],
		run(context, args) {
			const open = openConversation(context);
			const action = args.after(0);
			if (!action) throw new UsageError('say what you do');
			// An action is a message by convention (protocol/actions.ts): any client shows it as one.
			context.sendText(peerOf(open), `${ACTION_PREFIX}${action}`);
		},
	},
	{
		name: 'join',
		usage: '<group>',
		summary: 'join a public group, or one you are invited to (accepts the invite), and open it',
		output: 'status',
		args: ['invite'],
		async run(context, args) {
			await joinGroup(context, required(args, 0, 'the group to join').replace(/^#/, ''));
		},
	},
	{
		name: 'groups',
		usage: '[words]',
		summary: 'browse public groups (by name or description); Enter joins the chosen one',
		output: 'status',
		args: ['text'],
		run: (context, args) => openBrowse(context, args.after(0)),
	},
	{
		name: 'create',
		usage: '<group> [--public] [description]',
		summary: 'create a group (you become its creator); private unless --public: others join by /invite',
		output: 'status',
		args: ['text', 'text'],
		async run(context, args) {
			const name = required(args, 0, 'a name for the group');
			const visibility = args.words[1] === '--public' ? 'public' : 'private';
			const description = args.after(visibility === 'public' ? 2 : 1);
			const { group } = await context.client.request('groups.create', { name, visibility, ...(description && { description }) });
			context.dispatch({ type: 'group-joined', group });
			const how = visibility === 'public' ? 'anyone may /join it' : `only people you /invite can join`;
			say(context, `you created ${group.name} (${visibility}: ${how})`, groupKey(group.name));
		},
	},
	memberCommand(
		'invite',
		'invite someone to a group (the open one if none is named); it waits in their sidebar until they accept or decline',
		async (context, name, username) => {
			await context.client.request('groups.invite', { name, username });
			return `invited ${username} to ${name}`;
		},
		'whom to invite',
	),
	{
		name: 'leave',
		usage: '[group]',
		summary: 'leave a group (the open one if none is named)',
		output: 'status',
		args: ['my-group'],
		async run(context, args) {
			const name = groupArgument(context, args.words[0]);
			await context.client.request('groups.leave', { name });
			context.dispatch({ type: 'group-gone', name });
			say(context, `you left ${name}`);
		},
	},
	{
		name: 'delete',
		usage: '<group>',
		summary: 'delete a group you created, for everyone (asks first)',
		output: 'status',
		args: ['my-group'],
		async run(context, args) {
			const name = required(args, 0, 'the group to delete');
			// The count makes the question honest; asking also fails early for a group one is not in.
			const { members } = await context.client.request('groups.members', { name });
			const others = members.length > 1 ? ` for all ${members.length} members` : '';
			if (!(await confirmed(context, `Delete group ${name}${others}?`))) return say(context, `nothing changed: ${name} stays`);
			await context.client.request('groups.delete', { name });
			context.dispatch({ type: 'group-gone', name });
			say(context, `you deleted ${name}`);
		},
	},
	{
		name: 'add',
		usage: '<user>',
		summary: 'ask someone to be your friend',
		output: 'status',
		args: ['user'],
		async run(context, args) {
			const username = resolveUser(context.state.friends, required(args, 0, 'the user to add'));
			const { friend } = await context.client.request('friends.request', { username });
			if (friend) {
				context.dispatch({ type: 'friend-update', friend });
				say(context, `${friend.username} had asked you too: you are now friends`);
			} else {
				say(context, `friend request sent to ${username}`);
			}
			await refreshFriends(context);
		},
	},
	{
		name: 'accept',
		usage: '<user>',
		summary: 'accept a friend request',
		output: 'status',
		args: ['request'],
		async run(context, args) {
			const { friend } = await context.client.request('friends.accept', {
				username: required(args, 0, 'whose request to accept'),
			});
			context.dispatch({ type: 'friend-update', friend });
			context.dispatch({ type: 'select', key: userKey(friend.username) });
		},
	},
	{
		name: 'decline',
		usage: '[user|group]',
		summary: 'decline a friend request, or an invite to a group (#group; none named: the invite open in the sidebar)',
		output: 'status',
		args: ['declinable'],
		async run(context, args) {
			const named = args.words[0];
			const invite = declinedInvite(context.state, named);
			if (invite) return say(context, await declineInvite(context, invite));
			if (!named) throw new UsageError('name whose request or which invite to decline');
			await context.client.request('friends.decline', { username: named });
			await refreshFriends(context);
			say(context, `declined ${named}`);
		},
	},
	{
		name: 'remove',
		usage: '<user>',
		summary: 'remove a friend (asks first), or withdraw a friend request you sent',
		output: 'status',
		args: ['removable'],
		async run(context, args) {
			const { state } = context;
			const username = resolveUser(state.friends, required(args, 0, 'the friend to remove'));
			const isFriend = state.friends.some((friend) => friend.username === username);
			// Only a friendship is asked about: a request withdrawn is sent again with /add.
			if (isFriend && !(await confirmed(context, `Remove ${fullName(aliasesOf(state.friends), username)} from your friends?`))) {
				return say(context, `nothing changed: ${username} stays your friend`);
			}
			await context.client.request('friends.remove', { username });
			context.dispatch({ type: 'friend-update', friend: { username, removed: true } });
		},
	},
	{
		name: 'alias',
		usage: '<user> [name]',
		summary: 'show a friend under another name (no name clears it)',
		output: 'status',
		args: ['friend', 'text'],
		async run(context, args) {
			const username = resolveUser(context.state.friends, required(args, 0, 'the friend to rename'));
			const { friend } = await context.client.request('friends.alias', { username, alias: args.after(1) });
			context.dispatch({ type: 'friend-update', friend });
			say(context, friend.alias ? `${friend.username} shows as ${friend.alias}` : `${friend.username} has no alias now`);
		},
	},
	{
		name: 'find',
		usage: '<query>',
		summary: 'find users by name',
		output: 'status',
		args: ['text'],
		async run(context, args) {
			const query = args.after(0);
			if (!query) throw new UsageError('missing what to look for');
			const { users } = await context.client.request('users.find', { query });
			if (users.length === 0) {
				say(context, `nobody's name contains "${query}"`);
				return;
			}
			// The server tells presence only for friends and co-members; anyone else gets no dot, not a false "offline".
			const list = users.map((user) => (user.online === undefined ? user.username : `${user.online ? '●' : '○'} ${user.username}`)).join('  ');
			say(context, `found ${users.length}: ${list}`);
		},
	},
	// search
	{
		name: 'search',
		usage: '[--all] <words>',
		summary: 'find messages here (--all: everywhere)',
		output: 'conversation',
		args: ['text'],
		run(context, args) {
			const all = args.words[0] === SEARCH_ALL_FLAG;
			if (!context.search) throw new Error('search is not available here');
			context.search.start(searchScope(context.state, all), args.after(all ? 1 : 0));
		},
	},
	{
		name: 'members',
		usage: '[group]',
		summary: 'show who is in a group (the open one if none is named)',
		output: 'conversation',
		args: ['my-group'],
		async run(context, args) {
			await openMembers(context, groupArgument(context, args.words[0]));
		},
	},
	...moderationCommands,
	...fileCommands,
	...accountCommands,
	{
		name: 'bell',
		usage: '[on|off]',
		summary: 'ring the bell for a DM or a mention elsewhere',
		output: 'status',
		args: ['text'],
		run(context, args) {
			const on = onOff(args);
			if (on !== undefined) context.settings.bell = on;
			say(context, `the bell is ${context.settings.bell ? 'on' : 'off'}`);
		},
	},
	{
		name: 'sort',
		usage: '[unread|name]',
		summary: 'list unread conversations first, or by name',
		output: 'status',
		args: ['text'],
		run(context, args) {
			const word = args.words[0]?.toLowerCase();
			if (word !== undefined && word !== 'unread' && word !== 'name') throw new UsageError(`sort by "unread" or "name", not "${word}"`);
			if (word !== undefined) context.settings.unreadFirst = word === 'unread';
			say(context, context.settings.unreadFirst ? 'conversations with unread messages come first' : 'conversations are listed by name');
		},
	},
	{
		name: 'logout',
		usage: '',
		summary: 'log out and forget the saved login',
		output: 'status',
		args: [],
		run: (context) => context.logout(),
	},
	{
		name: 'quit',
		usage: '',
		summary: 'leave chat-tui',
		output: 'status',
		args: [],
		run: (context) => context.quit(),
	},
	{
		name: 'help',
		usage: '',
		summary: 'show keys and commands',
		output: 'status',
		args: [],
		run: (context) => context.dispatch({ type: 'overlay', overlay: { kind: 'help', offset: 0 } }),
	},
];

/**
 * The invite /decline means: a group named (`#name` always means a group; a
 * plain name is a friend request's first, if one is pending from them), or
 * with no name the invite open in the sidebar.
 */
function declinedInvite(state: ChatState, named: string | undefined): string | undefined {
	if (named === undefined) return selectedInvite(state)?.group;
	const asGroup = named.startsWith('#');
	const name = named.replace(/^#/, '');
	if (!asGroup && incomingRequests(state).some((request) => request.from.toLowerCase() === name.toLowerCase())) return undefined;
	return findInvite(state.invites, name)?.group ?? (asGroup ? name : undefined);
}

async function refreshFriends(context: CommandContext): Promise<void> {
	const { friends, requests } = await context.client.request('friends.list', {});
	context.dispatch({ type: 'friends', friends, requests });
}

export function findCommand(name: string): Command | undefined {
	return COMMANDS.find((command) => command.name === name);
}

function friendNames(state: ChatState): string[] {
	return state.friends.flatMap((friend) => (friend.alias ? [friend.username, friend.alias] : [friend.username]));
}

/** Names Tab offers for an argument of this kind. */
export function candidatesFor(kind: ArgumentKind, state: ChatState): string[] {
	switch (kind) {
		// A friend is offered by alias too: either is taken (names.ts).
		case 'friend':
			return friendNames(state);
		// /remove: a friend, or someone the user asked (withdrawing the request).
		case 'removable':
			return [...friendNames(state), ...outgoingRequests(state).map((request) => request.to)];
		case 'user':
			return [...friendNames(state), ...state.requests.flatMap((r) => [r.from, r.to])].filter(
				(name) => name.toLowerCase() !== state.me.toLowerCase(),
			);
		case 'request':
			return incomingRequests(state).map((r) => r.from);
		case 'invite':
			return state.invites.map((invite) => invite.group);
		case 'declinable':
			return [...incomingRequests(state).map((r) => r.from), ...state.invites.map((invite) => invite.group)];
		case 'my-group':
			return state.groups.map((group) => group.name);
		case 'ignored':
			return state.ignored ?? [];
		case 'path': // completed from the file system (complete.ts), not from names
		case 'text':
			return [];
	}
}
