/** Latency histogram with logarithmic buckets (2 % wide): cheap to fill, to ship between processes and to merge. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export class Histogram {
	private readonly counts = new Map<number, number>();
	count = 0;
	max = 0;

	/** Adds one value (µs). */
	add(us: number): void {
		const bucket = us <= 1 ? 0 : Math.ceil(Math.log(us) / LOG_GROWTH);
		this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
		this.count++;
		if (us > this.max) this.max = us;
	}

	merge(entries: Array<[number, number]>, max = 0): void {
		for (const [bucket, count] of entries) {
			this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
			this.count += count;
		}
		if (max > this.max) this.max = max;
	}

	entries(): Array<[number, number]> {
		return [...this.counts.entries()];
	}

	/** The value (µs, upper edge of its bucket) below which `p` (0–1) of the values lie; undefined when empty. */
	percentile(p: number): number | undefined {
		if (this.count === 0) return undefined;
		const rank = Math.max(1, Math.ceil(p * this.count));
		let seen = 0;
		for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
			seen += this.counts.get(bucket)!;
			if (seen >= rank) return Math.min(GROWTH ** bucket, this.max);
		}
		return this.max;
	}
}
