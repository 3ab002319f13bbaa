/**
 * `--profile`: chat-tui's CPU profile (node --cpu-prof) under each workload at
 * its highest passing rate, its system calls per message (strace), and the
 * synchronous=NORMAL diagnostic that shows what the per-message fsync costs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { best } from './figures.js';
import { log, type BenchRun } from './plan.js';
import { sleep, spawnPinned, stopProcess } from './proc.js';
import { formatProfile, newestProfile, SQLITE_COMMIT, SQLITE_STATEMENTS, summarizeProfile, type ProfileSummary } from './profile.js';
import { note, record, ROOT, setAppendix, setDetails, setTitle } from './results.js';
import { closeSession, openSession, type Session } from './sessions.js';
import type { StepResult, Workload } from './step-results.js';
import { formatStep, runStep, runWorkloadSession } from './steps.js';

/**
 * The server's system calls per message, recorded by strace (when installed) over a short
 * step: how many fsyncs (of the WAL, of the database file), page writes and socket writes one
 * message costs, and how long the fsyncs take.
 */
async function countSyscalls(
	run: BenchRun,
	session: Session,
	workload: Workload,
): Promise<{ rate: number; messages: number; calls: Record<string, number>; perMessage: Record<string, number>; fsyncMs: Record<string, number> } | undefined> {
	if (spawnSync('sh', ['-c', 'command -v strace'], { stdio: 'ignore' }).status !== 0) return undefined;
	const output = path.join(run.tmp, `strace-${workload}.txt`);
	const strace = spawnPinned(
		'strace',
		['-f', '-y', '-T', '-o', output, '-e', 'trace=fsync,fdatasync,pwrite64,writev,read', '-p', String(session.system.pid)],
		{ core: run.cores.generator },
	);
	await sleep(500);
	const rate = workload === 'direct' ? 2000 : 20 * session.members;
	const result = await runStep(session, workload, rate, 2000, run.plan.counts.drainMs);
	await stopProcess(strace, 5000, 'SIGINT');
	let text = '';
	try {
		text = readFileSync(output, 'utf8');
	} catch {
		return undefined;
	}
	// Sockets by kind, files by name (chat-tui.db-wal, chat-tui.db, the data directory).
	const kind = (file: string) => (file.includes('TCP') || file.startsWith('socket') ? 'socket' : path.basename(file));
	const calls: Record<string, number> = {};
	const fsyncUs: Record<string, number> = {};
	for (const line of text.split('\n')) {
		const match = line.match(/^\d+\s+(\w+)\(\d+<([^>]*)>.*<([\d.]+)>$/);
		if (!match) continue;
		const [, name, file, seconds] = match;
		const key = `${name}(${kind(file!)})`;
		calls[key] = (calls[key] ?? 0) + 1;
		if (name === 'fsync' || name === 'fdatasync') fsyncUs[key] = (fsyncUs[key] ?? 0) + Number(seconds) * 1e6;
	}
	// Messages the server got through while traced (strace slows it down: not all that were sent).
	const messages = workload === 'direct' ? result.delivered : result.delivered / session.members;
	if (messages < 1) return undefined;
	const perMessage = Object.fromEntries(
		Object.entries(calls)
			.filter(([key]) => !/^(read|writev)\((?!socket)/.test(key))
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([key, n]) => [key, n / messages]),
	);
	const fsyncMs = Object.fromEntries(Object.entries(fsyncUs).map(([key, us]) => [key, us / 1000 / (calls[key] ?? 1)]));
	return { rate, messages, calls, perMessage, fsyncMs };
}

export async function profileChatTui(run: BenchRun, rates: { direct?: number; fanout?: number }): Promise<void> {
	const { counts, workloads } = run.plan;
	setTitle('profile', 'chat-tui CPU profile (node --cpu-prof on the server; self time)');
	note('profile', `Each profile covers the server's whole life: start-up, the clients' token logins (for fan-out each login announces presence to every co-member: contactsOf), then ${counts.profileMs / 1000} s at the workload's highest passing rate. Shares are of the main thread's busy (non-idle) wall time, so time blocked in fsync counts; better-sqlite3's native calls have no frames of their own and show as the self time of the JS calling them.`);
	const profileText: string[] = [];
	for (const workload of ['direct', 'fanout'] as const) {
		const rate = rates[workload];
		if (!rate || !workloads.has(workload)) continue;
		const dir = path.join(run.tmp, `profile-${workload}`);
		mkdirSync(dir, { recursive: true });
		log(`  profiling chat-tui under ${workload} at ${Math.round(rate)}/s for ${counts.profileMs / 1000} s ...`);
		const session = await openSession(run, 'chat-tui', `chat-tui-profile-${workload}`, {
			directClients: counts.directClients,
			members: counts.fanoutMembers,
			direct: workload === 'direct',
			fanout: workload === 'fanout',
		}, { cpuProfileDir: dir });
		let result: StepResult;
		try {
			result = await runStep(session, workload, rate, counts.profileMs, counts.drainMs);
			log(formatStep(result));
		} finally {
			await closeSession(session);
		}
		const file = newestProfile(dir);
		if (!file) {
			note('profile', `${workload}: no profile was written`);
			continue;
		}
		const saved = path.join(ROOT, 'bench', 'results', 'profiles', `chat-tui-${workload}.cpuprofile`);
		mkdirSync(path.dirname(saved), { recursive: true });
		execFileSync('cp', [file, saved]);
		const summary: ProfileSummary = summarizeProfile(saved);
		const text = formatProfile(`chat-tui, ${workload} at ${Math.round(rate)}/s`, summary).replace(summary.file, `bench/results/profiles/chat-tui-${workload}.cpuprofile`);
		log(text);
		profileText.push(text);
		setAppendix('profile', profileText.join('\n\n'));
		setDetails('profile', workload, { rate, step: result, summary });
		const share = (category: string) => summary.categories.find((c) => c.category === category)?.percent ?? 0;
		record('profile', `${workload}.busy_share_sqlite_commit`, share(SQLITE_COMMIT), '% of busy');
		record('profile', `${workload}.busy_share_sqlite_statements`, share(SQLITE_STATEMENTS), '% of busy');
		record('profile', `${workload}.busy_share_zod`, share('zod (validation)'), '% of busy');
		record('profile', `${workload}.busy_share_gc`, share('garbage collection'), '% of busy');
		record('profile', `${workload}.busy_share_socket_writes`, share('socket writes (native)'), '% of busy');
		const top = summary.top.slice(0, 5).map((f) => `${f.name} ${f.percent.toFixed(1)}%`).join(', ');
		note('profile', `${workload}: top self time: ${top} (raw profile: bench/results/profiles/chat-tui-${workload}.cpuprofile)`);
		// System calls per message, on a fresh server without the profiler (strace slows it down a lot).
		// Fan-out only: its one sender's requests are handled one at a time, so each message has its own
		// commit with or without strace; with many senders (direct) strace's slowness would inflate
		// the group commit's batches and understate the fsyncs per message.
		if (workload !== 'fanout') continue;
		const traced = await openSession(run, 'chat-tui', `chat-tui-strace-${workload}`, {
			directClients: counts.directClients,
			members: counts.fanoutMembers,
			direct: false,
			fanout: true,
		});
		try {
			const syscalls = await countSyscalls(run, traced, workload);
			if (syscalls) {
				const per = 'message sent (each to every member)';
				const line =
					Object.entries(syscalls.perMessage)
						.map(([name, n]) => `${name} ${n.toFixed(2)}`)
						.join(', ') +
					`; mean fsync ${Object.entries(syscalls.fsyncMs)
						.map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`)
						.join(', ')} (under strace)`;
				log(`    strace at ${syscalls.rate}/s: syscalls per ${per}: ${line}`);
				note('profile', `${workload}: syscalls per ${per} (strace -f on a fresh server at ${syscalls.rate}/s offered, a separate step): ${line}.`);
				setDetails('profile', `${workload}_syscalls`, syscalls);
				for (const [name, n] of Object.entries(syscalls.perMessage)) {
					record('profile', `${workload}.${name.replace(/[^a-z0-9]+/gi, '_').replace(/_$/, '')}_per_message`, n, 'calls');
				}
			}
		} finally {
			await closeSession(traced);
		}
	}
	// What SQLite's fsync at every commit costs: the same server with synchronous=NORMAL.
	log('  diagnostic: chat-tui with SQLite synchronous=NORMAL (not a supported setting; shows the fsync cost)');
	const variant = await runWorkloadSession(run, 'chat-tui', { direct: null, fanout: null }, await openSession(run, 'chat-tui', 'chat-tui-normal', {
		directClients: counts.directClients,
		members: counts.fanoutMembers,
		direct: workloads.has('direct'),
		fanout: workloads.has('fanout'),
	}, { synchronous: 'NORMAL' }));
	setTitle('diagnostic', 'chat-tui with synchronous=NORMAL (what the per-message fsync costs; not a target)');
	for (const workload of ['direct', 'fanout'] as const) {
		const peak = best(variant[workload]);
		const full = run.steps.get('chat-tui');
		const fullPeak = full ? best(full[workload]) : undefined;
		const unit = workload === 'direct' ? 'msg/s' : 'deliveries/s';
		record('diagnostic', `${workload}.peak_delivered_per_s`, fullPeak?.deliveredPerSec ?? null, unit, 'chat-tui');
		record('diagnostic', `${workload}.peak_delivered_per_s`, peak?.deliveredPerSec ?? null, unit, 'chat-tui-normal');
		const sameRate = fullPeak ? variant[workload].find((r) => r.offered === fullPeak.offered) : undefined;
		record('diagnostic', `${workload}.cpu_ms_per_1k_at_chat_tui_peak`, fullPeak?.cpuPer1kMs ?? null, 'ms CPU', 'chat-tui');
		record('diagnostic', `${workload}.cpu_ms_per_1k_at_chat_tui_peak`, sameRate?.cpuPer1kMs ?? null, 'ms CPU', 'chat-tui-normal');
	}
	setDetails('diagnostic', 'steps', variant);
}
