import { ChatClient, type ChatClientOptions, type ClientEvents } from '../../source/client/index.js';
import type { Message, Peer } from '../../source/protocol/index.js';
import { PASSWORD, uniqueName } from './names.js';

// The suites on ChatClient and on the raw wire share these; one import for each kind of suite.
export { PASSWORD, uniqueName } from './names.js';
export { sleep, until } from './wait.js';

/** Closes every client a test made, whatever happened in it. */
export class ClientPool {
	private readonly clients: ChatClient[] = [];

	async connect(url: string, options: Partial<ChatClientOptions> = {}): Promise<ChatClient> {
		const client = new ChatClient({ url, backoff: { initialMs: 50, maxMs: 500 }, ...options });
		this.clients.push(client);
		await client.connect();
		return client;
	}

	/** A connected client with a freshly registered user. */
	async registered(url: string, prefix?: string): Promise<ChatClient & { name: string }> {
		const client = await this.connect(url);
		const name = uniqueName(prefix);
		await client.register(name, PASSWORD);
		return Object.assign(client, { name });
	}

	/** A connected client registered under exactly this name (screens show it), with its token. */
	async named(url: string, name: string): Promise<ChatClient & { name: string; token: string }> {
		const client = await this.connect(url);
		const { token } = await client.register(name, PASSWORD);
		return Object.assign(client, { name, token });
	}

	async closeAll(): Promise<void> {
		await Promise.all(this.clients.splice(0).map((client) => client.close()));
	}
}

/** Makes two registered clients friends. */
export async function befriend(a: ChatClient & { name: string }, b: ChatClient & { name: string }): Promise<void> {
	await a.request('friends.request', { username: b.name });
	await b.request('friends.accept', { username: a.name });
}

/** Records every payload of one event type. */
export function record<E extends keyof ClientEvents>(client: ChatClient, event: E): Array<ClientEvents[E]> {
	const seen: Array<ClientEvents[E]> = [];
	client.on(event, (payload) => seen.push(payload));
	return seen;
}

/** Every message of a conversation, oldest first, paging back through `history`. */
export async function fullHistory(client: ChatClient, peer: Peer): Promise<Message[]> {
	const pages: Message[][] = [];
	let before: number | undefined;
	for (;;) {
		const { messages } = await client.request('history', { with: peer, limit: 200, ...(before === undefined ? {} : { before }) });
		if (messages.length === 0) break;
		pages.unshift(messages);
		before = messages[0]!.seq;
		if (before <= 1) break;
	}
	return pages.flat();
}
