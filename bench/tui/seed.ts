import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../../source/local/history-store.js';
import { Settings } from '../../source/local/settings.js';
import type { Message } from '../../source/protocol/index.js';
import { hashPassword } from '../../server/auth/passwords.js';
import { hashToken, newToken } from '../../server/auth/tokens.js';
import { silentLogger } from '../../server/logger.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';

/**
 * A server and a client profile where alice's only conversation, with her
 * friend bob, holds `count` messages: in the server's SQLite store and in
 * alice's local HistoryStore, as if she had been chatting there all along.
 * The seeding is fast (synchronous=NORMAL and many appends per turn for
 * the server's store, one transaction per 10,000 for the local one); what
 * the benchmark then times (connect, token log-in, local page, server
 * page, rendering, typing) goes through the app's ordinary paths.
 */
export interface SeededWorld {
	count: number;
	server: RunningServer;
	location: { configDir: string; profile: string };
	/** What starts the newest message's first row: on screen once the log has loaded. */
	newestMarker: string;
	seedMs: number;
	close(): Promise<void>;
}

/** A cheap scrypt cost: log-in is not what is measured. */
const PASSWORD_COST = { N: 1024, r: 8, p: 1 };
const MINUTE = 60_000;

const WORDS = (
	'the quick brown fox jumps over lazy dog chat message server history terminal window screen ' +
	'render frame keystroke benchmark latency median percentile sqlite store local profile friend ' +
	'group online offline hello morning evening coffee meeting tomorrow deploy release review'
).split(' ');

/**
 * Messages just above the newest few (by distance from the newest) that a
 * hostile or careless peer could send, at the size limit: a pile of combining
 * marks, of zero-width characters, and a run of wide CJK characters and
 * emoji (each, with its number, under the 4,096 characters the protocol
 * allows). The log must draw them within its pane, and typing must stay fast
 * with them on screen (source/terminal/sanitize.ts).
 */
const WIDTH_STRESS: Record<number, string> = {
	4: `a${'\u0301'.repeat(4080)}`,
	5: `x${'\u200B'.repeat(4080)}y`,
	6: `${'漢'.repeat(2048)}${'👩‍👩‍👧‍👦'.repeat(290)}`,
};

/**
 * Deterministic text of 3 to 40 words (one to three rows at 120 columns, so
 * some lines wrap), chosen by the distance from the newest message: the
 * newest ones read the same whatever the count, so counts compare history
 * size, not screen content. The first word is the message's number.
 */
function messageText(index: number, count: number, stress: boolean): string {
	const hostile = stress ? WIDTH_STRESS[count - index] : undefined;
	if (hostile) return `#${index + 1} ${hostile}`;
	let seed = ((count - index) * 2654435761) >>> 0;
	const next = () => {
		seed = (seed * 1103515245 + 12345) >>> 0;
		return seed;
	};
	const words = 3 + (next() % 38);
	const out: string[] = [`#${index + 1}`];
	for (let word = 0; word < words; word++) out.push(WORDS[next() % WORDS.length]!);
	return out.join(' ');
}

/** `stress: false` leaves out the WIDTH_STRESS messages: an ordinary conversation (the start-up bench's). */
export async function seedWorld(count: number, { stress = true }: { stress?: boolean } = {}): Promise<SeededWorld> {
	const started = performance.now();
	const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-bench-server-'));
	const configDir = mkdtempSync(path.join(tmpdir(), 'chat-tui-bench-client-'));
	const token = newToken();

	const seedStore = new SqliteStore({ dataDir, synchronous: 'NORMAL' });
	const messages: Message[] = [];
	try {
		const alice = (await seedStore.createUser('alice', await hashPassword('bench password', PASSWORD_COST)))!;
		const bob = (await seedStore.createUser('bob', await hashPassword('bench password', PASSWORD_COST)))!;
		await seedStore.addFriendship(alice.id, bob.id);
		await seedStore.saveToken(alice.id, hashToken(token), null, 'bench');
		// One message every 7 minutes, the newest a minute ago: day separators every ~200 messages.
		const first = Date.now() - count * 7 * MINUTE;
		const CHUNK = 2000;
		for (let start = 0; start < count; start += CHUNK) {
			const appends = [];
			for (let index = start; index < Math.min(count, start + CHUNK); index++) {
				const fromAlice = index % 3 === 0;
				appends.push(
					seedStore.appendMessage({
						senderId: fromAlice ? alice.id : bob.id,
						to: { userId: fromAlice ? bob.id : alice.id },
						text: messageText(index, count, stress),
						// At least MIN_CID_CHARS (8), as any client's: a shorter one makes the history reply break the protocol.
						cid: `seed-message-${index}`,
						ts: new Date(first + index * 7 * MINUTE).toISOString(),
						pendingFor: [],
					}),
				);
			}
			for (const { message } of await Promise.all(appends)) messages.push(message);
		}
	} finally {
		await seedStore.close();
	}

	const server = await startServer({ port: 0, dataDir, logger: silentLogger, passwordCost: PASSWORD_COST });
	const location = { configDir, profile: 'bench' };
	new Settings(location).saveLogin(server.url, { username: 'alice', token });
	const history = new HistoryStore(location);
	try {
		for (let start = 0; start < messages.length; start += 10_000) history.add(server.url, 'alice', messages.slice(start, start + 10_000));
	} finally {
		history.close();
	}

	return {
		count,
		server,
		location,
		newestMarker: `#${count} `,
		seedMs: performance.now() - started,
		async close() {
			await server.close();
			rmSync(dataDir, { recursive: true, force: true });
			rmSync(configDir, { recursive: true, force: true });
		},
	};
}
