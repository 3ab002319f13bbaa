import path from 'node:path';
import { spawnPinned, waitForOutput } from './proc.js';
import { note, record, setTitle } from './results.js';

/**
 * Password checks before and after the scrypt cost was raised to an
 * OWASP-recommended one (issue 11): the same burst of logins, all asked at
 * once, against a hash of each cost, through the server's verifyPassword
 * (with its bound on hashes at once), each in a fresh process pinned to the
 * server's core. Figures: checks per second (the password-login rate a
 * core sustains), CPU per check, and the process's peak RSS during the burst.
 */

interface CostRun {
	perSec: number;
	cpuMsEach: number;
	maxRssKiB: number;
	rssBeforeKiB: number;
}

const COSTS = [
	{ system: 'before (N=2^14, r=8, p=1)', N: 16384, r: 8, p: 1 },
	{ system: 'after (N=2^14, r=8, p=5)', N: 16384, r: 8, p: 5 },
] as const;

async function runCost(root: string, cost: (typeof COSTS)[number], count: number, core: number | undefined): Promise<CostRun> {
	const worker = spawnPinned(process.execPath, [path.join(root, 'dist', 'bench', 'password-worker.js'), String(cost.N), String(cost.r), String(cost.p), String(count)], { core });
	const [line] = await waitForOutput(worker, /^\{.*\}$/m, 120_000, `password checks at ${cost.system}`);
	return JSON.parse(line) as CostRun;
}

export async function runPasswordBench(options: { root: string; quick: boolean; core: number | undefined; log: (line: string) => void }): Promise<void> {
	const count = options.quick ? 40 : 200;
	setTitle('passwords', `Password logins: scrypt cost before and after (a burst of ${count} checks at once)`);
	for (const cost of COSTS) {
		const run = await runCost(options.root, cost, count, options.core);
		options.log(`    ${cost.system}: ${run.perSec.toFixed(1)} checks/s, ${run.cpuMsEach.toFixed(1)} ms CPU each, peak RSS ${(run.maxRssKiB / 1024).toFixed(0)} MiB`);
		record('passwords', 'password_checks_per_s', run.perSec, 'checks/s', cost.system);
		record('passwords', 'cpu_ms_per_check', run.cpuMsEach, 'ms CPU', cost.system);
		record('passwords', 'peak_rss_mib', run.maxRssKiB / 1024, 'MiB', cost.system);
	}
	note('passwords', 'Each figure from a fresh process pinned to the server core, calling the server\'s own verifyPassword for every check at once; the bound on hashes at once (server/auth/passwords.ts) holds the peak memory to a few scrypt blocks whatever the burst. A password login costs one such check; token logins (login) cost none.');
}
