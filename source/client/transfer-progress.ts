/** How a file transfer is going: what a progress bar draws. */
export interface TransferProgress {
	/** Bytes transferred so far (counting what an earlier, interrupted attempt already did). */
	done: number;
	total: number;
	/** Bytes per second over the last few seconds; 0 until there is something to measure. */
	rate: number;
	/** Time left at that rate, in ms; undefined while the rate is unknown. */
	etaMs: number | undefined;
}

/** The rate is measured over this much recent time, so it follows a changing network without jumping on every packet. */
const RATE_WINDOW_MS = 3_000;

/** Progress callbacks come at most this often (and once at the end), so a fast transfer does not flood a UI. */
export const PROGRESS_INTERVAL_MS = 100;

/** Turns byte counts into TransferProgress: a sliding-window rate and the time left at it. */
export class ProgressMeter {
	private samples: Array<{ at: number; done: number }> = [];
	private lastReport = Number.NEGATIVE_INFINITY;
	done = 0;

	constructor(
		readonly total: number,
		private readonly report: ((progress: TransferProgress) => void) | undefined,
		private readonly now: () => number = () => performance.now(),
	) {}

	/** Sets the count (it may go back after a reset); reports when due, or always when `force`. */
	update(done: number, force = false): void {
		const at = this.now();
		if (done < this.done) this.samples = [];
		this.done = done;
		this.samples.push({ at, done });
		while (this.samples.length > 2 && this.samples[0]!.at < at - RATE_WINDOW_MS) this.samples.shift();
		if (!this.report || (!force && at - this.lastReport < PROGRESS_INTERVAL_MS)) return;
		this.lastReport = at;
		this.report(this.progress());
	}

	progress(): TransferProgress {
		const first = this.samples[0];
		const last = this.samples.at(-1);
		const seconds = first && last ? (last.at - first.at) / 1000 : 0;
		const rate = first && last && seconds > 0 ? (last.done - first.done) / seconds : 0;
		const left = Math.max(0, this.total - this.done);
		return { done: this.done, total: this.total, rate, etaMs: rate > 0 ? (left / rate) * 1000 : left === 0 ? 0 : undefined };
	}
}
