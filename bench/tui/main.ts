import { current, formatText, setMode, writeResults } from '../results.js';
import { recordTui, runTuiFigures } from './index.js';

/**
 * The TUI benchmarks on their own: `npm run bench:tui [-- --quick] [-- --save]`
 * builds with tsconfig.bench.json and runs dist/bench/tui/main.js.
 *
 *   --quick              fewer start-ups and keystrokes (same message counts)
 *   --counts=100,100000  the message counts; the first is the ratios' base
 *   --save               merge the `tui` section into bench/results/latest.json
 *                        and docs/BENCHMARKS.md (as `npm run bench` does)
 */
const quick = process.argv.includes('--quick');
setMode(quick ? 'quick' : 'full');
const counts = process.argv
	.find((argument) => argument.startsWith('--counts='))
	?.slice('--counts='.length)
	.split(',')
	.map(Number);

const run = await runTuiFigures({ quick, ...(counts && { counts }), log: (line) => console.error(line) });
recordTui(run);
process.stdout.write(formatText(current()));
if (process.argv.includes('--save')) {
	writeResults();
	console.log('saved to bench/results/latest.json and docs/BENCHMARKS.md');
}
