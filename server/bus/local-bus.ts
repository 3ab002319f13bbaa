import { emptyStats, type Bus, type BusStats, type Delivery, type DeliveryHandler } from './bus.js';

/** The single-server bus: a delivery reaches this process's sessions at once. */
export class LocalBus implements Bus {
	private handler: DeliveryHandler | undefined;
	private readonly counts = emptyStats();

	async publish(delivery: Delivery): Promise<void> {
		this.counts.published++;
		this.handler?.(delivery);
	}

	subscribe(handler: DeliveryHandler): void {
		this.handler = handler;
	}

	/** Every session is here: there is nothing to route. */
	async join(_userId: number): Promise<void> {}

	async leave(_userId: number): Promise<void> {}

	async forget(_instanceId: string): Promise<void> {}

	stats(): BusStats {
		return { ...this.counts };
	}

	async close(): Promise<void> {
		this.handler = undefined;
	}
}
