import { ProtocolError, type Op, type RequestOf, type ResultOf } from '../../source/protocol/index.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { Hub } from '../hub.js';
import type { Session, SessionUser } from '../session.js';
import type { Store } from '../store/store.js';
import type { ServerSettings } from '../settings.js';

/** What a handler works with: the store, the hub, the asking session and the server's settings. */
export interface HandlerContext {
	store: Store;
	hub: Hub;
	session: Session;
	settings: ServerSettings;
	throttle: LoginThrottle;
	/** Runs after the `ok` reply has been sent (login replays stored messages this way). */
	afterReply(task: () => Promise<void>): void;
}

export type Handler<O extends Op> = (context: HandlerContext, request: RequestOf<O>) => Promise<ResultOf<O>>;
export type Handlers<O extends Op> = { [K in O]: Handler<K> };

/** The logged-in user; dispatch guarantees there is one for every op but register and login. */
export function me(context: HandlerContext): SessionUser {
	const user = context.session.user;
	if (!user) throw new ProtocolError('UNAUTHENTICATED', 'log in first');
	return user;
}
