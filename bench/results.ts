/**
 * The benchmark results: one typed object that every benchmark writes its
 * figures into, printed as a table, saved as bench/results/latest.json and
 * rendered into docs/BENCHMARKS.md.
 *
 * How a benchmark adds its figures (the server half in bench/run.ts, the TUI
 * half in bench/tui/):
 *
 *   import { record, note, writeResults } from '../results.js';
 *   record('tui', 'keypress_to_paint_p99', 12.5, 'ms');              // a plain figure
 *   record('direct', 'p99_ms_at_ref', 3.1, 'ms', 'chat-tui');         // one system's column
 *   note('tui', 'rendered in a 120×40 pseudo-terminal');
 *   await writeResults();   // merge into latest.json (other sections kept), rewrite docs/BENCHMARKS.md
 *
 * `npm run bench` also runs a section module when it is there: if
 * dist/bench/tui/index.js (compiled from bench/tui/index.ts or .tsx) exports
 * `run(context: SectionContext): Promise<void>`, it is called after the server
 * benchmarks, and whatever it records is printed and saved with the rest.
 *
 * Stable keys in latest.json: `sections.<section>.figures.<metric>` holds
 * `{unit, value}` for a plain figure or `{unit, values: {<system>: number}}`
 * for side-by-side ones; `targets[]` holds `{id, text, value, limit, op, met}`.
 * A section not produced by the latest run stays as it was, with its own
 * `measuredAt` and `mode`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_SCHEMA = 1;

/** A figure: one value, or one per system side by side (keys: 'bare-relay', 'chat-tui', 'ngircd', 'mosquitto', ...). */
export interface Figure {
	unit: string;
	value?: number | null;
	values?: Record<string, number | null>;
	/** Short remark printed beside the figure (e.g. "capped by the generator"). */
	note?: string;
}

export interface Section {
	title?: string;
	/** When and in which mode this section was last measured. */
	measuredAt: string;
	mode: string;
	/** Insertion order is display order. */
	figures: Record<string, Figure>;
	notes: string[];
	/** Free-form per-step data (not printed in the main table). */
	details?: Record<string, unknown>;
	/** Preformatted text (e.g. every step of a ladder) shown under the section in docs/BENCHMARKS.md. */
	appendix?: string;
}

/** A target from the issue, checked on ratios taken in the same run. */
export interface Target {
	id: string;
	text: string;
	value: number | null;
	limit: number;
	/** `value <= limit` or `value >= limit`. */
	op: '<=' | '>=';
	met: boolean | null;
	/** What limits the comparison (e.g. "both passed every step offered: a lower bound"). */
	note?: string;
}

export interface MachineInfo {
	nproc: number;
	cpuModel: string;
	memoryGiB: number;
	node: string;
	os: string;
	/** Filesystem holding the temporary data directories (fsync cost depends on it). */
	dataFilesystem?: string;
}

export interface Results {
	schema: number;
	generatedAt: string;
	mode: string;
	machine: MachineInfo;
	/** Things a reader must know to read the figures (limits opened, pinning, ...). */
	notes: string[];
	sections: Record<string, Section>;
	targets: Target[];
}

/** What `npm run bench` hands a section module's `run`. */
export interface SectionContext {
	quick: boolean;
	record: typeof record;
	note: typeof note;
	/** The repository root. */
	root: string;
	/** Command-line arguments after `npm run bench --`. */
	argv: string[];
}

export const ROOT = findRoot();
export const LATEST_FILE = path.join(ROOT, 'bench', 'results', 'latest.json');
export const MARKDOWN_FILE = path.join(ROOT, 'docs', 'BENCHMARKS.md');
/** What limits the unmet targets: judgement, written by hand, kept across runs. */
export const ANALYSIS_FILE = path.join(ROOT, 'bench', 'analysis.md');

function analysis(): string | undefined {
	try {
		return readFileSync(ANALYSIS_FILE, 'utf8').trim();
	} catch {
		return undefined;
	}
}

/** The repository root, whether this runs from bench/ (ts) or dist/bench/ (compiled). */
function findRoot(): string {
	let dir = path.dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 4; i++) {
		try {
			const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
			if (pkg.name === 'chat-tui') return dir;
		} catch {
			// not here
		}
		dir = path.dirname(dir);
	}
	return process.cwd();
}

let mode = process.argv.includes('--quick') ? 'quick' : 'full';
let currentResults: Results | undefined;

/** The results this process is building (created on first use). */
export function current(): Results {
	currentResults ??= {
		schema: RESULTS_SCHEMA,
		generatedAt: new Date().toISOString(),
		mode,
		machine: machineInfo(),
		notes: [],
		sections: {},
		targets: [],
	};
	return currentResults;
}

export function setMode(value: 'quick' | 'full'): void {
	mode = value;
	if (currentResults) currentResults.mode = value;
}

function section(name: string): Section {
	const results = current();
	let found = results.sections[name];
	if (!found) {
		found = { measuredAt: new Date().toISOString(), mode, figures: {}, notes: [] };
		results.sections[name] = found;
	}
	return found;
}

/**
 * Records one figure. With `system`, the value goes into that system's column
 * of the figure; without, it is the figure's single value. `null` means "could
 * not be measured" (printed as —).
 */
export function record(sectionName: string, key: string, value: number | null, unit: string, system?: string): void {
	const figures = section(sectionName).figures;
	const figure = (figures[key] ??= { unit });
	figure.unit = unit;
	const clean = value === null || !Number.isFinite(value) ? null : value;
	if (system === undefined) figure.value = clean;
	else (figure.values ??= {})[system] = clean;
}

/** A remark on one figure, printed beside it. */
export function annotate(sectionName: string, key: string, text: string): void {
	const figure = section(sectionName).figures[key];
	if (figure) figure.note = figure.note ? `${figure.note}; ${text}` : text;
}

/** A sentence printed under a section (or under the whole table when `sectionName` is undefined). */
export function note(sectionName: string | undefined, text: string): void {
	if (sectionName === undefined) current().notes.push(text);
	else section(sectionName).notes.push(text);
}

export function setTitle(sectionName: string, title: string): void {
	section(sectionName).title = title;
}

export function setDetails(sectionName: string, key: string, value: unknown): void {
	(section(sectionName).details ??= {})[key] = value;
}

export function setAppendix(sectionName: string, text: string): void {
	section(sectionName).appendix = text;
}

/** Adds (or replaces) a target check. */
export function recordTarget(target: Omit<Target, 'met'>): Target {
	const met = target.value === null ? null : target.op === '<=' ? target.value <= target.limit : target.value >= target.limit;
	const full: Target = { ...target, met };
	const targets = current().targets;
	const at = targets.findIndex((t) => t.id === target.id);
	if (at >= 0) targets[at] = full;
	else targets.push(full);
	return full;
}

/** A figure's value for one system (or its single value). */
export function figureValue(results: Results, sectionName: string, key: string, system?: string): number | null {
	const figure = results.sections[sectionName]?.figures[key];
	if (!figure) return null;
	const value = system === undefined ? figure.value : figure.values?.[system];
	return value ?? null;
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
	if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
	return a / b;
}

export function machineInfo(): MachineInfo {
	const cpu = cpus();
	let os = `${process.platform} ${process.arch}`;
	try {
		const release = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1];
		if (release) os = `${release} (${process.arch})`;
	} catch {
		// not Linux
	}
	let nproc = cpu.length;
	try {
		nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
	} catch {
		// no nproc
	}
	return {
		nproc,
		cpuModel: cpu[0]?.model.trim() ?? 'unknown',
		memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
		node: process.version,
		os,
	};
}

export function loadResults(file = LATEST_FILE): Results | undefined {
	try {
		const parsed = JSON.parse(readFileSync(file, 'utf8')) as Results;
		return parsed.schema === RESULTS_SCHEMA ? parsed : undefined;
	} catch {
		return undefined;
	}
}

/**
 * `newer` over `older`: sections newer has replace older's of the same name,
 * the others are kept; top-level notes, machine and mode are newer's; targets
 * are kept by id unless newer has the same id.
 */
export function mergeResults(older: Results | undefined, newer: Results): Results {
	if (!older) return newer;
	const targets = [...older.targets.filter((t) => !newer.targets.some((n) => n.id === t.id)), ...newer.targets];
	return {
		...newer,
		notes: newer.notes.length > 0 ? newer.notes : older.notes,
		sections: { ...older.sections, ...newer.sections },
		targets,
	};
}

/** Merges this process's results into latest.json and rewrites docs/BENCHMARKS.md; returns what was written. */
export function writeResults(options: { file?: string; markdown?: string | false } = {}): Results {
	const file = options.file ?? LATEST_FILE;
	const merged = mergeResults(loadResults(file), current());
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(merged, null, '\t')}\n`);
	if (options.markdown !== false) {
		const markdownFile = options.markdown ?? MARKDOWN_FILE;
		mkdirSync(path.dirname(markdownFile), { recursive: true });
		writeFileSync(markdownFile, formatMarkdown(merged));
	}
	return merged;
}

// ---------------------------------------------------------------- formatting

/** Systems in the order columns are shown; others follow in the order met. */
const SYSTEM_ORDER = ['bare-relay', 'chat-tui', 'ngircd', 'inspircd', 'mosquitto', 'prosody', 'ejabberd'];
/** Ratio columns: chat-tui divided by each of these, when both are there. */
const RATIO_BASES = ['bare-relay', 'ngircd', 'inspircd', 'mosquitto', 'prosody', 'ejabberd'];
const SUBJECT = 'chat-tui';

export function formatNumber(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	const abs = Math.abs(value);
	if (Number.isInteger(value)) return value.toLocaleString('en-US');
	if (abs >= 100_000) return Math.round(value).toLocaleString('en-US');
	if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
	if (abs >= 100) return value.toFixed(0);
	if (abs >= 10) return value.toFixed(1);
	if (abs >= 1) return value.toFixed(2);
	return value.toPrecision(2);
}

function formatRatio(value: number | null): string {
	return value === null ? '—' : `${value.toFixed(2)}×`;
}

interface Table {
	header: string[];
	rows: string[][];
	/** Column alignment: true = right. */
	right: boolean[];
}

function sectionTable(sec: Section): Table {
	const figures = Object.entries(sec.figures);
	const systems: string[] = [];
	for (const [, figure] of figures) {
		for (const system of Object.keys(figure.values ?? {})) if (!systems.includes(system)) systems.push(system);
	}
	systems.sort((a, b) => rank(a) - rank(b));
	const plain = figures.some(([, f]) => f.values === undefined);
	const bases = systems.includes(SUBJECT) ? RATIO_BASES.filter((b) => systems.includes(b)) : [];
	const header = ['figure', 'unit', ...(plain ? ['value'] : []), ...systems, ...bases.map((b) => `${SUBJECT} ÷ ${b}`)];
	const rows = figures.map(([key, figure]) => {
		const values = figure.values ?? {};
		const row = [key + (figure.note ? ` (${figure.note})` : ''), figure.unit];
		if (plain) row.push(figure.values === undefined ? formatNumber(figure.value) : '');
		for (const system of systems) row.push(figure.values === undefined ? '' : formatNumber(values[system]));
		for (const base of bases) row.push(figure.values === undefined ? '' : formatRatio(ratio(values[SUBJECT], values[base])));
		return row;
	});
	return { header, rows, right: header.map((_, i) => i >= 2) };
}

function rank(system: string): number {
	const at = SYSTEM_ORDER.indexOf(system);
	return at < 0 ? SYSTEM_ORDER.length : at;
}

function textTable(table: Table): string {
	const widths = table.header.map((h, i) => Math.max(width(h), ...table.rows.map((r) => width(r[i] ?? ''))));
	const line = (cells: string[]) =>
		cells.map((c, i) => (table.right[i] ? pad(c, widths[i]!, true) : pad(c, widths[i]!, false))).join('  ');
	return [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

function width(text: string): number {
	return [...text].length;
}

function pad(text: string, size: number, right: boolean): string {
	const fill = ' '.repeat(Math.max(0, size - width(text)));
	return right ? fill + text : text + fill;
}

function markdownTable(table: Table): string {
	const escape = (cell: string) => cell.replace(/\|/g, '\\|');
	return [
		`| ${table.header.map(escape).join(' | ')} |`,
		`|${table.right.map((r) => (r ? '---:' : '---')).join('|')}|`,
		...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
	].join('\n');
}

function targetTable(targets: Target[]): Table {
	const notes = targets.some((t) => t.note);
	return {
		header: ['target', 'ratio', 'limit', 'met', ...(notes ? ['note'] : [])],
		rows: targets.map((t) => [
			t.text,
			formatRatio(t.value),
			`${t.op} ${t.limit}`,
			t.met === null ? 'n/a' : t.met ? 'yes' : 'NO',
			...(notes ? [t.note ?? ''] : []),
		]),
		right: [false, true, true, false, false],
	};
}

function machineLine(machine: MachineInfo): string {
	return (
		`${machine.nproc} cores (nproc), ${machine.cpuModel}, ${machine.memoryGiB} GiB memory, ` +
		`Node ${machine.node}, ${machine.os}` +
		(machine.dataFilesystem ? `, data on ${machine.dataFilesystem}` : '')
	);
}

function isEmpty(sec: Section): boolean {
	return Object.keys(sec.figures).length === 0 && sec.notes.length === 0;
}

function sectionHeading(name: string, sec: Section): string {
	return `${sec.title ?? name} [${name}; ${sec.mode}, ${sec.measuredAt.slice(0, 19).replace('T', ' ')}Z]`;
}

/** The whole results as plain text: one table per section, then the targets. */
export function formatText(results: Results): string {
	const out: string[] = [`Benchmarks (${results.mode}) on ${machineLine(results.machine)}`];
	for (const text of results.notes) out.push(`  * ${text}`);
	for (const [name, sec] of Object.entries(results.sections)) {
		if (isEmpty(sec)) continue;
		out.push('', sectionHeading(name, sec), textTable(sectionTable(sec)));
		for (const text of sec.notes) out.push(`  * ${text}`);
	}
	if (results.targets.length > 0) out.push('', 'Targets (ratios from the same run)', textTable(targetTable(results.targets)));
	return `${out.join('\n')}\n`;
}

export function formatMarkdown(results: Results): string {
	const out: string[] = [
		'# Benchmarks',
		'',
		'Generated by `npm run bench` (README.md, "Benchmarks", says how to run it and what the keys',
		'of `bench/results/latest.json` mean). Do not edit by hand: the next run rewrites this file.',
		'',
		`Latest run: ${results.generatedAt.slice(0, 19).replace('T', ' ')}Z, mode \`${results.mode}\` (each section's heading says when and in which mode it was measured).`,
		'',
		`Machine: ${machineLine(results.machine)}.`,
	];
	if (results.notes.length > 0) out.push('', ...results.notes.map((n) => `- ${n}`));
	if (results.targets.length > 0) {
		out.push('', '## Targets (ratios from the same run)', '', markdownTable(targetTable(results.targets)));
	}
	const why = analysis();
	if (why) out.push('', '## What limits the targets not met', '', why);
	for (const [name, sec] of Object.entries(results.sections)) {
		if (isEmpty(sec)) continue;
		out.push('', `## ${sectionHeading(name, sec)}`, '', markdownTable(sectionTable(sec)));
		if (sec.notes.length > 0) out.push('', ...sec.notes.map((n) => `- ${n}`));
		if (sec.appendix) out.push('', '```text', sec.appendix.trimEnd(), '```');
	}
	return `${out.join('\n')}\n`;
}
