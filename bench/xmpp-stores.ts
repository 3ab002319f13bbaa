/**
 * What the XMPP servers keep in SQLite: their accounts, made before the
 * clients log in (chat-tui's users are seeded through its own store code
 * instead: bench/systems.ts), and their message archives, counted after a run.
 */
import Database from 'better-sqlite3';
import type { Generator } from './generators.js';
import type { LoginReply } from './messages.js';
import { log } from './plan.js';
import type { RunningSystem } from './systems.js';

/** Where a server keeps its accounts: the rows of one user are those whose `userColumn` is the name. */
export interface AccountStore {
	database: string;
	table: string;
	userColumn: string;
}

/**
 * Creates the accounts of every identity the generators hold: the first is
 * registered over the wire (XEP-0077), as a new user would; the rows that put
 * in the server's store are then copied for the others in one transaction
 * (every identity has the same password). Registering them all over the wire
 * costs a commit with its fsync each on Prosody (about 30 ms apiece here, 140
 * ms with `prosodyctl register`): minutes for the full run's 5,000. The logins
 * that follow prove the copies are accounts the server accepts.
 */
/** One count from a server's SQLite file, read-only (the server may still have it open). */
export function countRows(database: string, query: string): number {
	const db = new Database(database, { readonly: true, fileMustExist: true });
	try {
		return (db.prepare(query).get() as { n: number }).n;
	} finally {
		db.close();
	}
}

export async function prepareAccounts(system: RunningSystem, generators: Generator[], label: string): Promise<void> {
	const store = system.accounts;
	if (!store) return;
	const started = performance.now();
	const identities = generators.flatMap((g) => g.identities);
	const [first, ...others] = identities;
	if (!first) return;
	if (others.some((identity) => identity.password !== first.password)) throw new Error(`${label}: copying accounts needs one password for all`);
	const reply = await generators[0]!.call({ cmd: 'login', how: 'register', identities: [first], concurrency: 1 });
	const result = (reply as { result: LoginReply }).result;
	if (result.failed > 0) throw new Error(`${label}: registering ${first.name} failed: ${result.firstError}`);
	const db = new Database(store.database);
	try {
		db.pragma('busy_timeout = 10000');
		const rows = db.prepare(`SELECT * FROM ${store.table} WHERE ${store.userColumn} = ?`).all(first.name) as Array<Record<string, unknown>>;
		if (rows.length === 0) throw new Error(`${label}: registering ${first.name} stored nothing in ${store.table}`);
		const columns = Object.keys(rows[0]!);
		const insert = db.prepare(`INSERT INTO ${store.table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
		db.transaction(() => {
			for (const { name } of others) for (const row of rows) insert.run({ ...row, [store.userColumn]: name });
		})();
		log(`  ${label}: ${identities.length} accounts: ${first.name} registered over XMPP (XEP-0077), its ${rows.length} row(s) in ${store.table} copied for the other ${others.length} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
	} finally {
		db.close();
	}
}
