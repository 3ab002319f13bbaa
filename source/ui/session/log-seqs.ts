import type { ChatState } from '../state/chat-state.js';

/** Where a conversation's loaded log starts and ends, by seq: what paging and read reports go by. */

/** The newest message's seq in a conversation's log (0 for none). */
export function newestSeq(state: ChatState, key: string): number {
	const log = state.logs[key] ?? [];
	for (let index = log.length - 1; index >= 0; index--) {
		const entry = log[index]!;
		if (entry.kind === 'message') return entry.message.seq;
	}
	return 0;
}

export function oldestSeq(state: ChatState, key: string): number | undefined {
	const first = state.logs[key]?.find((entry) => entry.kind === 'message');
	return first?.kind === 'message' ? first.message.seq : undefined;
}

/** The lowest seq loaded above `seq` in a log, if any. */
export function nextLoadedSeq(state: ChatState, key: string, seq: number): number | undefined {
	let next: number | undefined;
	for (const entry of state.logs[key] ?? []) {
		if (entry.kind === 'message' && entry.message.seq > seq && (next === undefined || entry.message.seq < next)) next = entry.message.seq;
	}
	return next;
}
