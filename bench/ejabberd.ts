/**
 * ejabberd (Debian's, Erlang) as a second storing peer: mod_mam archives every
 * message in SQLite (ejabberd's own schema, sql_type sqlite), clients speak
 * XMPP over WebSocket like Prosody's. Its configuration is the benchmark's own,
 * in the run's temporary directory; the Erlang VM runs as root straight from
 * `erl` (ejabberdctl would switch to the ejabberd user, so the pid measured
 * would be su's), with ejabberdctl's own VM flags, pinned like the others:
 * taskset before exec pins every scheduler thread to the server core.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { countRows } from './xmpp-stores.js';
import { freePort, spawnPinned, stopProcess } from './proc.js';
import { NOFILE, waitForPort, type RunningSystem } from './systems.js';

export const EJABBERD_DOMAIN = 'localhost';
export const EJABBERD_PACKAGES = ['ejabberd', 'erlang-p1-sqlite3'];
const SCHEMA = '/usr/share/ejabberd/sql/lite.sql';

export const EJABBERD_SETUP =
	'ejabberd: own config in the run\'s temporary directory; one host; mod_mam archives every chat message (default: always) in SQLite (sql_type: sqlite, ejabberd\'s lite.sql schema loaded into a database file created in WAL mode beforehand, SQLite\'s default synchronous=FULL); ' +
	'accounts in SQL with plain passwords (SASL PLAIN, no hashing); no shapers, no connection limits; the Erlang VM started with ejabberdctl\'s flags (+K true +P 250000) and its scheduler defaults (schedulers spin briefly before sleeping: that CPU is counted); no full GC forced before the idle figure (no distribution to ask it through).';

export function ejabberdConfig(ports: { http: number }, database: string): string {
	return [
		'hosts:',
		`  - ${EJABBERD_DOMAIN}`,
		'loglevel: warning',
		'sql_type: sqlite',
		`sql_database: ${JSON.stringify(database)}`,
		'default_db: sql',
		'auth_method: sql',
		'auth_password_format: plain',
		'registration_timeout: infinity',
		'listen:',
		'  -',
		`    port: ${ports.http}`,
		'    ip: "127.0.0.1"',
		'    module: ejabberd_http',
		'    backlog: 1024',
		'    request_handlers:',
		'      /xmpp-websocket: ejabberd_http_ws',
		'acl:',
		'  local:',
		'    user_regexp: ""',
		'access_rules:',
		'  register:',
		'    allow: all',
		'  local:',
		'    allow: local',
		'  c2s:',
		'    allow: all',
		'modules:',
		'  mod_disco: {}',
		'  mod_ping: {}',
		'  mod_roster: {}',
		'  mod_register:',
		'    access: register',
		'    ip_access: all',
		'  mod_mam:',
		'    db_type: sql',
		'    default: always',
		'',
	].join('\n');
}

/** Where ejabberd's Erlang applications are (ejabberdctl's ERL_LIBS). */
function erlLibs(): string {
	try {
		return readFileSync('/usr/sbin/ejabberdctl', 'utf8').match(/^ERL_LIBS='([^']+)'/m)?.[1] ?? '/usr/lib/x86_64-linux-gnu';
	} catch {
		return '/usr/lib/x86_64-linux-gnu';
	}
}

export async function startEjabberd(core: number | undefined, dir: string): Promise<RunningSystem> {
	const http = await freePort();
	const spool = path.join(dir, 'spool');
	mkdirSync(spool, { recursive: true });
	const database = path.join(dir, 'ejabberd.db');
	const db = new Database(database);
	db.pragma('journal_mode = WAL');
	db.exec(readFileSync(SCHEMA, 'utf8'));
	db.close();
	const config = path.join(dir, 'ejabberd.yml');
	writeFileSync(config, ejabberdConfig({ http }, database));
	const env = {
		...process.env,
		HOME: dir,
		EJABBERD_CONFIG_PATH: config,
		EJABBERD_LOG_PATH: path.join(dir, 'ejabberd.log'),
		ERL_CRASH_DUMP: path.join(dir, 'erl_crash.dump'),
		ERL_CRASH_DUMP_BYTES: '0',
		ERL_LIBS: erlLibs(),
		ERL_MAX_PORTS: '65536',
	};
	const pinned = spawnPinned('erl', ['+K', 'true', '+P', '250000', '-noinput', '-noshell', '-mnesia', 'dir', JSON.stringify(spool), '-s', 'ejabberd'], {
		core,
		nofile: NOFILE,
		env,
		cwd: dir,
	});
	await waitForPort(http, 60_000, 'ejabberd', pinned);
	return {
		kind: 'ejabberd',
		label: 'ejabberd',
		pid: pinned.pid,
		target: { system: 'ejabberd', url: `ws://127.0.0.1:${http}/xmpp-websocket`, domain: EJABBERD_DOMAIN },
		process: pinned,
		accounts: { database, table: 'users', userColumn: 'username' },
		storedRows: () => countRows(database, 'SELECT COUNT(*) AS n FROM archive'),
		stop: () => stopProcess(pinned, 10_000, 'SIGTERM'),
	};
}

export function ejabberdVersion(): string {
	try {
		return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'ejabberd'], { encoding: 'utf8' }).trim() || '?';
	} catch {
		return '?';
	}
}
