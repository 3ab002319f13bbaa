/** Summaries of V8 CPU profiles (`node --cpu-prof`): self time by function and by where the code comes from. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

export interface ProfileEntry {
	name: string;
	where: string;
	selfMs: number;
	/** Share of the busy (non-idle) time. */
	percent: number;
}

export interface ProfileSummary {
	file: string;
	totalMs: number;
	busyMs: number;
	idleMs: number;
	top: ProfileEntry[];
	categories: Array<{ category: string; selfMs: number; percent: number }>;
}

/** Categories the run's summary picks out by name. */
export const SQLITE_COMMIT = 'SQLite transactions: BEGIN/COMMIT incl. fsync (better-sqlite3 transaction())';
export const SQLITE_STATEMENTS = 'SQLite statements (self time of the store methods, i.e. native better-sqlite3 calls)';

function shortUrl(url: string): string {
	if (!url) return '';
	const clean = url.replace(/^file:\/\//, '');
	const modules = clean.lastIndexOf('/node_modules/');
	if (modules >= 0) return clean.slice(modules + '/node_modules/'.length);
	const dist = clean.lastIndexOf('/dist/');
	if (dist >= 0) return clean.slice(dist + '/dist/'.length);
	return clean;
}

/** Where a node's self time belongs; native frames (no url) take their caller's side where that tells more. */
function category(node: ProfileNode, parent: ProfileNode | undefined): string {
	const { functionName, url } = node.callFrame;
	if (functionName === '(garbage collector)') return 'garbage collection';
	if (functionName === '(program)') return 'V8/native, not attributed (program)';
	if (functionName === '(idle)') return 'idle';
	if (functionName === '(root)') return 'idle';
	if (url.includes('/node_modules/zod/')) return 'zod (validation)';
	if (url.includes('/node_modules/ws/')) return 'ws (WebSocket framing, JS)';
	// better-sqlite3's native calls get no frames of their own: their time is the self time of the JS that calls them.
	if (url.includes('/node_modules/better-sqlite3/lib/methods/transaction')) return SQLITE_COMMIT;
	if (url.includes('/node_modules/better-sqlite3/')) return SQLITE_STATEMENTS;
	if (url.includes('/dist/server/store/')) return SQLITE_STATEMENTS;
	if (url.includes('/dist/server/')) return 'chat-tui server (JS)';
	if (url.includes('/dist/source/protocol/')) return 'chat-tui protocol (JS)';
	if (url.includes('/dist/bench/')) return 'bench code (JS)';
	if (url.startsWith('node:')) return `Node internals (${url.replace(/^node:(internal\/)?/, '').split('/')[0]})`;
	if (url.includes('/node_modules/')) return `${shortUrl(url).split('/')[0]} (JS)`;
	if (!url) {
		const parentUrl = parent?.callFrame.url ?? '';
		if (parentUrl.includes('/server/store/') || parentUrl.includes('better-sqlite3')) return SQLITE_STATEMENTS;
		if (functionName === 'stringify') return 'JSON.stringify';
		if (functionName === 'parse') return 'JSON.parse';
		if (/^write|^writev|^writeBuffer|^writeUtf8String|^writeLatin1String/.test(functionName)) return 'socket writes (native)';
		if (parentUrl.includes('/node_modules/ws/')) return 'ws (native helpers)';
		if (parentUrl.includes('/node_modules/zod/')) return 'zod (validation)';
		return `native: ${functionName || '(anonymous)'}`;
	}
	return shortUrl(url);
}

export function summarizeProfile(file: string, topN = 15): ProfileSummary {
	const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
	const byId = new Map<number, ProfileNode>();
	const parentOf = new Map<number, ProfileNode>();
	for (const node of profile.nodes) byId.set(node.id, node);
	for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
	const selfUs = new Map<number, number>();
	profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

	const functions = new Map<string, { name: string; where: string; us: number }>();
	const categories = new Map<string, number>();
	let idleUs = 0;
	let totalUs = 0;
	for (const [id, us] of selfUs) {
		const node = byId.get(id);
		if (!node) continue;
		totalUs += us;
		const cat = category(node, parentOf.get(id));
		if (cat === 'idle') {
			idleUs += us;
			continue;
		}
		categories.set(cat, (categories.get(cat) ?? 0) + us);
		const { functionName, url, lineNumber } = node.callFrame;
		const parent = parentOf.get(id)?.callFrame;
		const where = url
			? `${shortUrl(url)}:${lineNumber + 1}`
			: `native${parent ? `, called from ${parent.functionName || '(anonymous)'} ${shortUrl(parent.url)}:${parent.lineNumber + 1}` : ''}`;
		const name = functionName || '(anonymous)';
		const key = `${name}@${where}`;
		const entry = functions.get(key) ?? { name, where, us: 0 };
		entry.us += us;
		functions.set(key, entry);
	}
	const busyUs = totalUs - idleUs;
	const percent = (us: number) => (busyUs > 0 ? (100 * us) / busyUs : 0);
	return {
		file,
		totalMs: totalUs / 1000,
		busyMs: busyUs / 1000,
		idleMs: idleUs / 1000,
		top: [...functions.values()]
			.sort((a, b) => b.us - a.us)
			.slice(0, topN)
			.map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, percent: percent(f.us) })),
		categories: [...categories.entries()]
			.sort((a, b) => b[1] - a[1])
			.map(([cat, us]) => ({ category: cat, selfMs: us / 1000, percent: percent(us) })),
	};
}

/** The newest .cpuprofile in a directory. */
export function newestProfile(dir: string): string | undefined {
	const files = readdirSync(dir)
		.filter((f) => f.endsWith('.cpuprofile'))
		.sort();
	const last = files.at(-1);
	return last ? path.join(dir, last) : undefined;
}

export function formatProfile(title: string, summary: ProfileSummary): string {
	const lines = [
		`${title}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled (${summary.file})`,
		'  by origin (self time, % of busy):',
		...summary.categories.slice(0, 16).map((c) => `    ${c.percent.toFixed(1).padStart(5)}%  ${c.selfMs.toFixed(0).padStart(7)} ms  ${c.category}`),
		'  top functions by self time:',
		...summary.top.map((f) => `    ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  (${f.where})`),
	];
	return lines.join('\n');
}
