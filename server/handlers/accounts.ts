import { ProtocolError } from '../../source/protocol/index.js';
import { decoyHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import { hashToken, newToken } from '../auth/tokens.js';
import type { SessionUser } from '../session.js';
import { me, type HandlerContext, type Handlers } from './context.js';
import { friendsAndRequests } from './friends.js';
import { groupView } from './groups.js';
import { replayMissed, replayPending } from './messages.js';
import { readStatesOf } from './read-state.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function refuseSecondLogin(context: HandlerContext): void {
	if (context.session.user) {
		throw new ProtocolError('CONFLICT', `this connection is already logged in as ${context.session.user.username}`);
	}
}

/** Issues a fresh token and stores only its hash. */
async function issueToken(context: HandlerContext, userId: number): Promise<string> {
	const token = newToken();
	const ttl = context.settings.tokenTtlDays;
	const expiresAt = ttl > 0 ? new Date(Date.now() + ttl * DAY_MS).toISOString() : null;
	await context.store.saveToken(userId, hashToken(token), expiresAt);
	return token;
}

/**
 * Logs the session in. Events are held until the reply and the replay of
 * stored messages have gone out, so the client sees them in order.
 */
async function startSession(context: HandlerContext, user: SessionUser, token: string): Promise<void> {
	const { session, hub } = context;
	session.tokenHash = hashToken(token);
	session.holdEvents();
	await hub.attach(session, user);
	context.afterReply(async () => {
		try {
			await replayPending(context, user.id);
			await replayMissed(context, user.id);
		} finally {
			session.releaseEvents();
		}
	});
}

const WRONG_CREDENTIALS = 'wrong username or password';

export const accountHandlers: Handlers<'register' | 'login' | 'logout'> = {
	async register(context, { username, password }) {
		refuseSecondLogin(context);
		const passwordHash = await hashPassword(password, context.settings.passwordCost);
		const user = await context.store.createUser(username, passwordHash);
		if (!user) throw new ProtocolError('CONFLICT', `the username "${username}" is taken`);
		const token = await issueToken(context, user.id);
		await startSession(context, user, token);
		return { user: { username: user.username }, token };
	},

	async login(context, credentials) {
		refuseSecondLogin(context);
		const { store, throttle, session } = context;
		const name = 'username' in credentials ? credentials.username : undefined;
		const wait = throttle.waitFor(name, session.remoteAddress);
		if (wait > 0) {
			throw new ProtocolError('RATE_LIMITED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
		}
		let user;
		let token: string;
		if ('token' in credentials) {
			token = credentials.token;
			user = await store.userByToken(hashToken(token), new Date().toISOString());
			if (!user) {
				throttle.failed(undefined, session.remoteAddress);
				throw new ProtocolError('UNAUTHENTICATED', 'the saved login has expired or was revoked; log in again');
			}
		} else {
			user = await store.userByName(credentials.username);
			// Hash even for an unknown name so the reply time does not reveal which names exist.
			const valid = await verifyPassword(credentials.password, user?.passwordHash ?? (await decoyHash()));
			if (!user || !valid) {
				throttle.failed(credentials.username, session.remoteAddress);
				throw new ProtocolError('UNAUTHENTICATED', WRONG_CREDENTIALS);
			}
			throttle.succeeded(credentials.username);
			token = await issueToken(context, user.id);
		}
		const { hub } = context;
		// Attached first, then the friends' presence read: a friend who comes online meanwhile is
		// either seen online here or announced to this session (held until after the reply).
		await startSession(context, user, token);
		try {
			const { friends, requests } = await friendsAndRequests(store, hub, user.id);
			const memberships = await store.groupsOf(user.id);
			const unread = await readStatesOf(store, user.id);
			return {
				user: { username: user.username },
				token,
				friends,
				groups: memberships.map(({ group, role }) => groupView(group, role)),
				requests,
				unread,
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
};
