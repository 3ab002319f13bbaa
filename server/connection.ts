import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import {
	FrameError,
	isProtocolError,
	readEnvelope,
	readFields,
	PROTOCOL_VERSION,
	PUBLIC_OPS,
	type ErrorCode,
	type RequestFrame,
} from '../source/protocol/index.js';
import { handlers, type HandlerContext } from './handlers/index.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { Hub } from './hub.js';
import { TokenBucket } from './rate-limit.js';
import type { Logger } from './logger.js';
import { Session } from './session.js';
import { CLOSE, type ServerSettings } from './settings.js';
import type { Store } from './store/store.js';

export interface ConnectionDeps {
	store: Store;
	hub: Hub;
	settings: ServerSettings;
	throttle: LoginThrottle;
	version: string;
	logger: Logger;
}

/**
 * One client connection from welcome to close. Requests are handled one at a
 * time in arrival order, so a client may pipeline (log in, then send) without
 * waiting, and its sends are stored in the order it made them.
 */
export function acceptConnection(socket: WebSocket, request: IncomingMessage, deps: ConnectionDeps): Session {
	const session = new Session(socket, remoteAddress(request, deps.settings.trustProxy), deps.settings.maxBufferedBytes);
	const { hub, settings, version } = deps;
	hub.connected(session);
	void session.send({ type: 'welcome', server: 'chat-tui', protocol: PROTOCOL_VERSION, version, motd: settings.motd });

	const bucket = new TokenBucket(settings.rateLimitPerSecond, settings.rateLimitBurst);
	let strikes = 0;
	let queue = Promise.resolve();
	let queued = 0;
	socket.on('pong', () => {
		session.alive = true;
		session.lastHeard = Date.now();
	});
	session.requestsSettled = () => queue;
	socket.on('message', (data: RawData, isBinary: boolean) => {
		session.lastHeard = Date.now();
		// Draining: what is queued finishes, nothing new starts, so the drain ends. The
		// request gets no reply; the 1012 close that follows fails it on the client, which
		// resends its messages (same cid) and retries elsewhere.
		if (session.draining) return;
		if (!bucket.take() || queued >= settings.maxQueuedRequests) {
			// A peer that keeps going after being told is not a client having a busy moment.
			if (++strikes > settings.rateLimitStrikes) session.close(CLOSE.policyViolation, 'rate limit exceeded');
			else void replyError(session, 'RATE_LIMITED', 'too many requests; slow down', peekId(data, isBinary));
			return;
		}
		strikes = 0;
		queued++;
		queue = queue
			.then(() => handleFrame(session, data, isBinary, deps))
			.finally(() => queued--);
	});
	socket.on('close', (code: number) => {
		// Without a closing handshake (a cut connection, a dead peer) what we sent lately may not have arrived.
		const cut = !CLEAN_CLOSE_CODES.has(code);
		// Detached once the requests already queued are done; a new login of the user waits for that.
		queue = queue.then(() => hub.detach(session, true, cut)).catch((error) => deps.logger.error('detach failed', error));
		hub.closing(session, queue);
	});
	socket.on('error', (error) => deps.logger.warn(`connection ${session.remoteAddress}: ${error.message}`));
	return session;
}

/** Normal closure, going away, a close frame without a code, a drain's and our revocation's close: both ends said goodbye. */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005, CLOSE.serviceRestart, CLOSE.revoked]);

/** The request id of a frame, if it has one, without validating the rest (for a refusal). */
function peekId(data: RawData, isBinary: boolean): string | undefined {
	if (isBinary) return undefined;
	try {
		return readEnvelope(rawText(data)).id;
	} catch (error) {
		return (error as FrameError).re;
	}
}

/**
 * The peer's address. Behind a proxy it is the proxy's, which the per-address
 * limits then apply to, unless the proxy is trusted: then it is the last
 * X-Forwarded-For entry, the address the proxy itself saw (entries before it
 * come from the client and prove nothing).
 */
export function remoteAddress(request: IncomingMessage, trustProxy = false): string {
	if (trustProxy) {
		const forwarded = request.headers['x-forwarded-for'];
		const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').at(-1)?.trim();
		if (last) return last;
	}
	return request.socket.remoteAddress ?? 'unknown';
}

function replyError(session: Session, code: ErrorCode, message: string, re?: string) {
	return session.send(re === undefined ? { type: 'error', code, message } : { type: 'error', re, code, message });
}

async function handleFrame(session: Session, data: RawData, isBinary: boolean, deps: ConnectionDeps): Promise<void> {
	// A revoked login does nothing more, not even what it sent before it heard (its close is on the way).
	if (session.revoked) return;
	if (isBinary) {
		await replyError(session, 'BAD_REQUEST', 'binary frames are not accepted; send JSON text frames');
		return;
	}
	let request: RequestFrame;
	try {
		const envelope = readEnvelope(rawText(data));
		// Before login every op but register and login is refused, whatever its fields.
		if (!session.user && !PUBLIC_OPS.has(envelope.type)) {
			await replyError(session, 'UNAUTHENTICATED', 'log in or register first', envelope.id);
			return;
		}
		request = readFields(envelope);
	} catch (error) {
		const frameError = error as FrameError;
		await replyError(session, frameError.code, frameError.message, frameError.re);
		return;
	}
	await runHandler(session, request, deps);
}

function rawText(data: RawData): string {
	if (Buffer.isBuffer(data)) return data.toString('utf8');
	if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
	return Buffer.from(data).toString('utf8');
}

async function runHandler(session: Session, request: RequestFrame, deps: ConnectionDeps): Promise<void> {
	const afterReply: Array<() => Promise<void>> = [];
	const context: HandlerContext = {
		store: deps.store,
		hub: deps.hub,
		session,
		settings: deps.settings,
		throttle: deps.throttle,
		afterReply: (task) => afterReply.push(task),
	};
	let result: object;
	try {
		const handler = handlers[request.type] as (context: HandlerContext, fields: unknown) => Promise<object>;
		result = await handler(context, request.fields);
	} catch (error) {
		if (isProtocolError(error)) {
			await replyError(session, error.code, error.message, request.id);
		} else {
			deps.logger.error(`${request.type} failed`, error);
			await replyError(session, 'INTERNAL', 'the server could not complete this request', request.id);
		}
		return;
	}
	await session.send({ type: 'ok', re: request.id, ...result });
	for (const task of afterReply) {
		await task().catch((error: unknown) => deps.logger.error(`${request.type}: follow-up failed`, error));
	}
}
