/**
 * At most `limit` tasks run at once; the rest wait their turn in arrival
 * order. Password hashing goes through one of these: each scrypt holds tens
 * of MiB and a libuv thread for a few hundred ms, so a burst of logins must
 * queue rather than take all the memory and every thread file I/O needs.
 */
export class Semaphore {
	private running = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(readonly limit: number) {
		if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a semaphore needs a limit of at least 1');
	}

	/** Tasks running now. */
	get active(): number {
		return this.running;
	}

	/** Tasks waiting for a turn. */
	get queued(): number {
		return this.waiting.length;
	}

	async run<T>(task: () => Promise<T>): Promise<T> {
		await this.acquire();
		try {
			return await task();
		} finally {
			this.release();
		}
	}

	private acquire(): Promise<void> {
		if (this.running < this.limit) {
			this.running++;
			return Promise.resolve();
		}
		// The slot passes straight from the releasing task to this one: `running` never dips, so no newcomer can jump the queue.
		return new Promise((resolve) => this.waiting.push(resolve));
	}

	private release(): void {
		const next = this.waiting.shift();
		if (next) next();
		else this.running--;
	}
}
