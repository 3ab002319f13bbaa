import type { Friend } from '../../protocol/index.js';

/**
 * How people are named. One rule: where a person is named in passing (the
 * log's sender column, the sidebar, the typing line) a friend shows by their
 * alias; where a line is about the person (the header, presence and friend
 * notices, the members overlay) it shows "alias (username)". Typed
 * names are the other way round: an alias is taken wherever a username is.
 */

/** Lower-cased username → alias, for the friends that have one; one object per friend list, so caches can key on it. */
export type Aliases = ReadonlyMap<string, string>;

const aliasMaps = new WeakMap<readonly Friend[], Aliases>();

export function aliasesOf(friends: readonly Friend[]): Aliases {
	let aliases = aliasMaps.get(friends);
	if (!aliases) {
		aliases = new Map(friends.flatMap((friend) => (friend.alias ? [[friend.username.toLowerCase(), friend.alias]] : [])));
		aliasMaps.set(friends, aliases);
	}
	return aliases;
}

/** The name shown in passing: the alias if the user has one for them. */
export function shortName(aliases: Aliases, username: string): string {
	return aliases.get(username.toLowerCase()) ?? username;
}

/** The name in a line about the person: "alias (username)", or the username alone. */
export function fullName(aliases: Aliases, username: string): string {
	const alias = aliases.get(username.toLowerCase());
	return alias ? `${alias} (${username})` : username;
}

/**
 * A typed name as the server knows it, case-insensitively: a friend's
 * username first (an alias never hides a real name), then a friend's alias;
 * anything else is passed on as typed, for the server to judge.
 */
export function resolveUser(friends: readonly Friend[], typed: string): string {
	const name = typed.toLowerCase();
	const byName = friends.find((friend) => friend.username.toLowerCase() === name);
	if (byName) return byName.username;
	return friends.find((friend) => friend.alias?.toLowerCase() === name)?.username ?? typed;
}
