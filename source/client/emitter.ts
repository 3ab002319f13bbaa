/** A small typed event emitter: listeners get exactly the payload their event names. */
export class Emitter<Events extends Record<string, unknown>> {
	private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

	/** Adds a listener; the returned function removes it. */
	on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
		let set = this.listeners.get(event);
		if (!set) {
			set = new Set();
			this.listeners.set(event, set);
		}
		set.add(listener as (payload: never) => void);
		return () => set.delete(listener as (payload: never) => void);
	}

	/** Resolves with the next payload of the event that matches. */
	once<E extends keyof Events>(event: E, match: (payload: Events[E]) => boolean = () => true): Promise<Events[E]> {
		return new Promise((resolve) => {
			const off = this.on(event, (payload) => {
				if (!match(payload)) return;
				off();
				resolve(payload);
			});
		});
	}

	protected emit<E extends keyof Events>(event: E, payload: Events[E]): void {
		for (const listener of [...(this.listeners.get(event) ?? [])]) {
			(listener as (payload: Events[E]) => void)(payload);
		}
	}
}
