import fc from 'fast-check';
import { MAX_FRAME_BYTES } from '../../source/protocol/index.js';

/**
 * Garbage for the server, made by fast-check from a fixed seed so that every
 * run throws the same frames: random bytes, text that is not UTF-8 or not
 * JSON, JSON of every wrong shape, and valid requests for every op mutated
 * field by field and byte by byte (missing, extra and wrong-typed fields,
 * huge numbers, deep nesting, prototype keys, 1 MiB strings).
 */
export interface FuzzFrame {
	/** Which generator made it (for the report). */
	kind: string;
	/** Text is sent as a text frame; a Buffer as a binary frame, or as a text frame when `binary` is false. */
	data: string | Buffer;
	binary: boolean;
	/** The close code the server must answer with for a frame it must not read at all (too big, not UTF-8). */
	closes?: number;
}

/** Names that exist nowhere: even a valid request that names them changes nothing. */
export const GHOST_USER = 'ghost_user';
export const GHOST_GROUP = 'ghost_grp';

/** The keys a prototype-pollution attack uses. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

type Obj = Record<string, unknown>;

/** Sets an own, enumerable property, so that `__proto__` becomes a key and not the object's prototype. */
export function put<T extends object>(target: T, key: string, value: unknown): T {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
	return target;
}

/** JSON text spliced in verbatim where JSON.stringify could not write it (1e999, deep nesting). */
class RawJson {
	constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson values verbatim; `null` for what JSON has no word for. */
export function serialize(value: unknown): string {
	const raws: string[] = [];
	let text: string | undefined;
	try {
		text = JSON.stringify(value, (_key, inner: unknown) => {
			if (inner instanceof RawJson) {
				raws.push(inner.text);
				return `\u0007raw${raws.length - 1}\u0007`;
			}
			return inner;
		});
	} catch {
		text = undefined;
	}
	if (text === undefined) return 'null';
	return text.replace(/"\\u0007raw(\d+)\\u0007"/g, (_match, index: string) => raws[Number(index)]!);
}

/** A copy through JSON, which keeps `__proto__` as an own key and drops RawJson (mutations run on seeds only). */
function clone(frame: Obj): Obj {
	return JSON.parse(JSON.stringify(frame)) as Obj;
}

/** One valid request for every op. Nothing they name exists, so none of them changes anything. */
export function validRequests(): Obj[] {
	let n = 0;
	const id = () => `v${++n}`;
	const name = { username: GHOST_USER };
	const group = { name: GHOST_GROUP };
	return [
		{ type: 'register', id: id(), username: 'ghost_reg', password: 'not the password' },
		{ type: 'login', id: id(), username: GHOST_USER, password: 'wrong password' },
		{ type: 'login', id: id(), token: 'A'.repeat(43) },
		{ type: 'logout', id: id() },
		{ type: 'users.find', id: id(), query: 'fz' },
		{ type: 'friends.request', id: id(), ...name },
		{ type: 'friends.accept', id: id(), ...name },
		{ type: 'friends.decline', id: id(), ...name },
		{ type: 'friends.remove', id: id(), ...name },
		{ type: 'friends.alias', id: id(), ...name, alias: 'pal' },
		{ type: 'friends.list', id: id() },
		{ type: 'groups.create', id: id(), ...group, description: 'a group' },
		{ type: 'groups.join', id: id(), ...group },
		{ type: 'groups.leave', id: id(), ...group },
		{ type: 'groups.delete', id: id(), ...group },
		{ type: 'groups.members', id: id(), ...group },
		{ type: 'groups.list', id: id() },
		{ type: 'groups.invite', id: id(), ...group, ...name },
		{ type: 'groups.decline', id: id(), ...group },
		{ type: 'groups.kick', id: id(), ...group, ...name },
		{ type: 'groups.ban', id: id(), ...group, ...name },
		{ type: 'groups.unban', id: id(), ...group, ...name },
		{ type: 'groups.bans', id: id(), ...group },
		{ type: 'groups.role', id: id(), ...group, ...name, role: 'admin' },
		{ type: 'groups.transfer', id: id(), ...group, ...name },
		{ type: 'groups.update', id: id(), ...group, description: 'new topic', visibility: 'public' },
		{ type: 'groups.browse', id: id(), query: 'fz' },
		{ type: 'send', id: id(), to: { user: GHOST_USER }, text: 'hello', cid: 'cid-00000001' },
		{ type: 'send', id: id(), to: { group: GHOST_GROUP }, text: 'hello all', cid: 'cid-00000002' },
		{ type: 'history', id: id(), with: { user: GHOST_USER }, before: 5, limit: 10 },
		{ type: 'history', id: id(), with: { group: GHOST_GROUP } },
		// search
		{ type: 'search', id: id(), query: '"deploy"* -fail: OR x' },
		{ type: 'search', id: id(), query: 'hello', with: { user: GHOST_USER }, before: '12', limit: 5 },
		{ type: 'search', id: id(), query: 'hello', with: { group: GHOST_GROUP } },
		{ type: 'read', id: id(), with: { user: GHOST_USER }, seq: 3 },
		{ type: 'unread', id: id() },
		{ type: 'typing', id: id(), to: { group: GHOST_GROUP } },
		// files
		{ type: 'files.upload', id: id(), to: { user: GHOST_USER }, name: 'notes.txt', size: 12, mime: 'text/plain', sha256: 'a'.repeat(64) },
		{ type: 'send', id: id(), to: { user: GHOST_USER }, text: 'a file', cid: 'cid-00000003', file: '1' },
		// accounts (wrong passwords and unknown ids: nothing changes)
		{ type: 'login', id: id(), token: 'A'.repeat(43), device: 'chat-tui on fuzz' },
		{ type: 'account.password', id: id(), current: 'wrong password', password: 'a new long password' },
		{ type: 'account.delete', id: id(), password: 'wrong password' },
		{ type: 'sessions.list', id: id() },
		{ type: 'sessions.revoke', id: id(), session: 'no-such-session' },
		{ type: 'ignore.add', id: id(), ...name },
		{ type: 'ignore.remove', id: id(), ...name },
		{ type: 'ignore.list', id: id() },
	];
}

const HUGE_NUMBERS = [
	'1e308',
	'-1e308',
	'1e999',
	'-1e999',
	'9007199254740993',
	'-9007199254740993',
	'123456789012345678901234567890123456789',
	'1.7976931348623157e309',
	'5e-324',
	'1e-999',
	'-0',
	'0.5',
	'-1',
	'4294967296',
];

const ODD_STRINGS = [
	'',
	' ',
	'\u0000',
	'\t\n\r',
	'x'.repeat(129),
	'é'.repeat(4097),
	'💥'.repeat(2000),
	'\u202e\u200b',
	'\x1b]0;pwned\x07',
	'\u009b2J',
	'../../etc/passwd',
	"'; DROP TABLE users; --",
	'%s%s%n',
	'null',
	'undefined',
	'NaN',
	'{"type":"register"}',
];

const OP_NAMES = [
	'register',
	'login',
	'logout',
	'users.find',
	'friends.request',
	'friends.accept',
	'friends.decline',
	'friends.remove',
	'friends.alias',
	'friends.list',
	'groups.create',
	'groups.join',
	'groups.leave',
	'groups.delete',
	'groups.members',
	'groups.list',
	'groups.invite',
	'groups.decline',
	'groups.kick',
	'groups.ban',
	'groups.unban',
	'groups.bans',
	'groups.role',
	'groups.transfer',
	'groups.update',
	'groups.browse',
	'send',
	'history',
	'search',
	'read',
	'unread',
	'typing',
	// files
	'files.upload',
	// accounts
	'account.password',
	'account.delete',
	'sessions.list',
	'sessions.revoke',
	'ignore.add',
	'ignore.remove',
	'ignore.list',
];

const ODD_OPS = [
	'SEND',
	'Send',
	'send ',
	' login',
	'friends',
	'groups.',
	'toString',
	'valueOf',
	'hasOwnProperty',
	'__proto__',
	'constructor',
	'prototype',
	'welcome',
	'ok',
	'error',
	'message',
	'presence',
	'',
];

const FIELD_NAMES = [
	'type',
	'id',
	'username',
	'password',
	'token',
	'query',
	'alias',
	'name',
	'description',
	'to',
	'with',
	'text',
	'cid',
	'before',
	'limit',
	'user',
	'group',
	're',
	...PROTO_KEYS,
];

/** What a polluter hopes lands on Object.prototype: fields that would make a bad request pass. */
function pollution(): Obj {
	return {
		username: 'polluted_user',
		password: 'polluted',
		name: 'polluted_grp',
		text: 'polluted text',
		cid: 'polluted-cid',
		to: { user: GHOST_USER },
		isAdmin: true,
		polluted: 'yes',
	};
}

const protoPayload: fc.Arbitrary<unknown> = fc.constantFrom(...PROTO_KEYS).chain((key) =>
	fc.constantFrom(
		put({}, key, pollution()),
		put({}, key, put({}, 'prototype', pollution())),
		put({ user: GHOST_USER }, key, { group: GHOST_GROUP }),
		put({}, key, { user: GHOST_USER }),
		put([] as unknown[], key, pollution()),
	),
);

/** Nesting deep enough to break a recursive parser, but kept under the frame limit. */
function deep(depth: number, kind: 'array' | 'object'): RawJson {
	return kind === 'array'
		? new RawJson('['.repeat(depth) + '0' + ']'.repeat(depth))
		: new RawJson('{"a":'.repeat(depth) + '0' + '}'.repeat(depth));
}

const deepArb: fc.Arbitrary<RawJson> = fc
	.tuple(fc.integer({ min: 10, max: 11_000 }), fc.constantFrom('array' as const, 'object' as const))
	.map(([depth, kind]) => deep(kind === 'array' ? depth * 2 : Math.min(depth, 10_000), kind));

/** A value of any type for a field: wrong types, odd strings, huge numbers, deep nesting, prototype keys. */
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
	{ weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
	{ weight: 3, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) },
	{ weight: 2, arbitrary: fc.constantFrom(...HUGE_NUMBERS).map((token) => new RawJson(token)) },
	{ weight: 2, arbitrary: fc.constantFrom(...ODD_STRINGS) },
	{ weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
	{ weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
	{ weight: 1, arbitrary: deepArb },
	{ weight: 2, arbitrary: protoPayload },
	{ weight: 1, arbitrary: fc.string({ minLength: 4000, maxLength: 4200 }) },
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
	{ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
	{ weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
	{ weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

/** A `to` / `with` peer of every wrong shape. */
const peerArb: fc.Arbitrary<unknown> = fc.oneof(
	fc.constant({}),
	valueArb.map((value) => ({ user: value })),
	valueArb.map((value) => ({ group: value })),
	fc.constant({ user: GHOST_USER, group: GHOST_GROUP }),
	fc.constant({ user: GHOST_USER, extra: 1 }),
	fc.constant(put({}, '__proto__', { user: GHOST_USER })),
	fc.constant(put({}, 'constructor', { prototype: { user: GHOST_USER } })),
	fc.constant([GHOST_USER]),
	fc.constant(GHOST_USER),
	fc.constant({ USER: GHOST_USER }),
	valueArb,
);

type Mutation = (frame: Obj) => void;

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
	// a field goes missing (type and id included)
	{
		weight: 3,
		arbitrary: fc.nat().map((n): Mutation => (frame) => {
			const keys = Object.keys(frame);
			if (keys.length > 0) delete frame[keys[n % keys.length]!];
		}),
	},
	// a field is added or set to a value of any type
	{
		weight: 4,
		arbitrary: fc.tuple(keyArb, valueArb).map(([key, value]): Mutation => (frame) => void put(frame, key, value)),
	},
	// an existing field gets a value of the wrong type
	{
		weight: 4,
		arbitrary: fc.tuple(fc.nat(), valueArb).map(([n, value]): Mutation => (frame) => {
			const keys = Object.keys(frame);
			if (keys.length > 0) put(frame, keys[n % keys.length]!, value);
		}),
	},
	// the peer of a send or history is malformed
	{
		weight: 3,
		arbitrary: fc.tuple(fc.constantFrom('to', 'with'), peerArb).map(([key, peer]): Mutation => (frame) => void put(frame, key, peer)),
	},
	// another op's name, a near miss, or not a string
	{
		weight: 2,
		arbitrary: fc
			.oneof(fc.constantFrom(...OP_NAMES, ...ODD_OPS), valueArb)
			.map((type): Mutation => (frame) => void put(frame, 'type', type)),
	},
	// the request id of every wrong kind
	{
		weight: 2,
		arbitrary: fc
			.oneof(fc.constantFrom('', 'x'.repeat(128), 'x'.repeat(129), '__proto__'), valueArb)
			.map((id): Mutation => (frame) => void put(frame, 'id', id)),
	},
	// a prototype key at the top level
	{
		weight: 2,
		arbitrary: fc.tuple(fc.constantFrom(...PROTO_KEYS), protoPayload).map(([key, value]): Mutation => (frame) => void put(frame, key, value)),
	},
);

/** Byte-level damage to JSON text: flips, cuts, copies, insertions, truncation. */
type TextMutation = (text: string) => string;

const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
	fc.tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })).map(([at, char]): TextMutation => (text) => {
		const i = at % Math.max(1, text.length);
		return text.slice(0, i) + char + text.slice(i + 1);
	}),
	fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })).map(([at, length]): TextMutation => (text) => {
		const i = at % Math.max(1, text.length);
		return text.slice(0, i) + text.slice(i + length);
	}),
	fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([at, length]): TextMutation => (text) => {
		const i = at % Math.max(1, text.length);
		return text.slice(0, i + length) + text.slice(i);
	}),
	fc
		.tuple(fc.nat(), fc.oneof(fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', '\\ud800', 'null', '1e999', '__proto__'), fc.string({ maxLength: 6 })))
		.map(([at, insert]): TextMutation => (text) => {
			const i = at % Math.max(1, text.length);
			return text.slice(0, i) + insert + text.slice(i);
		}),
	fc.nat().map((at): TextMutation => (text) => text.slice(0, at % Math.max(1, text.length))),
);

/** Byte sequences that are never valid UTF-8. */
const INVALID_UTF8 = [
	[0xff],
	[0xfe, 0xff],
	[0x80],
	[0xc0, 0xaf],
	[0xc3],
	[0xe2, 0x82],
	[0xed, 0xa0, 0x80],
	[0xf4, 0x90, 0x80, 0x80],
	[0xf8, 0x88, 0x80, 0x80, 0x80],
];

export const ONE_MIB = 1024 * 1024;

/** Every kind of frame, weighted: mostly mutated requests, a few that the server must close the connection for. */
export function fuzzFrameArbitrary(seeds: Obj[] = validRequests()): fc.Arbitrary<FuzzFrame> {
	const seedArb = fc.constantFrom(...seeds);
	const text = (kind: string) => (data: string): FuzzFrame => ({ kind, data, binary: false });
	return fc.oneof(
		// valid requests as they are (the guard in the test holds back the few that would change state)
		{ weight: 30, arbitrary: seedArb.map((frame) => text('valid')(serialize(frame))) },
		// valid requests with one to three fields mutated
		{
			weight: 400,
			arbitrary: fc.tuple(seedArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([seed, mutations]) => {
				const frame = clone(seed);
				for (const mutate of mutations) mutate(frame);
				return text('mutated fields')(serialize(frame));
			}),
		},
		// valid requests with garbage fields merged in
		{
			weight: 60,
			arbitrary: fc.tuple(seedArb, fc.object({ maxDepth: 2, maxKeys: 6 })).map(([seed, extra]) =>
				text('extra fields')(serialize({ ...extra, type: seed['type'], id: seed['id'] })),
			),
		},
		// valid request text damaged byte by byte
		{
			weight: 120,
			arbitrary: fc.tuple(seedArb, fc.array(textMutationArb, { minLength: 1, maxLength: 4 })).map(([seed, mutations]) =>
				text('mutated text')(mutations.reduce((data, mutate) => mutate(data), serialize(seed))),
			),
		},
		// any JSON at all (mostly not an object, or an object with no type)
		{ weight: 80, arbitrary: fc.json({ maxDepth: 4 }).map(text('json')) },
		{ weight: 50, arbitrary: fc.anything({ maxDepth: 3, maxKeys: 6 }).map((value) => text('anything')(serialize(value))) },
		{ weight: 30, arbitrary: fc.object({ maxDepth: 3, maxKeys: 8 }).map((value) => text('object')(serialize(value))) },
		// text that is not JSON
		{ weight: 60, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map(text('binary-unit string')) },
		{ weight: 30, arbitrary: fc.string({ maxLength: 200 }).map(text('ascii string')) },
		// binary frames: random bytes, and valid requests sent as binary
		{
			weight: 40,
			arbitrary: fc.uint8Array({ maxLength: 2048 }).map((bytes): FuzzFrame => ({ kind: 'binary', data: Buffer.from(bytes), binary: true })),
		},
		{
			weight: 10,
			arbitrary: seedArb.map((seed): FuzzFrame => ({ kind: 'binary request', data: Buffer.from(serialize(seed)), binary: true })),
		},
		// huge numbers in every numeric or string spot
		{
			weight: 40,
			arbitrary: fc.tuple(seedArb, fc.constantFrom('before', 'limit', 'id', 'cid', 'text', 'username', 'to'), fc.constantFrom(...HUGE_NUMBERS)).map(
				([seed, key, number]) => text('huge number')(serialize(put(clone(seed), key, new RawJson(number)))),
			),
		},
		// deep nesting, at the top level and inside fields
		{ weight: 15, arbitrary: deepArb.map((raw) => text('deep')(raw.text)) },
		{
			weight: 25,
			arbitrary: fc.tuple(seedArb, fc.constantFrom(...FIELD_NAMES), deepArb).map(([seed, key, raw]) =>
				text('deep field')(serialize(put(clone(seed), key, raw))),
			),
		},
		// prototype keys: at the top level and inside fields, written as raw text too
		{
			weight: 40,
			arbitrary: fc.tuple(seedArb, fc.constantFrom(...FIELD_NAMES), protoPayload).map(([seed, key, payload]) =>
				text('prototype keys')(serialize(put(clone(seed), key, payload))),
			),
		},
		{
			weight: 20,
			arbitrary: fc.tuple(seedArb, fc.constantFrom(...PROTO_KEYS)).map(([seed, key]) => {
				const body = serialize(seed).slice(1, -1);
				return text('prototype keys (raw)')(`{"${key}":${serialize(pollution())},${body}}`);
			}),
		},
		// many keys in one object
		{
			weight: 5,
			arbitrary: fc.tuple(seedArb, fc.integer({ min: 100, max: 3000 }), fc.constantFrom('top', 'to', 'with')).map(([seed, count, where]) => {
				const many: Obj = {};
				for (let i = 0; i < count; i++) many[`k${i}`] = i;
				const frame = clone(seed);
				if (where === 'top') Object.assign(frame, many);
				else put(frame, where, many);
				return text('many keys')(serialize(frame));
			}),
		},
		// strings just under the frame limit: read, and refused
		{
			weight: 5,
			arbitrary: fc.tuple(seedArb, fc.constantFrom('text', 'username', 'password', 'query', 'id', 'cid', 'token')).map(([seed, key]) =>
				text('60 KB string')(serialize(put(clone(seed), key, 'y'.repeat(60_000)))),
			),
		},
		// text frames that are not UTF-8: the server must close with 1007
		{
			weight: 5,
			arbitrary: fc.tuple(seedArb, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([seed, at, bad]): FuzzFrame => {
				const bytes = Buffer.from(serialize(seed));
				const i = at % bytes.length;
				return { kind: 'invalid utf-8', data: Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]), binary: false };
			}),
		},
		// 1 MiB: over the 64 KiB limit, the server must close with 1009
		{
			weight: 2,
			arbitrary: fc.tuple(seedArb, fc.constantFrom('text', 'username', 'password', 'name', 'junk', 'binary')).map(([seed, key]): FuzzFrame => {
				if (key === 'binary') return { kind: '1 MiB', data: Buffer.alloc(ONE_MIB, 0x61), binary: true };
				return text('1 MiB')(serialize(put(clone(seed), key, 'z'.repeat(ONE_MIB))));
			}),
		},
	).map(withExpectedClose);
}

function isValidUtf8(bytes: Buffer): boolean {
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(bytes);
		return true;
	} catch {
		return false;
	}
}

/** Marks the frames the server must close the connection for, whatever made them. */
function withExpectedClose(frame: FuzzFrame): FuzzFrame {
	const size = typeof frame.data === 'string' ? Buffer.byteLength(frame.data) : frame.data.length;
	if (size > MAX_FRAME_BYTES) return { ...frame, closes: 1009 };
	if (!frame.binary && Buffer.isBuffer(frame.data) && !isValidUtf8(frame.data)) return { ...frame, closes: 1007 };
	return frame;
}

/** `count` frames, the same ones for the same seed. */
export function fuzzFrames(count: number, seed: number): FuzzFrame[] {
	return fc.sample(fuzzFrameArbitrary(), { seed, numRuns: count });
}
