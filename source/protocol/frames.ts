import { z } from 'zod';
import { CLEAN_TEXT_ISSUE } from './clean-text.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { eventFields, type EventFrame, type EventType } from './events.js';
import { RequestId } from './fields.js';
import { PROTOCOL_VERSION } from './limits.js';
import { isOp, requestFields, type Op, type RequestOf } from './operations.js';

export const WelcomeFrame = z.object({
	type: z.literal('welcome'),
	server: z.literal('chat-tui'),
	protocol: z.literal(PROTOCOL_VERSION),
	version: z.string(),
	motd: z.string(),
});
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;

/** `ok` replies keep their result fields; the client checks them against the op it asked. */
export const OkFrame = z.looseObject({ type: z.literal('ok'), re: z.string() });
export type OkFrame = z.infer<typeof OkFrame>;

/** `re` is absent only when the offending frame carried no usable id. */
export const ErrorFrame = z.object({
	type: z.literal('error'),
	re: z.string().optional(),
	code: ErrorCode,
	message: z.string(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

const eventFrameSchemas = Object.entries(eventFields).map(([type, fields]) =>
	fields.extend({ type: z.literal(type) }),
);

/** Anything the server may send. */
export const ServerFrame = z.discriminatedUnion('type', [
	WelcomeFrame,
	OkFrame,
	ErrorFrame,
	...eventFrameSchemas,
] as unknown as [typeof WelcomeFrame, typeof OkFrame, typeof ErrorFrame]);
export type ServerFrame = WelcomeFrame | OkFrame | ErrorFrame | EventFrame;

export function isEventFrame(frame: ServerFrame): frame is EventFrame {
	return Object.hasOwn(eventFields, frame.type);
}

export function isEventType(value: string): value is EventType {
	return Object.hasOwn(eventFields, value);
}

/** A client request after validation. */
export type RequestFrame = { [O in Op]: { type: O; id: string; fields: RequestOf<O> } }[Op];

/** A frame that failed validation: the error to answer with, and the id to answer to if there was one. */
export class FrameError extends ProtocolError {
	constructor(
		code: ErrorCode,
		message: string,
		readonly re?: string,
	) {
		super(code, message);
	}
}

/** A request whose op and id have been read; its fields are not checked yet. */
export interface RequestEnvelope {
	type: Op;
	id: string;
	frame: Record<string, unknown>;
}

/**
 * Reads the op and id of one text frame from a client. Throws FrameError
 * (BAD_REQUEST, with the id when one could be read) for anything that is not
 * a JSON object naming a known op with an id.
 */
export function readEnvelope(text: string): RequestEnvelope {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new FrameError('BAD_REQUEST', 'the frame is not valid JSON');
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new FrameError('BAD_REQUEST', 'a frame must be a JSON object');
	}
	const frame = value as Record<string, unknown>;
	const idResult = RequestId.safeParse(frame['id']);
	const id = idResult.success ? idResult.data : undefined;
	if (!isOp(frame['type'])) {
		const what = typeof frame['type'] === 'string' ? `unknown operation "${frame['type'].slice(0, 40)}"` : 'the frame has no "type"';
		throw new FrameError('BAD_REQUEST', what, id);
	}
	if (id === undefined) {
		throw new FrameError('BAD_REQUEST', 'a request needs an "id" string of 1–128 characters');
	}
	return { type: frame['type'], id, frame };
}

/** Checks a request's fields against its op's schema: FrameError with BAD_REQUEST or TOO_LARGE. */
export function readFields(envelope: RequestEnvelope): RequestFrame {
	const result = requestFields[envelope.type].safeParse(envelope.frame);
	if (!result.success) {
		throw new FrameError(issueCode(result.error), describeIssues(result.error), envelope.id);
	}
	return { type: envelope.type, id: envelope.id, fields: result.data } as RequestFrame;
}

/** Validates one text frame from a client: readEnvelope, then readFields. */
export function parseRequest(text: string): RequestFrame {
	return readFields(readEnvelope(text));
}

function isCleanTextIssue(issue: z.core.$ZodIssue): boolean {
	return issue.code === 'custom' && (issue as { params?: { reply?: string } }).params?.reply === CLEAN_TEXT_ISSUE;
}

function issueCode(error: z.ZodError): ErrorCode {
	const tooLarge = error.issues.some(
		(issue) => issue.code === 'custom' && (issue as { params?: { reply?: string } }).params?.reply === 'TOO_LARGE',
	);
	return tooLarge ? 'TOO_LARGE' : 'BAD_REQUEST';
}

/** One human sentence naming the first thing wrong, e.g. `username: a username must be …`. */
export function describeIssues(error: z.ZodError): string {
	const issue = error.issues[0];
	if (!issue) return 'the request is malformed';
	const path = issue.path.map(String).join('.');
	// A clean-text refusal names the field and the character: `text holds U+001B (ESC) at character 7`.
	if (isCleanTextIssue(issue)) return `${path || 'the text'} ${issue.message}`;
	const message =
		issue.code === 'invalid_type' && issue.input === undefined
			? 'is required'
			: issue.code === 'invalid_union' && (path === 'to' || path === 'with')
				? 'must be {"user": name} or {"group": name}'
				: issue.message;
	return path ? `${path}: ${message}` : message;
}
