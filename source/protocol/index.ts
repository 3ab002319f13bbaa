/** The one definition of chat-tui's wire protocol; both ends import it from here. */
export * from './actions.js';
export * from './clean-text.js';
export * from './errors.js';
export * from './events.js';
export * from './fields.js';
export * from './files-http.js';
export * from './frames.js';
export * from './limits.js';
export * from './objects.js';
export * from './operations.js';
