import type { TransferProgress } from '../../client/transfer-progress.js';
import type { Message } from '../../protocol/index.js';
import type { TransferRunner } from '../commands/registry.js';
import { keyName, KEY_BINDINGS } from '../keys.js';
import type { ChatAction, Transfer } from '../state/chat-state.js';

/**
 * One file transfer at a time: its AbortController lives here (Esc aborts
 * it), its progress goes to the reducer for the bar, and the bar goes away
 * when it ends, however it ends.
 */
export class Transfers {
	#running: AbortController | undefined;
	readonly runner: TransferRunner;

	constructor(
		private readonly dispatch: (action: ChatAction) => void,
		/** The uploaded file's message: into the log and local history (the session's one writer). */
		posted: (message: Message) => void,
	) {
		this.runner = { run: (direction, name, total, work) => this.#run(direction, name, total, work), posted };
	}

	async #run<T>(
		direction: Transfer['direction'],
		name: string,
		total: number,
		work: (signal: AbortSignal, onProgress: (progress: TransferProgress) => void) => Promise<T>,
	): Promise<T | undefined> {
		if (this.#running) throw new Error(`a file transfer is already in progress (${keyName(KEY_BINDINGS, 'close-overlay')} cancels it)`);
		const controller = new AbortController();
		this.#running = controller;
		const show = (progress: TransferProgress) => {
			if (this.#running === controller) this.dispatch({ type: 'transfer', transfer: { direction, name, progress } satisfies Transfer });
		};
		show({ done: 0, total, rate: 0, etaMs: undefined });
		try {
			return await work(controller.signal, show);
		} catch (error) {
			// Cancelled by the user: not a failure to report.
			if (controller.signal.aborted) return undefined;
			throw error;
		} finally {
			this.#running = undefined;
			this.dispatch({ type: 'transfer', transfer: undefined });
		}
	}

	/** Cancels the transfer in progress; false when there is none. */
	cancel(): boolean {
		if (!this.#running) return false;
		this.#running.abort();
		return true;
	}
}
