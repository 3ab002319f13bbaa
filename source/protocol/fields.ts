import { z } from 'zod';
import {
	MAX_ALIAS_CHARS,
	MAX_CID_CHARS,
	MAX_DESCRIPTION_CHARS,
	MAX_PASSWORD_CHARS,
	MAX_FILE_NAME_CHARS,
	MAX_FILE_TYPE_CHARS,
	MAX_QUERY_CHARS,
	MAX_REQUEST_ID_CHARS,
	MAX_SEARCH_CHARS,
	MAX_TEXT_CHARS,
	MIN_CID_CHARS,
	NAME_PATTERN,
	MAX_DEVICE_CHARS,
} from './limits.js';
import { CLEAN_TEXT_ISSUE, findUnclean, uncleanSentence, type CleanTextOptions } from './clean-text.js';

/**
 * A string field that must be clean text. Use it for every string a user or
 * an operator supplies; the check runs before any trimming, so a control
 * character at either end is refused too, not quietly dropped.
 */
export function cleanText(options: CleanTextOptions = {}) {
	return z.string().superRefine((text, context) => {
		const unclean = findUnclean(text, options);
		if (unclean) {
			context.addIssue({ code: 'custom', message: uncleanSentence(unclean), params: { reply: CLEAN_TEXT_ISSUE } });
		}
	});
}

/** Marks a validation issue that must be answered with TOO_LARGE rather than BAD_REQUEST. */
export const TOO_LARGE_ISSUE = 'TOO_LARGE';

const nameMessage = 'must be 1–32 letters, digits, "_", "-" or "."';

export const Username = z.string().regex(NAME_PATTERN, `a username ${nameMessage}`);
export const GroupName = z.string().regex(NAME_PATTERN, `a group name ${nameMessage}`);

export const RequestId = z.string().min(1).max(MAX_REQUEST_ID_CHARS);

export const Password = z.string().min(1, 'the password is empty').max(MAX_PASSWORD_CHARS);

/** A session token as the server issued it (base64url of 256 random bits). */
export const Token = z.string().min(1).max(256);

export const Cid = z
	.string()
	.min(MIN_CID_CHARS, `cid must be ${MIN_CID_CHARS}–${MAX_CID_CHARS} characters`)
	.max(MAX_CID_CHARS, `cid must be ${MIN_CID_CHARS}–${MAX_CID_CHARS} characters`);

/** Counts code points, not UTF-16 units, so an emoji is one character as a person sees it. */
export function characterCount(text: string): number {
	let count = 0;
	for (const _ of text) count++;
	return count;
}

/**
 * Message text: trimmed, then 1–4096 characters. Too long is TOO_LARGE (the
 * client did nothing malformed, the text is just too big); empty is BAD_REQUEST.
 */
export const Text = cleanText({ allowTab: true })
	.transform((text) => text.trim())
	.superRefine((text, context) => {
		if (text.length === 0) {
			context.addIssue({ code: 'custom', message: 'the message is empty' });
		} else if (characterCount(text) > MAX_TEXT_CHARS) {
			context.addIssue({
				code: 'custom',
				message: `the message is longer than ${MAX_TEXT_CHARS} characters`,
				params: { reply: TOO_LARGE_ISSUE },
			});
		}
	});

export const Alias = cleanText()
	.transform((alias) => alias.trim())
	.pipe(z.string().max(MAX_ALIAS_CHARS, `an alias is at most ${MAX_ALIAS_CHARS} characters`));

export const Description = cleanText()
	.transform((text) => text.trim())
	.pipe(z.string().max(MAX_DESCRIPTION_CHARS, `a description is at most ${MAX_DESCRIPTION_CHARS} characters`));

export const Query = cleanText()
	.transform((query) => query.trim())
	.pipe(z.string().min(1, 'the search is empty').max(MAX_QUERY_CHARS));

/** Words to find in public groups' names and descriptions; empty lists them all. */
export const BrowseQuery = cleanText()
	.transform((query) => query.trim())
	.pipe(z.string().max(MAX_QUERY_CHARS, `a group search is at most ${MAX_QUERY_CHARS} characters`));

/** Words to find in messages' text. */
export const SearchQuery = cleanText()
	.transform((query) => query.trim())
	.pipe(z.string().min(1, 'the search is empty').max(MAX_SEARCH_CHARS, `a search is at most ${MAX_SEARCH_CHARS} characters`));

/** A file's name as its uploader's system had it, without any directory. */
export const FileName = cleanText()
	.min(1, 'the file name is empty')
	.max(MAX_FILE_NAME_CHARS, `a file name is at most ${MAX_FILE_NAME_CHARS} characters`)
	.refine((name) => !/[/\\\u0000]/.test(name) && name !== '.' && name !== '..', 'a file name may not hold a directory');

/** A MIME type such as `image/png`; `application/octet-stream` when unknown. */
export const FileType = cleanText().min(1).max(MAX_FILE_TYPE_CHARS);

/** A label for a login session, e.g. `chat-tui on laptop`, shown in `sessions.list`. */
export const Device = cleanText()
	.transform((device) => device.trim())
	.pipe(z.string().max(MAX_DEVICE_CHARS, `a device label is at most ${MAX_DEVICE_CHARS} characters`));

/** A SHA-256 digest as 64 lower-case hex digits. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits');

/** A conversation: with one user, or in one group. Exactly one key. */
export const Peer = z.union([
	z.strictObject({ user: Username }),
	z.strictObject({ group: GroupName }),
]);
export type Peer = z.infer<typeof Peer>;

/** ISO 8601 UTC timestamp as the server writes it. */
export const Timestamp = z.string();

export const Seq = z.number().int().nonnegative();
