/**
 * How a server address may be written, wherever one is typed (`--server`,
 * `chat-tui send --server`, the log-in form's Server field): the one rule.
 *
 * - `ws://…` and `wss://…` are taken as given: saved logins are keyed by the
 *   address as the user wrote it, so an existing one must keep its key.
 * - `http://…` is taken as `ws://…` and `https://…` as `wss://…`: the same
 *   server, as a browser's address bar names it.
 * - No scheme (`127.0.0.1:4711`, `localhost:4711`, `chat.example.org`) is
 *   taken as `ws://…`. Guessing wss:// from a port or host name would be
 *   wrong as often as right; a TLS server is written with `wss://`.
 */

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** What a scheme the user may type stands for. */
const SCHEMES: Record<string, 'ws' | 'wss'> = { ws: 'ws', wss: 'wss', http: 'ws', https: 'wss' };

/** What any refused address is told (the edge adds its own prefix). */
export const SERVER_URL_RULE = 'a server is an address such as ws://127.0.0.1:4100, wss://chat.example.org or 127.0.0.1:4100';

export class InvalidServerUrl extends Error {
	constructor(reason: string) {
		super(`${reason}; ${SERVER_URL_RULE}`);
		this.name = 'InvalidServerUrl';
	}
}

/** The ws:// or wss:// URL a typed server address stands for; throws InvalidServerUrl when it stands for none. */
export function serverUrl(typed: string): string {
	const text = typed.trim();
	if (text === '') throw new InvalidServerUrl('no server address was given');
	const scheme = SCHEME.exec(text);
	const rest = scheme ? text.slice(scheme[0].length) : text;
	// `ws:/host` or `ws:host` is a scheme mistyped, not a host named `ws`.
	if (!scheme && /^[a-z][a-z0-9+.-]*:\/|^(wss?|https?):/i.test(text)) throw new InvalidServerUrl(`"${text}" has a mistyped scheme`);
	const given = scheme?.[1]!.toLowerCase();
	const target = given === undefined ? 'ws' : SCHEMES[given];
	if (target === undefined) throw new InvalidServerUrl(`${given}:// is not a chat server's scheme`);
	const url = given === target ? text : `${target}://${rest}`;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new InvalidServerUrl(`"${text}" is not an address`);
	}
	if (parsed.hostname === '') throw new InvalidServerUrl(`"${text}" names no host`);
	return url;
}
