import type { ChatClient } from '../../client/index.js';
import { TYPING_INTERVAL_MS, type Peer } from '../../protocol/index.js';
import { isConversation, type ChatAction, type ChatState } from '../state/chat-state.js';
import { keyOfPeer, peerOfKey } from '../state/conversations.js';
import { newestSeq } from './log-seqs.js';

/** A conversation on screen is reported read at most this often (a busy group would otherwise send one per message). */
const READ_REPORT_MS = 1_000;
/** Drawn again this long after the first "typing…" runs out, so it is surely gone. */
const TYPING_END_SLACK_MS = 50;
const COUNTDOWN_TICK_MS = 1_000;

/** What pacing needs of the session. */
export interface PacedSession {
	getState(): ChatState;
	dispatch(action: ChatAction): void;
	tick(now?: number): void;
}

/**
 * What the session does at a measured pace, and the timers behind it: read
 * reports (at most one a second per conversation), typing notices (at most
 * one per TYPING_INTERVAL_MS), the redraw when someone's "typing…" runs out,
 * and the once-a-second tick of a reconnect countdown. `follow` is called
 * with every new state; each part acts only when what it depends on changed.
 */
export class Pacing {
	/** Per conversation: the seq last reported read, and when. */
	readonly #reported = new Map<string, { seq: number; at: number }>();
	readonly #typingSent = new Map<string, number>();
	#readFollows: string | undefined;
	#readTimer: NodeJS.Timeout | undefined;
	#typingFollows: { typing: ChatState['typing']; now: number } | undefined;
	#typingTimer: NodeJS.Timeout | undefined;
	#countdown: NodeJS.Timeout | undefined;

	constructor(
		private readonly client: ChatClient,
		private readonly session: PacedSession,
	) {}

	follow({ state, now }: { state: ChatState; now: number }): void {
		this.#typingEnds(state.typing, now);
		this.#tickWhile(state.connection.state === 'reconnecting');
		this.#reportRead(state);
	}

	stop(): void {
		clearTimeout(this.#readTimer);
		clearTimeout(this.#typingTimer);
		clearInterval(this.#countdown);
		this.#countdown = undefined;
	}

	/** The user typed in the input line of this conversation: tells the others, at most every few seconds. */
	typed(peer: Peer): void {
		const key = keyOfPeer(peer);
		const at = Date.now();
		if (at - (this.#typingSent.get(key) ?? 0) < TYPING_INTERVAL_MS) return;
		this.#typingSent.set(key, at);
		this.client.request('typing', { to: peer }).catch(() => undefined);
	}

	/** Someone's "typing…" ends on its own: draw again when the first of them runs out. */
	#typingEnds(typing: ChatState['typing'], now: number): void {
		if (this.#typingFollows?.typing === typing && this.#typingFollows.now === now) return;
		this.#typingFollows = { typing, now };
		clearTimeout(this.#typingTimer);
		const untils = Object.values(typing).flatMap((who) => Object.values(who)).filter((until) => until > Date.now());
		if (untils.length === 0) return;
		this.#typingTimer = setTimeout(() => this.session.tick(), Math.min(...untils) - Date.now() + TYPING_END_SLACK_MS);
	}

	/** A once-a-second tick only while a countdown is on screen. */
	#tickWhile(counting: boolean): void {
		if (counting) {
			this.#countdown ??= setInterval(() => this.session.tick(), COUNTDOWN_TICK_MS);
			return;
		}
		clearInterval(this.#countdown);
		this.#countdown = undefined;
	}

	/** What is on screen at the bottom of the open conversation counts as read, here and on the user's other devices. */
	#reportRead(state: ChatState): void {
		const key = state.selected;
		const newest = !isConversation(key) ? 0 : newestSeq(state, key);
		const follows = `${key}\n${state.scroll}\n${newest}`;
		if (follows === this.#readFollows) return;
		this.#readFollows = follows;
		clearTimeout(this.#readTimer);
		if (!isConversation(key) || state.scroll > 0 || newest === 0) return;
		const last = this.#reported.get(key);
		if (last && last.seq >= newest) return;
		const report = () => {
			const seq = newestSeq(this.session.getState(), key);
			this.#reported.set(key, { seq, at: Date.now() });
			this.session.dispatch({ type: 'read', key, seq });
			this.client.request('read', { with: peerOfKey(key), seq }).catch(() => undefined);
		};
		const wait = last ? last.at + READ_REPORT_MS - Date.now() : 0;
		if (wait <= 0) return report();
		this.#readTimer = setTimeout(report, wait);
	}
}
