import { useCallback, useRef } from 'react';
import type { TransferProgress } from '../../client/transfer-progress.js';
import type { HistoryStore } from '../../local/history-store.js';
import type { Message } from '../../protocol/index.js';
import type { TransferRunner } from '../commands/registry.js';
import type { ChatAction, Transfer } from '../state/chat-state.js';

export interface TransfersOptions {
	dispatch: (action: ChatAction) => void;
	history: HistoryStore;
	server: string;
	me: string;
}

export interface Transfers {
	runner: TransferRunner;
	/** Cancels the transfer in progress; false when there is none. */
	cancel(): boolean;
}

/**
 * One file transfer at a time: its AbortController lives here (Esc aborts
 * it), its progress goes to the reducer for the bar, and the bar goes away
 * when it ends, however it ends.
 */
export function useTransfers({ dispatch, history, server, me }: TransfersOptions): Transfers {
	const running = useRef<AbortController | undefined>(undefined);

	const run = useCallback<TransferRunner['run']>(
		async (direction, name, total, work) => {
			if (running.current) throw new Error('a file transfer is already in progress (Esc cancels it)');
			const controller = new AbortController();
			running.current = controller;
			const show = (progress: TransferProgress) => {
				if (running.current === controller) dispatch({ type: 'transfer', transfer: { direction, name, progress } satisfies Transfer });
			};
			show({ done: 0, total, rate: 0, etaMs: undefined });
			try {
				return await work(controller.signal, show);
			} catch (error) {
				// Cancelled by the user: not a failure to report.
				if (controller.signal.aborted) return undefined;
				throw error;
			} finally {
				running.current = undefined;
				dispatch({ type: 'transfer', transfer: undefined });
			}
		},
		[dispatch],
	);

	const posted = useCallback(
		(message: Message) => {
			history.add(server, me, [message]);
			dispatch({ type: 'message', message });
		},
		[history, server, me, dispatch],
	);

	const cancel = useCallback(() => {
		if (!running.current) return false;
		running.current.abort();
		return true;
	}, []);

	return { runner: { run, posted }, cancel };
}
