import { stat } from 'node:fs/promises';
import { resolveConnection, type ConnectionOptions, type ResolvedConnection } from '../cli-options.js';
import { ChatClient, deviceLabel } from '../client/chat-client.js';
import { uploadFile } from '../client/files.js';
import type { TransferProgress } from '../client/transfer-progress.js';
import { Settings } from '../local/settings.js';
import { safeText } from '../terminal/sanitize.js';
import {
	characterCount,
	MAX_TEXT_CHARS,
	NAME_PATTERN,
	ProtocolError,
	type Message,
	type Peer,
} from '../protocol/index.js';

/** The command's options as parsed: `--server`, `--profile`, `--config-dir` are resolved only once the rest is known to be fine. */
export interface SendOptions extends ConnectionOptions {
	/** Exactly one of `to` (a friend's username) and `group`. */
	to?: string;
	group?: string;
	text: string;
	/** Log in with a password as this user; without it, the profile's saved login for `server` is used. */
	username?: string;
	/** Asked only when `username` is given, and only once the other options are known to be fine. */
	password?: () => Promise<string>;
	/** The whole exchange (connect, log in, send) must finish within this (default 20 s); with a file, everything but the transfer. */
	timeoutMs?: number;
	/** files: a file to upload and send; `text` is then its caption and may be empty. */
	file?: string | undefined;
	onProgress?: ((progress: TransferProgress) => void) | undefined;
}

/** The command was used wrongly (options or text); nothing was sent. */
export class UsageError extends Error {
	override readonly name = 'UsageError';
}

const DEFAULT_TIMEOUT_MS = 20_000;
const LOGOUT_WAIT_MS = 2000;

function peerOf(options: Pick<SendOptions, 'to' | 'group'>): Peer {
	const { to, group } = options;
	if ((to === undefined) === (group === undefined)) {
		throw new UsageError('give exactly one of --to USER or --group NAME');
	}
	if (to !== undefined) {
		if (!NAME_PATTERN.test(to)) throw new UsageError(`"${to}" is not a username (1–32 letters, digits, "_", "-" or ".")`);
		return { user: to };
	}
	if (!NAME_PATTERN.test(group!)) {
		throw new UsageError(`"${group}" is not a group name (1–32 letters, digits, "_", "-" or ".")`);
	}
	return { group: group! };
}

function checkText(text: string): string {
	const trimmed = text.trim();
	if (trimmed.length === 0) throw new UsageError('the message is empty');
	// Checked here as well as by the server: a big enough text would exceed the frame limit and drop the connection.
	if (characterCount(trimmed) > MAX_TEXT_CHARS) {
		throw new ProtocolError('TOO_LARGE', `the message is longer than ${MAX_TEXT_CHARS} characters`);
	}
	return trimmed;
}

async function checkFile(file: string): Promise<void> {
	const info = await stat(file).catch(() => undefined);
	if (!info) throw new UsageError(`${file}: no such file`);
	if (!info.isFile()) throw new UsageError(`${file} is not a file`);
}

type Credentials = { username: string; password: string } | { token: string };

async function credentialsFor(options: SendOptions, { server, location }: ResolvedConnection): Promise<Credentials> {
	if (options.username !== undefined) {
		if (!options.password) throw new Error('a password is needed to log in with --username');
		const password = await options.password();
		if (password.length === 0) {
			throw new Error('the password is empty; set CHAT_TUI_PASSWORD or give it on stdin');
		}
		return { username: options.username, password };
	}
	const saved = new Settings(location).loginFor(server);
	if (!saved) {
		throw new Error(
			`profile "${location.profile}" has no saved login for ${server}; ` +
				'log in with the TUI first, or pass --username (password in CHAT_TUI_PASSWORD or on stdin)',
		);
	}
	return { token: saved.token };
}

/**
 * Rejects when the connection drops before `work` settles: a client without
 * reconnect would wait forever. A session logged out from another device
 * says so rather than that the connection was lost.
 */
function whileConnected<T>(client: ChatClient, work: Promise<T>, what: string): Promise<T> {
	const offs: Array<() => void> = [];
	const dropped = new Promise<never>((_, reject) => {
		offs.push(client.on('revoked', reject));
		offs.push(
			client.on('state', ({ state, reason }) => {
				if (state === 'idle' || state === 'closed') {
					const why = reason ? ` (${reason})` : '';
					reject(new ProtocolError('UNAVAILABLE', `the connection to the server was lost${why} ${what}`));
				}
			}),
		);
	});
	return Promise.race([work, dropped]).finally(() => offs.forEach((off) => off()));
}

function withDeadline<T>(work: Promise<T>, ms: number, server: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new ProtocolError('UNAVAILABLE', `no answer from ${server} within ${Math.round(ms / 1000)} s`)),
			ms,
		);
	});
	return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * Sends one message as a script would: connects, logs in (password or the
 * profile's saved token), sends, and closes. Resolves with the message as the
 * server stored it. Errors are UsageError (wrong use; nothing was tried),
 * ProtocolError (the server or the connection said no, with its code), or a
 * plain Error whose message is a sentence for the user. Never exits the process.
 */
export async function sendMessage(options: SendOptions): Promise<Message> {
	const peer = peerOf(options);
	// files: the text is an optional caption then; the file must be there before anything is tried.
	const text = options.file !== undefined && options.text.trim() === '' ? '' : checkText(options.text);
	if (options.file !== undefined) await checkFile(options.file);
	if (options.username !== undefined && !NAME_PATTERN.test(options.username)) {
		throw new UsageError(`"${options.username}" is not a username (1–32 letters, digits, "_", "-" or ".")`);
	}
	const connection = await resolveConnection(options);
	const { server, location } = connection;
	const credentials = await credentialsFor(options, connection);
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const client = new ChatClient({ url: server, reconnect: false, requestTimeoutMs: timeoutMs, device: deviceLabel('chat-tui send') });
	const exchange = async () => {
		await client.connect();
		try {
			await client.login(credentials);
		} catch (error) {
			if (error instanceof ProtocolError && error.code === 'UNAUTHENTICATED' && 'token' in credentials) {
				throw new ProtocolError(
					'UNAUTHENTICATED',
					`the server refused the saved login of profile "${location.profile}" (expired or revoked); ` +
						'log in again with the TUI, or pass --username',
				);
			}
			throw error;
		}
		if (options.file !== undefined) return undefined;
		// A dropped connection after the send went out leaves it unknown whether the server stored it.
		return whileConnected(client, client.send(peer, text), 'before it confirmed the message; it may or may not have been stored');
	};
	try {
		const sent = await withDeadline(exchange(), timeoutMs, server);
		// files: the transfer takes as long as the file needs; it retries on its own and fails when it must.
		const message =
			sent ??
			(await whileConnected(
				client,
				uploadFile(client, { to: peer, path: options.file!, caption: text, onProgress: options.onProgress }),
				'before the file was sent; send it again to resume',
			));
		// A password login issued a token nobody will use again: revoke it, briefly and best effort.
		if ('password' in credentials) await withDeadline(client.logout(), LOGOUT_WAIT_MS, server).catch(() => {});
		return message;
	} finally {
		await client.close();
	}
}

/**
 * A server's words as the command prints them (a message's id, a reason):
 * on one line, control characters in caret notation, never an escape, since
 * stdout may be a terminal and the server may be anyone's.
 */
export function printable(text: string): string {
	return safeText(text, 'line');
}

/** One sentence for stderr: the server's reason with its code, or the error's message. Never a stack. */
export function describeSendError(error: unknown): string {
	if (error instanceof ProtocolError) return printable(`${error.message} (${error.code})`);
	if (error instanceof Error) return printable(error.message);
	return printable(String(error));
}
