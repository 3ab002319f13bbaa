/**
 * Prosody (Debian's, Lua) as a peer that does chat-tui's job: it stores every
 * message (mod_mam, the archive on SQLite through mod_storage_sql) and delivers
 * it to a logged-in recipient over XMPP-over-WebSocket (bench/xmpp-client.ts).
 * Its configuration is the benchmark's own, in the run's temporary directory.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { countRows } from './xmpp-stores.js';
import { freePort, spawnPinned, stopProcess } from './proc.js';
import { NOFILE, waitForPort, type RunningSystem } from './systems.js';

export const PROSODY_DOMAIN = 'localhost';
export const PROSODY_PACKAGES = ['prosody', 'lua-dbi-sqlite3'];

/** What the notes say about how Prosody was set up. */
export const PROSODY_SETUP =
	'Prosody: own config in the run\'s temporary directory; one VirtualHost; mod_mam archives every chat message (default_archive_policy = true, archive_expires_after = "never") in SQLite through mod_storage_sql (lua-dbi-sqlite3; the database file is created in WAL mode beforehand, SQLite\'s default synchronous=FULL, as chat-tui\'s); ' +
	'idle memory measured after two full Lua garbage collections (collectgarbage("collect") through mod_admin_shell), as the Node servers\' after a forced V8 one; ' +
	'clients use XMPP over WebSocket (RFC 7395: SASL PLAIN, bind, initial presence, <message type=\'chat\'> to the peer\'s bare JID); no limits module; accounts made before the clients log in (one registered over the wire with XEP-0077, its rows in Prosody\'s store copied for the others); no fan-out workload (that would need a MUC room).';

/** The whole configuration file: nothing from /etc/prosody is read. */
export function prosodyConfig(dir: string, ports: { http: number; c2s: number }, database: string): string {
	const quote = (text: string) => JSON.stringify(text);
	return [
		'run_as_root = true',
		`pidfile = ${quote(path.join(dir, 'prosody.pid'))}`,
		`data_path = ${quote(path.join(dir, 'data'))}`,
		`log = { { levels = { min = "warn" }, to = "file", filename = ${quote(path.join(dir, 'prosody.log'))} } }`,
		// No "limits" (rate limits on c2s) among them; s2s is not needed on one host; admin_shell to force a full GC.
		'modules_enabled = { "roster", "saslauth", "disco", "ping", "register", "mam", "websocket", "admin_shell" }',
		`admin_socket = ${quote(path.join(dir, 'admin.sock'))}`,
		'modules_disabled = { "s2s", "s2s_auth_certs" }',
		`c2s_ports = { ${ports.c2s} }`,
		'c2s_interfaces = { "127.0.0.1" }',
		's2s_ports = { }',
		`http_ports = { ${ports.http} }`,
		'http_interfaces = { "127.0.0.1" }',
		'https_ports = { }',
		'consider_websocket_secure = true',
		// Plain SASL on loopback, passwords stored as given (no hashing cost on either side).
		'c2s_require_encryption = false',
		'allow_unencrypted_plain_auth = true',
		'authentication = "internal_plain"',
		'allow_registration = true',
		'min_seconds_between_registrations = 0',
		'storage = "sql"',
		`sql = { driver = "SQLite3", database = ${quote(database)} }`,
		'archive_expires_after = "never"',
		'default_archive_policy = true',
		`VirtualHost "${PROSODY_DOMAIN}"`,
		'',
	].join('\n');
}

export async function startProsody(core: number | undefined, dir: string): Promise<RunningSystem> {
	const http = await freePort();
	const c2s = await freePort();
	mkdirSync(path.join(dir, 'data'), { recursive: true });
	const database = path.join(dir, 'prosody.sqlite');
	// journal_mode=WAL is kept in the file: create it so before Prosody opens it (0.12 sets no journal mode itself).
	const db = new Database(database);
	db.pragma('journal_mode = WAL');
	db.close();
	const config = path.join(dir, 'prosody.cfg.lua');
	writeFileSync(config, prosodyConfig(dir, { http, c2s }, database));
	// -F: stay in the foreground, so the pid is Prosody's own.
	const pinned = spawnPinned('prosody', ['--config', config, '-F'], { core, nofile: NOFILE });
	await waitForPort(http, 30_000, 'prosody', pinned);
	return {
		kind: 'prosody',
		label: 'prosody',
		pid: pinned.pid,
		target: { system: 'prosody', url: `ws://127.0.0.1:${http}/xmpp-websocket`, domain: PROSODY_DOMAIN },
		process: pinned,
		accounts: { database, table: 'prosody', userColumn: 'user' },
		storedRows: () => countRows(database, "SELECT COUNT(*) AS n FROM prosodyarchive WHERE store = 'archive'"),
		collectGarbage: () => collectGarbage(config),
		stop: () => stopProcess(pinned, 10_000, 'SIGTERM'),
	};
}

/**
 * A full Lua garbage collection in the running Prosody, through its admin
 * shell (`prosodyctl shell`, lines starting with '>' are Lua), twice, as
 * forceGc does for the Node servers through their inspector.
 */
function collectGarbage(config: string): Promise<boolean> {
	return new Promise((resolve) => {
		const shell = spawn('prosodyctl', ['--config', config, 'shell'], { stdio: ['pipe', 'pipe', 'ignore'] });
		let out = '';
		shell.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		shell.once('error', () => resolve(false));
		shell.once('close', () => resolve((out.match(/Result: 0/g)?.length ?? 0) === 2));
		shell.stdin.end('>collectgarbage("collect")\n>collectgarbage("collect")\n');
	});
}

export function prosodyVersion(): string {
	try {
		return execFileSync('prosodyctl', ['about'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).match(/^Prosody (\d\S*)/m)?.[1] ?? '?';
	} catch {
		return '?';
	}
}

