import { z } from 'zod';
import type { HistoryStore } from '../../local/history-store.js';
import { Friend, FriendRequest, Group } from '../../protocol/index.js';
import type { ViewKey } from '../state/chat-state.js';

/** The lists the server gave at the last login, shown while it cannot be reached. */
const Roster = z.object({ friends: z.array(Friend), groups: z.array(Group), requests: z.array(FriendRequest) });
export type Roster = z.infer<typeof Roster>;

const DRAFT = 'draft:';
const OPEN = 'open';
const ROSTER = 'roster';

/**
 * What a session keeps for its next start, per server and user, in the
 * profile's history database: the draft of each conversation, the one that
 * was open, and the last lists the server gave. What is read back came from
 * the network once, so it is parsed again, never trusted.
 */
export class KeptState {
	constructor(
		private readonly history: HistoryStore,
		private readonly server: string,
		private readonly me: string,
	) {}

	drafts(): Map<ViewKey, string> {
		const drafts = new Map<ViewKey, string>();
		for (const [name, text] of this.history.keptWith(this.server, this.me, DRAFT)) {
			drafts.set(name.slice(DRAFT.length) as ViewKey, text);
		}
		return drafts;
	}

	keepDraft(key: ViewKey, text: string): void {
		this.history.keep(this.server, this.me, DRAFT + key, text);
	}

	lastOpen(): ViewKey | undefined {
		return this.history.kept(this.server, this.me, OPEN) as ViewKey | undefined;
	}

	keepOpen(key: ViewKey): void {
		this.history.keep(this.server, this.me, OPEN, key);
	}

	roster(): Roster | undefined {
		const text = this.history.kept(this.server, this.me, ROSTER);
		if (text === undefined) return undefined;
		try {
			const parsed = Roster.safeParse(JSON.parse(text));
			return parsed.success ? parsed.data : undefined;
		} catch {
			return undefined;
		}
	}

	keepRoster(roster: Roster): void {
		this.history.keep(this.server, this.me, ROSTER, JSON.stringify(roster));
	}
}
