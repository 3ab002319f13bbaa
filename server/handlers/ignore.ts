import { ProtocolError } from '../../source/protocol/index.js';
import type { UserRecord } from '../store/store.js';
import { existingUser } from '../directory.js';
import { me, type HandlerContext, type Handlers } from './context.js';

/** The user named, who must exist and not be the asker. */
async function otherUser(context: HandlerContext, username: string): Promise<UserRecord> {
	const user = await existingUser(context.store, username);
	if (user.id === me(context).id) throw new ProtocolError('BAD_REQUEST', 'you cannot ignore yourself');
	return user;
}

/**
 * Tells the asker's sessions an online contact went offline (ignored) or
 * came back (no longer ignored), so what they show matches what `login`
 * would now report. Nobody else hears of it, the ignored user least of all;
 * someone who is not a contact gets no presence at all.
 */
async function showPresence(context: HandlerContext, other: UserRecord, online: boolean): Promise<void> {
	const { store, hub } = context;
	const self = me(context);
	if (!hub.isOnline(other.id) || !(await store.contactsOf(self.id)).includes(other.id)) return;
	await hub.publish([self.id], { type: 'presence', username: other.username, online });
}

export const ignoreHandlers: Handlers<'ignore.add' | 'ignore.remove' | 'ignore.list'> = {
	/** Ignoring twice is a CONFLICT, as asking twice to be friends is. */
	async 'ignore.add'(context, { username }) {
		const other = await otherUser(context, username);
		if (!(await context.store.addIgnore(me(context).id, other.id, new Date().toISOString()))) {
			throw new ProtocolError('CONFLICT', `you already ignore ${other.username}`);
		}
		await showPresence(context, other, false);
		return {};
	},

	async 'ignore.remove'(context, { username }) {
		const other = await otherUser(context, username);
		if (!(await context.store.removeIgnore(me(context).id, other.id))) {
			throw new ProtocolError('NOT_FOUND', `you do not ignore ${other.username}`);
		}
		await showPresence(context, other, true);
		return {};
	},

	async 'ignore.list'(context) {
		const ignored = await context.store.ignoredBy(me(context).id);
		return { users: ignored.map(({ username }) => ({ username })) };
	},
};
