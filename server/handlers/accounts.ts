import { ProtocolError } from '../../source/protocol/index.js';
import { checkPasswordRule } from '../auth/password-rule.js';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from '../auth/passwords.js';
import { hashToken, newToken } from '../auth/tokens.js';
import type { SessionUser } from '../session.js';
import type { UserRecord } from '../store/store.js';
import { me, type HandlerContext, type Handlers } from './context.js';
import { replayMissed, replayPending } from '../replay.js';
import { endRevoked } from '../revocation.js';
import { friendsAndRequests, groupView, readStatesOf } from '../views.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function refuseSecondLogin(context: HandlerContext): void {
	if (context.session.user) {
		throw new ProtocolError('CONFLICT', `this connection is already logged in as ${context.session.user.username}`);
	}
}

/** Issues a fresh token, a new login session labelled `device`, and stores only the token's hash. */
async function issueToken(context: HandlerContext, userId: number, device: string): Promise<{ token: string; sessionId: string }> {
	const token = newToken();
	const ttl = context.settings.tokenTtlDays;
	const expiresAt = ttl > 0 ? new Date(Date.now() + ttl * DAY_MS).toISOString() : null;
	const sessionId = await context.store.saveToken(userId, hashToken(token), expiresAt, device);
	return { token, sessionId };
}

/**
 * Logs the session in. Events are held until the reply and the replay of
 * stored messages have gone out, so the client sees them in order.
 */
async function startSession(context: HandlerContext, user: SessionUser, token: string, sessionId: string): Promise<void> {
	const { session, hub } = context;
	session.tokenHash = hashToken(token);
	session.sessionId = sessionId;
	session.holdEvents();
	await hub.attach(session, user);
	context.afterReply(async () => {
		try {
			await replayPending(context.store, session, user.id);
			await replayMissed(context.store, hub, session, user.id);
		} finally {
			session.releaseEvents();
		}
	});
}

/** Password guesses wait once a name or an address has failed too often (login, account.password, account.delete). */
async function refuseWhileThrottled(context: HandlerContext, username: string | undefined): Promise<void> {
	const wait = await context.throttle.waitFor(username, context.session.remoteAddress);
	if (wait > 0) {
		throw new ProtocolError('RATE_LIMITED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
	}
}

/**
 * Checks a password wherever one is asked for, throttled and counted alike.
 * A missing or deleted user is checked against a decoy hash of the current
 * cost, so the reply time does not reveal which names have a live account.
 */
async function passwordMatches(context: HandlerContext, username: string, user: UserRecord | undefined, password: string): Promise<boolean> {
	const { throttle, session, settings } = context;
	await refuseWhileThrottled(context, username);
	const live = user && !user.deleted ? user : undefined;
	const valid = await verifyPassword(password, live?.passwordHash ?? (await decoyHash(settings.passwordCost)));
	if (!live || !valid) {
		await throttle.failed(username, session.remoteAddress);
		return false;
	}
	await throttle.succeeded(username);
	return true;
}

/** At a password login, a hash of another cost than the current one is made again at it (the password is at hand only now). */
async function upgradeHash(context: HandlerContext, user: UserRecord, password: string): Promise<void> {
	const { store, settings } = context;
	if (!needsRehash(user.passwordHash, settings.passwordCost)) return;
	await store.setPasswordHash(user.id, await hashPassword(password, settings.passwordCost), user.passwordHash);
}

const WRONG_CREDENTIALS = 'wrong username or password';
const WRONG_PASSWORD = 'wrong password';

/** Who logs in, with which token and login session. */
interface Login {
	user: SessionUser;
	token: string;
	sessionId: string;
}

async function loginByToken(context: HandlerContext, token: string): Promise<Login> {
	const { store, throttle, session } = context;
	await refuseWhileThrottled(context, undefined);
	const owner = await store.userByToken(hashToken(token), new Date().toISOString());
	if (!owner) {
		await throttle.failed(undefined, session.remoteAddress);
		throw new ProtocolError('UNAUTHENTICATED', 'the saved login has expired or was revoked; log in again');
	}
	return { user: owner, token, sessionId: owner.sessionId };
}

async function loginByPassword(context: HandlerContext, username: string, password: string, device: string): Promise<Login> {
	const user = await context.store.userByName(username);
	// Checked (and counted) whether or not the name exists: the reply must not tell them apart.
	const matches = await passwordMatches(context, username, user, password);
	if (!user || !matches) throw new ProtocolError('UNAUTHENTICATED', WRONG_CREDENTIALS);
	await upgradeHash(context, user, password);
	return { user, ...(await issueToken(context, user.id, device)) };
}

/** The logged-in user's own record, for checking their password again. */
async function myRecord(context: HandlerContext): Promise<UserRecord | undefined> {
	return context.store.userByName(me(context).username);
}

/** The user's pending group invites, but those from someone they ignore (nothing of theirs reaches the user). */
async function invitesOf(context: HandlerContext, userId: number) {
	const [invites, ignored] = await Promise.all([context.store.invitesOf(userId), context.store.ignoredBy(userId)]);
	const names = new Set(ignored.map((user) => user.username));
	return invites.filter((invite) => !names.has(invite.from));
}

/** Groups the user created that others are in: deleting the account would leave them without a creator. */
async function groupsToHandOver(context: HandlerContext, userId: number): Promise<string[]> {
	const created = (await context.store.groupsOf(userId)).filter(({ role }) => role === 'creator');
	const names: string[] = [];
	for (const { group } of created) {
		if ((await context.store.memberIdsOf(group.id)).some((id) => id !== userId)) names.push(group.name);
	}
	return names;
}

/** After an account is deleted: its friends see it removed, the groups it was in see it leave. */
async function announceDeletion(context: HandlerContext, self: SessionUser, friendIds: number[], groups: Parameters<typeof groupView>[0][]): Promise<void> {
	const { store, hub } = context;
	await hub.publish(friendIds, { type: 'friend.update', friend: { username: self.username, removed: true } });
	for (const group of groups) {
		const event = { type: 'group.update', group: groupView(group), event: 'left', username: self.username } as const;
		await hub.publish(await store.memberIdsOf(group.id), event);
	}
}

export const accountHandlers: Handlers<'register' | 'login' | 'logout' | 'account.password' | 'account.delete'> = {
	async register(context, { username, password, device }) {
		refuseSecondLogin(context);
		checkPasswordRule(username, password, context.settings.minPasswordLength);
		const passwordHash = await hashPassword(password, context.settings.passwordCost);
		const user = await context.store.createUser(username, passwordHash);
		if (!user) throw new ProtocolError('CONFLICT', `the username "${username}" is taken`);
		const { token, sessionId } = await issueToken(context, user.id, device ?? '');
		await startSession(context, user, token, sessionId);
		return { user: { username: user.username }, token };
	},

	async login(context, credentials) {
		refuseSecondLogin(context);
		const { store, hub, session } = context;
		const { user, token, sessionId } =
			'token' in credentials
				? await loginByToken(context, credentials.token)
				: await loginByPassword(context, credentials.username, credentials.password, credentials.device ?? '');
		// Attached first, then the friends' presence read: a friend who comes online meanwhile is
		// either seen online here or announced to this session (held until after the reply).
		await startSession(context, user, token, sessionId);
		try {
			const { friends, requests } = await friendsAndRequests(store, hub, user.id);
			const memberships = await store.groupsOf(user.id);
			const unread = await readStatesOf(store, user.id);
			const invites = await invitesOf(context, user.id);
			return {
				user: { username: user.username },
				token,
				friends,
				groups: memberships.map(({ group, role }) => groupView(group, role)),
				requests,
				unread,
				invites,
			};
		} catch (error) {
			await hub.detach(session, false);
			throw error;
		}
	},

	async logout(context) {
		me(context);
		const { session, store, hub } = context;
		if (session.tokenHash) await store.deleteToken(session.tokenHash);
		session.tokenHash = undefined;
		await hub.detach(session, false);
		return {};
	},

	/** A new password; every other login of the user ends (whoever knew the old one is out). */
	async 'account.password'(context, { current, password }) {
		const self = me(context);
		const { store, settings, session } = context;
		checkPasswordRule(self.username, password, settings.minPasswordLength);
		if (!(await passwordMatches(context, self.username, await myRecord(context), current))) {
			throw new ProtocolError('UNAUTHENTICATED', WRONG_PASSWORD);
		}
		await store.setPasswordHash(self.id, await hashPassword(password, settings.passwordCost));
		const revoked = await store.revokeSessions(self.id, { allExcept: session.sessionId });
		await endRevoked(context.hub, context, self.id, revoked);
		return {};
	},

	/**
	 * Deletes the account for good. The row stays (the name stays taken and
	 * old messages keep their sender); every login ends, this one after the reply.
	 */
	async 'account.delete'(context, { password }) {
		const self = me(context);
		const { store } = context;
		if (!(await passwordMatches(context, self.username, await myRecord(context), password))) {
			throw new ProtocolError('UNAUTHENTICATED', WRONG_PASSWORD);
		}
		const blocking = await groupsToHandOver(context, self.id);
		if (blocking.length > 0) {
			throw new ProtocolError('CONFLICT', `you created ${blocking.join(', ')}: delete them or hand them over first`);
		}
		const friendIds = (await store.friendsOf(self.id)).map((friend) => friend.id);
		const joined = (await store.groupsOf(self.id)).filter(({ role }) => role !== 'creator').map(({ group }) => group);
		// Revoked first, to learn which sessions there were; deleteUser then drops whatever token is left.
		const revoked = await store.revokeSessions(self.id, { allExcept: undefined });
		await store.deleteUser(self.id, new Date().toISOString());
		await announceDeletion(context, self, friendIds, joined);
		await endRevoked(context.hub, context, self.id, revoked);
		return {};
	},
};
