import type { ScryptCost } from './auth/passwords.js';

/** How a server behaves; every field has a default in DEFAULT_SETTINGS. */
export interface ServerSettings {
	motd: string;
	/** How long a login token lasts, in days; 0 means until logout. */
	tokenTtlDays: number;
	/** Requests a connection may have waiting before it gets RATE_LIMITED. */
	maxQueuedRequests: number;
	/** scrypt cost for new password hashes. */
	passwordCost?: ScryptCost | undefined;
}

export const DEFAULT_SETTINGS: ServerSettings = {
	motd: 'Welcome to chat-tui.',
	tokenTtlDays: 90,
	maxQueuedRequests: 100,
};
