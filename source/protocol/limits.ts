/**
 * Every number the wire contract fixes, named once. Both ends import these;
 * docs/PROTOCOL.md states the same values for outside clients.
 */

/** The protocol version announced in `welcome`. */
export const PROTOCOL_VERSION = 1;

/** Largest frame a peer may send; ws closes the socket with 1009 past it. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** A message text may hold at most this many characters (code points) after trimming. */
export const MAX_TEXT_CHARS = 4096;

/** Usernames and group names: 1–32 of letters, digits, `_`, `-`, `.`. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
export const MAX_NAME_CHARS = 32;

/** Client-chosen idempotency keys for `send`. */
export const MIN_CID_CHARS = 8;
export const MAX_CID_CHARS = 64;

/** Request ids are the client's; bounded so a peer cannot make us echo megabytes. */
export const MAX_REQUEST_ID_CHARS = 128;

/** Passwords: bounded so hashing cost stays predictable. */
export const MAX_PASSWORD_CHARS = 1024;

/** Friend aliases are shown in a narrow sidebar. */
export const MAX_ALIAS_CHARS = 32;

/** Session labels (`login`'s `device`), shown in a list of sessions. */
export const MAX_DEVICE_CHARS = 64;

/** The server's default shortest password; `chat-tui serve --min-password-length` changes it. */
export const DEFAULT_MIN_PASSWORD_CHARS = 8;

/** Group descriptions. */
export const MAX_DESCRIPTION_CHARS = 256;

/** `users.find` answers at most this many names. */
export const FIND_RESULT_LIMIT = 20;
export const MAX_QUERY_CHARS = 32;

/** `search`: words to look for, and how many hits one page holds. */
export const MAX_SEARCH_CHARS = 200;
export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 50;

/** File names as uploaded (no directories), and MIME types. */
export const MAX_FILE_NAME_CHARS = 255;
export const MAX_FILE_TYPE_CHARS = 127;
/** The server's default largest file; `chat-tui serve --max-file-bytes` changes it. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;

/** A client sends `typing` at most this often while the user types; others show it this long after the last one. */
export const TYPING_INTERVAL_MS = 3_000;
export const TYPING_SHOWN_MS = 6_000;

/** `history` page size. */
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 200;
