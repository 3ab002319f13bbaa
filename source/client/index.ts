export {
	ChatClient,
	deviceLabel,
	REVOKED_CLOSE_CODE,
	RESTART_CLOSE_CODE,
	RESTART_JITTER_MS,
	type ChatClientOptions,
	type ClientEvents,
	type ConnectionState,
	type StateChange,
} from './chat-client.js';
export { EventBuffer } from './event-buffer.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { ProtocolError } from '../protocol/index.js';
