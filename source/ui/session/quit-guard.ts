/** What quitting now would leave behind, as the quit guard weighs it. */
export interface QuitConcerns {
	/** Messages not yet acknowledged: kept in the outbox and sent at the next start, so this informs. */
	unsent: number;
	/** Other connections to the server this window hosts (Ctrl-O): quitting stops it for them, so this guards. */
	hostedOthers: number;
}

type Concern = keyof QuitConcerns;

const plural = (count: number, one: string, many: string) => (count === 1 ? `1 ${one}` : `${count} ${many}`);

/** The one line a quit with something at stake shows; `quitKey` is how the screen names its quit key. */
export function quitWarning({ unsent, hostedOthers }: QuitConcerns, quitKey: string): string {
	const messages = plural(unsent, 'message is', 'messages are');
	const others = `${plural(hostedOthers, 'other is', 'others are')} connected to the server this window hosts`;
	if (hostedOthers === 0) return `${messages} not sent yet; ${quitKey} again quits (they are kept and sent at the next start)`;
	if (unsent === 0) return `${others}; quitting stops it for them. ${quitKey} again quits anyway`;
	return `${messages} not sent yet (kept and sent at the next start), and ${others} (quitting stops it for them); ${quitKey} again quits anyway`;
}

/**
 * Quitting asks once: the first quit with something at stake says what, in
 * one line, and the next quit goes. A concern already told of does not ask
 * again; a new one (others connected since) does. The chat screen and the
 * log-in screen each hold one.
 */
export class QuitGuard {
	readonly #told = new Set<Concern>();

	/** The line to show instead of quitting, or undefined: quit now. */
	check(concerns: QuitConcerns, quitKey: string): string | undefined {
		const present = (Object.keys(concerns) as Concern[]).filter((concern) => concerns[concern] > 0);
		if (present.every((concern) => this.#told.has(concern))) return undefined;
		for (const concern of present) this.#told.add(concern);
		return quitWarning(concerns, quitKey);
	}
}
