import type { Bus, Delivery } from './bus.js';

/** The single-server bus: a delivery reaches this process's sessions at once. */
export class LocalBus implements Bus {
	private readonly handlers: Array<(delivery: Delivery) => void> = [];

	async publish(delivery: Delivery): Promise<void> {
		for (const handler of this.handlers) handler(delivery);
	}

	subscribe(handler: (delivery: Delivery) => void): void {
		this.handlers.push(handler);
	}

	async close(): Promise<void> {
		this.handlers.length = 0;
	}
}
