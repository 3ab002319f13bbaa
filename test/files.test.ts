import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../source/client/index.js';
import { downloadFile, freeFileName, httpBaseUrl, partialPath, uploadFile } from '../source/client/files.js';
import type { TransferProgress } from '../source/client/transfer-progress.js';
import type { FileInfo, Message, Peer } from '../source/protocol/index.js';
import { SQLITE_FILE_NAME } from '../server/store/sqlite-store.js';
import { befriend, ClientPool, record, until } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { selfSignedCertificate } from './helpers/tls.js';

/** The whole file-transfer path over real sockets: WebSocket for the ops, HTTP on the same port for the bytes. */

const LIMIT = 8 * 1024 * 1024;
let server: TestServer;
let work: string;
const pool = new ClientPool();

beforeAll(async () => {
	server = await startTestServer({ maxFileBytes: LIMIT });
	work = mkdtempSync(path.join(tmpdir(), 'chat-tui-files-'));
});
afterEach(() => pool.closeAll());
afterAll(async () => {
	await server.stop();
	rmSync(work, { recursive: true, force: true });
});

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
let files = 0;

function localFile(bytes: Buffer, name = `file-${++files}.bin`): string {
	const dir = mkdtempSync(path.join(work, 'src-'));
	const file = path.join(dir, name);
	writeFileSync(file, bytes);
	return file;
}

function freshDir(): string {
	return mkdtempSync(path.join(work, 'dst-'));
}

async function friends(): Promise<[ChatClient & { name: string }, ChatClient & { name: string }]> {
	const alice = await pool.registered(server.url, 'alice');
	const bob = await pool.registered(server.url, 'bob');
	await befriend(alice, bob);
	return [alice, bob];
}

/** A raw HTTP request to the server's file routes. */
function http(filePath: string, init: RequestInit & { token?: string | undefined } = {}): Promise<Response> {
	const { token, headers, ...rest } = init;
	return fetch(new URL(filePath, httpBaseUrl(server.url)), {
		...rest,
		headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string>) },
	});
}

/** Every stored byte of a file, read straight from the store: shows what the server kept, and that it kept each byte once. */
async function stored(fileId: string): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const chunk of server.server.store.readFile(Number(fileId), 0)) parts.push(Buffer.from(chunk));
	return Buffer.concat(parts);
}

async function announce(client: ChatClient, to: Peer, bytes: Buffer, name = 'raw.bin') {
	return (await client.request('files.upload', { to, name, size: bytes.length, mime: 'application/octet-stream', sha256: sha(bytes) }))
		.upload;
}

describe('upload', () => {
	it('uploads a file and the message carrying it reaches the other user, in events and in history', async () => {
		const [alice, bob] = await friends();
		const heard = record(bob, 'message');
		const bytes = randomBytes(3 * 1024 * 1024 + 17);
		const progress: TransferProgress[] = [];
		const message = await uploadFile(alice, {
			to: { user: bob.name },
			path: localFile(bytes, 'report.pdf'),
			caption: 'the report',
			onProgress: (p) => progress.push(p),
		});
		const file: FileInfo = { id: expect.stringMatching(/^\d+$/) as unknown as string, name: 'report.pdf', size: bytes.length, mime: 'application/pdf', sha256: sha(bytes) };
		expect(message).toMatchObject({ from: alice.name, to: { user: bob.name }, text: 'the report', file });
		await until(() => heard.length === 1, 'the file message');
		expect(heard[0]!.message).toEqual(message);
		const { messages } = await bob.request('history', { with: { user: alice.name }, limit: 10 });
		expect(messages).toEqual([message]);
		expect((await stored(message.file!.id)).equals(bytes)).toBe(true);
		expect(progress.at(-1)).toMatchObject({ done: bytes.length, total: bytes.length, etaMs: 0 });
		expect(progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done)).toBe(true);
	});

	it('posts the file name when there is no caption, and refuses a path that is not a file', async () => {
		const [alice, bob] = await friends();
		const message = await uploadFile(alice, { to: { user: bob.name }, path: localFile(Buffer.from('hi\n'), 'note.txt') });
		expect(message).toMatchObject({ text: 'note.txt', file: { name: 'note.txt', size: 3, mime: 'text/plain' } });
		await expect(uploadFile(alice, { to: { user: bob.name }, path: work })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		// An empty file is a file too: announced, completed by an empty PUT, fetched as nothing.
		const empty = await uploadFile(alice, { to: { user: bob.name }, path: localFile(Buffer.alloc(0), 'empty.txt') });
		expect(empty.file).toMatchObject({ size: 0, sha256: sha(Buffer.alloc(0)) });
		expect(readFileSync(await downloadFile(bob, empty.file!, { dir: freshDir() })).length).toBe(0);
	});

	it('resets an upload whose bytes do not match the sha256 (422) and refuses a wrong offset (409)', async () => {
		const [alice, bob] = await friends();
		const bytes = randomBytes(4000);
		const upload = await announce(alice, { user: bob.name }, bytes);
		expect(upload).toMatchObject({ received: 0, path: `/files/${upload.file.id}` });
		const wrongOffset = await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': '10' }, body: bytes.subarray(10) });
		expect(wrongOffset.status).toBe(409);
		expect(wrongOffset.headers.get('upload-offset')).toBe('0');
		expect(await wrongOffset.json()).toMatchObject({ code: 'CONFLICT' });
		const corrupt = Buffer.from(bytes);
		corrupt[7] = corrupt[7]! ^ 0xff;
		const mismatch = await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': '0' }, body: corrupt });
		expect(mismatch.status).toBe(422);
		expect(await mismatch.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('sha256') });
		const head = await http(upload.path, { method: 'HEAD', token: alice.token });
		expect([head.status, head.headers.get('upload-offset'), head.headers.get('upload-length')]).toEqual([200, '0', '4000']);
		expect((await stored(upload.file.id)).length).toBe(0);
		// Not complete: it cannot be sent yet.
		await expect(alice.request('send', { to: { user: bob.name }, text: 'x', cid: 'cid-incomplete-1', file: upload.file.id })).rejects.toMatchObject({
			code: 'BAD_REQUEST',
			message: expect.stringContaining('not complete'),
		});
		const right = await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': '0' }, body: bytes });
		expect(right.status).toBe(200);
		expect(await right.json()).toMatchObject({ received: 4000, file: { sha256: sha(bytes) } });
	});
});

/**
 * A TCP proxy that cuts the first PUT going through it once `after` bytes of
 * it have passed: a connection dropped mid-upload. Everything else it passes through.
 */
async function cuttingProxy(
	target: string,
	after: number,
): Promise<{ url: string; cuts: number; putOffsets: number[]; close(): Promise<void> }> {
	const { hostname, port } = new URL(target);
	const sockets = new Set<net.Socket>();
	const state = { url: '', cuts: 0, putOffsets: [] as number[], close: async () => {} };
	const proxy = net.createServer((client) => {
		const upstream = net.connect(Number(port), hostname);
		let forwarded = 0;
		let isPut: boolean | undefined;
		let cut = false;
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('error', () => undefined);
			socket.on('close', () => {
				client.destroy();
				upstream.destroy();
			});
		}
		client.on('data', (data: Buffer) => {
			if (cut) return;
			if (isPut === undefined) {
				isPut = data.subarray(0, 4).toString() === 'PUT ';
				const offset = /\r\nupload-offset: *(\d+)/i.exec(data.toString('latin1'))?.[1];
				if (isPut && offset !== undefined) state.putOffsets.push(Number(offset));
			}
			if (isPut && state.cuts === 0 && forwarded + data.length > after) {
				upstream.write(data.subarray(0, after - forwarded));
				state.cuts++;
				cut = true;
				// Give the bytes a moment to reach the server, then drop both sides as a network would.
				setTimeout(() => {
					client.destroy();
					upstream.destroy();
				}, 50);
				return;
			}
			forwarded += data.length;
			upstream.write(data);
		});
		upstream.pipe(client);
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	state.url = `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	state.close = async () => {
		for (const socket of sockets) socket.destroy();
		await new Promise<void>((resolve) => proxy.close(() => resolve()));
	};
	return state;
}

describe('resume', () => {
	it('resumes an upload cut mid-body from the server offset: right bytes, each stored once', async () => {
		const [alice, bob] = await friends();
		const proxy = await cuttingProxy(server.url, 2 * 1024 * 1024 + 12345);
		try {
			const viaProxy = await pool.connect(proxy.url);
			await viaProxy.login({ token: alice.token! });
			const bytes = randomBytes(5 * 1024 * 1024 + 3);
			const progress: TransferProgress[] = [];
			const message = await uploadFile(viaProxy, {
				to: { user: bob.name },
				path: localFile(bytes),
				onProgress: (p) => progress.push(p),
				backoff: { initialMs: 20 },
			});
			expect(proxy.cuts).toBe(1);
			// The second PUT began where the server had got to (what arrived before the cut), not at 0.
			expect(proxy.putOffsets).toHaveLength(2);
			expect(proxy.putOffsets[0]).toBe(0);
			expect(proxy.putOffsets[1]).toBeGreaterThan(1024 * 1024);
			expect(proxy.putOffsets[1]).toBeLessThanOrEqual(2 * 1024 * 1024 + 12345);
			expect(message.file).toMatchObject({ size: bytes.length, sha256: sha(bytes) });
			// Every byte once: the stored chunks add up to exactly the file, in order.
			expect((await stored(message.file!.id)).equals(bytes)).toBe(true);
			const restarts = progress.filter((p, i) => i > 0 && p.done < progress[i - 1]!.done);
			expect(restarts.length).toBeLessThanOrEqual(1);
			expect(restarts.every((p) => p.done > 0)).toBe(true);
			const saved = await downloadFile(bob, message.file!, { dir: freshDir() });
			expect(readFileSync(saved).equals(bytes)).toBe(true);
		} finally {
			await proxy.close();
		}
	});

	it('keeps what arrived before a dropped PUT, and files.upload of the same file returns that count', async () => {
		const [alice, bob] = await friends();
		const bytes = randomBytes(1024 * 1024 + 5000);
		const upload = await announce(alice, { user: bob.name }, bytes, 'big.bin');
		// A PUT that promises the whole file, sends 300000 bytes and dies.
		const { port } = new URL(server.url);
		const socket = net.connect(Number(port), '127.0.0.1');
		await new Promise((resolve) => socket.once('connect', resolve));
		socket.write(
			`PUT ${upload.path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\nUpload-Offset: 0\r\nContent-Length: ${bytes.length}\r\n\r\n`,
		);
		socket.write(bytes.subarray(0, 300_000));
		await new Promise((resolve) => setTimeout(resolve, 100));
		socket.destroy();
		let resumed = await announce(alice, { user: bob.name }, bytes, 'big.bin');
		for (let i = 0; i < 50 && resumed.received === 0; i++) {
			await new Promise((resolve) => setTimeout(resolve, 20));
			resumed = await announce(alice, { user: bob.name }, bytes, 'big.bin');
		}
		expect(resumed).toMatchObject({ file: { id: upload.file.id }, received: 300_000 });
		const rest = await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': '300000' }, body: bytes.subarray(300_000) });
		expect(rest.status).toBe(200);
		expect((await stored(upload.file.id)).equals(bytes)).toBe(true);
	});
});

describe('download', () => {
	async function sent(bytes: Buffer, name?: string): Promise<{ message: Message; bob: ChatClient; alice: ChatClient }> {
		const [alice, bob] = await friends();
		const message = await uploadFile(alice, { to: { user: bob.name }, path: localFile(bytes, name) });
		return { message, bob, alice };
	}

	it('serves the bytes with their headers, and a Range from an offset', async () => {
		const bytes = randomBytes(200_000);
		const { message, bob } = await sent(bytes, 'päckchen.bin');
		const whole = await http(`/files/${message.file!.id}`, { token: bob.token });
		expect(whole.status).toBe(200);
		expect(whole.headers.get('content-length')).toBe('200000');
		expect(whole.headers.get('content-type')).toBe('application/octet-stream');
		expect(whole.headers.get('x-content-sha256')).toBe(sha(bytes));
		expect(whole.headers.get('content-disposition')).toContain(`filename*=UTF-8''p%C3%A4ckchen.bin`);
		expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
		const tail = await http(`/files/${message.file!.id}`, { token: bob.token, headers: { range: 'bytes=150000-' } });
		expect(tail.status).toBe(206);
		expect(tail.headers.get('content-range')).toBe('bytes 150000-199999/200000');
		expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(150_000))).toBe(true);
		expect((await http(`/files/${message.file!.id}`, { token: bob.token, headers: { range: 'bytes=200000-' } })).status).toBe(416);
		const badRange = await http(`/files/${message.file!.id}`, { token: bob.token, headers: { range: 'bytes=1-5' } });
		expect([badRange.status, ((await badRange.json()) as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
	});

	it('downloads with the checksum checked, never overwriting, and resumes a partial file', async () => {
		const bytes = randomBytes(700_000);
		const { message, bob } = await sent(bytes, 'photo.png');
		const dir = freshDir();
		const first = await downloadFile(bob, message.file!, { dir });
		expect(path.basename(first)).toBe('photo.png');
		expect(readFileSync(first).equals(bytes)).toBe(true);
		// A partial file with the right first bytes: only the rest is fetched.
		writeFileSync(partialPath(dir, message.file!), bytes.subarray(0, 400_000));
		const progress: TransferProgress[] = [];
		const second = await downloadFile(bob, message.file!, { dir, onProgress: (p) => progress.push(p) });
		expect(path.basename(second)).toBe('photo (1).png');
		expect(readFileSync(second).equals(bytes)).toBe(true);
		expect(progress[0]!.done).toBe(400_000);
		expect(await freeFileName(dir, 'photo.png')).toBe('photo (2).png');
		// A partial file whose first bytes are wrong: the resumed whole fails the check and the partial goes.
		writeFileSync(partialPath(dir, message.file!), randomBytes(400_000));
		await expect(downloadFile(bob, message.file!, { dir })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('sha256') });
		expect(existsSync(partialPath(dir, message.file!))).toBe(false);
		expect(readdirSync(dir).sort()).toEqual(['photo (1).png', 'photo.png']);
	});

	it('detects bytes corrupted on the server', async () => {
		const bytes = randomBytes(50_000);
		const { message, bob } = await sent(bytes);
		const db = new Database(path.join(server.dataDir, SQLITE_FILE_NAME));
		try {
			db.prepare(`UPDATE file_chunks SET data = ? WHERE file_id = ?`).run(randomBytes(50_000), Number(message.file!.id));
		} finally {
			db.close();
		}
		const dir = freshDir();
		await expect(downloadFile(bob, message.file!, { dir })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		expect(readdirSync(dir)).toEqual([]);
	});

	it('can be cancelled', async () => {
		const bytes = randomBytes(1000);
		const { message, bob } = await sent(bytes);
		const controller = new AbortController();
		controller.abort();
		await expect(downloadFile(bob, message.file!, { dir: freshDir(), signal: controller.signal })).rejects.toMatchObject({
			code: 'UNAVAILABLE',
			message: expect.stringContaining('cancelled'),
		});
	});
});

describe('size limit', () => {
	it('refuses a file over the limit at files.upload (TOO_LARGE) and bytes past the announced size (413), storing nothing', async () => {
		const [alice, bob] = await friends();
		await expect(
			alice.request('files.upload', { to: { user: bob.name }, name: 'huge.iso', size: LIMIT + 1, mime: 'application/octet-stream', sha256: 'a'.repeat(64) }),
		).rejects.toMatchObject({ code: 'TOO_LARGE', message: 'size: the largest file this server takes is 8.0 MiB' });
		await expect(uploadFile(alice, { to: { user: bob.name }, path: localFile(Buffer.alloc(LIMIT + 1)) })).rejects.toMatchObject({ code: 'TOO_LARGE' });
		const bytes = randomBytes(1000);
		const upload = await announce(alice, { user: bob.name }, bytes);
		const over = await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': '0' }, body: randomBytes(1001) });
		expect(over.status).toBe(413);
		expect(await over.json()).toMatchObject({ code: 'TOO_LARGE', message: 'the file was announced as 1000 B; send no more' });
		expect((await stored(upload.file.id)).length).toBe(0);
		const head = await http(upload.path, { method: 'HEAD', token: alice.token });
		expect(head.headers.get('upload-offset')).toBe('0');
	});
});

describe('who may', () => {
	it('lets only participants fetch a file and only its uploader put or send it', async () => {
		const [alice, bob] = await friends();
		const carol = await pool.registered(server.url, 'carol');
		await befriend(alice, carol);
		const bytes = randomBytes(5000);
		const message = await uploadFile(alice, { to: { user: bob.name }, path: localFile(bytes) });
		const filePath = `/files/${message.file!.id}`;
		expect((await http(filePath, { token: bob.token })).status).toBe(200);
		expect((await http(filePath, { token: alice.token })).status).toBe(200);
		const refused = await http(filePath, { token: carol.token });
		expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
		expect((await http(filePath, { method: 'HEAD', token: carol.token })).status).toBe(403);
		expect((await http(filePath)).status).toBe(401);
		expect((await http(filePath, { token: 'not-a-token' })).status).toBe(401);
		expect((await http('/files/999999999', { token: bob.token })).status).toBe(404);
		expect((await http('/files/..%2f..%2fetc', { token: bob.token })).status).toBe(404);
		expect((await http(filePath, { method: 'DELETE', token: alice.token })).status).toBe(405);
		// Someone else's file cannot be attached: not by a stranger, not by the other participant, not elsewhere.
		for (const [client, to] of [
			[carol, { user: alice.name }],
			[bob, { user: alice.name }],
		] as const) {
			await expect(client.request('send', { to, text: 'mine now', cid: `steal-${client.user!.username}`, file: message.file!.id })).rejects.toMatchObject({
				code: 'FORBIDDEN',
			});
		}
		await expect(alice.request('send', { to: { user: carol.name }, text: 'elsewhere', cid: 'elsewhere-1', file: message.file!.id })).rejects.toMatchObject({
			code: 'BAD_REQUEST',
		});
		await expect(alice.request('send', { to: { user: bob.name }, text: 'nothing', cid: 'nothing-1', file: '424242424' })).rejects.toMatchObject({
			code: 'NOT_FOUND',
		});
		// The uploader's PUT only.
		const upload = await announce(alice, { user: bob.name }, bytes, 'again.bin');
		expect((await http(upload.path, { method: 'PUT', token: bob.token, headers: { 'upload-offset': '0' }, body: bytes })).status).toBe(403);
		// No friendship, no upload.
		const dave = await pool.registered(server.url, 'dave');
		await expect(announce(dave, { user: alice.name }, bytes)).rejects.toMatchObject({ code: 'FORBIDDEN' });
	});

	it('lets a group file be fetched by current members only', async () => {
		const [alice, bob] = await friends();
		const outsider = await pool.registered(server.url, 'out');
		const group = `g${Date.now() % 1_000_000}`;
		await alice.request('groups.create', { visibility: 'public', name: group });
		await bob.request('groups.join', { name: group });
		await expect(announce(outsider, { group }, Buffer.from('x'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
		const message = await uploadFile(alice, { to: { group }, path: localFile(Buffer.from('group notes')) });
		const filePath = `/files/${message.file!.id}`;
		expect((await http(filePath, { token: bob.token })).status).toBe(200);
		expect((await http(filePath, { token: outsider.token })).status).toBe(403);
		await bob.request('groups.leave', { name: group });
		expect((await http(filePath, { token: bob.token })).status).toBe(403);
	});

	it('a kicked or banned member of a private group can no longer fetch its files', async () => {
		const [alice, bob] = await friends();
		const group = `p${Date.now() % 1_000_000}`;
		await alice.request('groups.create', { name: group });
		const rejoin = async () => {
			await alice.request('groups.invite', { name: group, username: bob.name });
			await bob.request('groups.join', { name: group });
		};
		await rejoin();
		const message = await uploadFile(alice, { to: { group }, path: localFile(Buffer.from('private notes')) });
		const filePath = `/files/${message.file!.id}`;
		expect((await http(filePath, { token: bob.token })).status).toBe(200);
		await alice.request('groups.kick', { name: group, username: bob.name });
		expect((await http(filePath, { token: bob.token })).status).toBe(403);
		await rejoin();
		expect((await http(filePath, { token: bob.token })).status).toBe(200);
		await alice.request('groups.ban', { name: group, username: bob.name });
		expect((await http(filePath, { token: bob.token })).status).toBe(403);
	});

	it('survives garbage: the server keeps answering', async () => {
		const [alice, bob] = await friends();
		const upload = await announce(alice, { user: bob.name }, Buffer.from('abc'));
		for (const offset of ['', '-1', 'abc', '1e3', '99999999999999999999']) {
			const response = await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': offset }, body: 'abc' });
			expect([400, 409]).toContain(response.status);
		}
		const noOffset = await http(upload.path, { method: 'PUT', token: alice.token, body: 'abc' });
		expect(noOffset.status).toBe(400);
		expect((await http(upload.path, { method: 'PUT', token: alice.token, headers: { 'upload-offset': '0' }, body: 'abc' })).status).toBe(200);
		expect((await http('/', {})).status).toBe(426);
	});
});

describe('over TLS', () => {
	it('uploads and downloads over https on a wss:// server, trusting what the socket trusts', async () => {
		const { cert, key } = selfSignedCertificate(mkdtempSync(path.join(work, 'tls-')));
		const tlsServer = await startTestServer({ tls: { cert, key } });
		try {
			expect(tlsServer.url).toMatch(/^wss:/);
			const socketOptions = { ca: cert };
			const alice = Object.assign(await pool.connect(tlsServer.url, { socketOptions }), { name: `tlsalice${process.pid % 1000}` });
			await alice.register(alice.name, 'correct horse battery staple');
			const bob = Object.assign(await pool.connect(tlsServer.url, { socketOptions }), { name: `tlsbob${process.pid % 1000}` });
			await bob.register(bob.name, 'correct horse battery staple');
			await befriend(alice, bob);
			const bytes = randomBytes(300_000);
			const message = await uploadFile(alice, { to: { user: bob.name }, path: localFile(bytes) });
			expect(httpBaseUrl(tlsServer.url).protocol).toBe('https:');
			const saved = await downloadFile(bob, message.file!, { dir: freshDir() });
			expect(readFileSync(saved).equals(bytes)).toBe(true);
		} finally {
			await tlsServer.stop();
		}
	});
});

describe('HTTP admission', () => {
	it('answers 429 RATE_LIMITED past the per-address request rate, with Retry-After', async () => {
		const limited = await startTestServer({ maxFileBytes: LIMIT, rateLimitPerSecond: 2, rateLimitBurst: 4 });
		try {
			// Unauthenticated requests count too: each would otherwise cost a token lookup. Sent at once,
			// so the bucket (4, refilled at 2 a second) cannot refill much in between.
			const base = httpBaseUrl(limited.url);
			const replies = await Promise.all(Array.from({ length: 10 }, () => fetch(new URL('/files/1', base))));
			const statuses = replies.map((reply) => reply.status);
			expect(statuses.filter((status) => status === 401).length).toBeGreaterThanOrEqual(4);
			expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(4);
			expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
			const refused = replies.filter((reply) => reply.status === 429);
			for (const reply of refused) expect(reply.headers.get('retry-after')).toBe('1');
			const bodies = (await Promise.all(refused.map((reply) => reply.json()))) as Array<{ code: string; message: string }>;
			expect(bodies.every((body) => body.code === 'RATE_LIMITED' && /slow down/.test(body.message))).toBe(true);
			await new Promise((resolve) => setTimeout(resolve, 1_100));
			expect((await fetch(new URL('/files/1', base))).status).toBe(401);
		} finally {
			await limited.stop();
		}
	});

	it('answers 429 RATE_LIMITED past the transfers under way at once from one address, and serves again after', async () => {
		const limited = await startTestServer({ maxFileBytes: LIMIT, maxConnectionsPerAddress: 2 });
		try {
			const base = httpBaseUrl(limited.url);
			// Two uploads held open (bodies still arriving) fill this address's share.
			const alice = await pool.registered(limited.url, 'alice');
			const bob = await pool.registered(limited.url, 'bob');
			await befriend(alice, bob);
			const bytes = randomBytes(1000);
			const { upload } = await alice.request('files.upload', {
				to: { user: bob.name },
				name: 'slow.bin',
				size: bytes.length,
				mime: 'application/octet-stream',
				sha256: sha(bytes),
			});
			const { port } = new URL(limited.url);
			const held = await Promise.all(
				[0, 1].map(
					() =>
						new Promise<net.Socket>((resolve) => {
							const socket = net.connect(Number(port), '127.0.0.1', () => {
								socket.write(
									`PUT ${upload.path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n` +
										`Content-Length: ${bytes.length}\r\nUpload-Offset: 0\r\n\r\n`,
								);
								socket.write(bytes.subarray(0, 10));
								resolve(socket);
							});
						}),
				),
			);
			await new Promise((resolve) => setTimeout(resolve, 200));
			const third = await fetch(new URL('/files/1', base));
			expect(third.status).toBe(429);
			expect(await third.json()).toEqual({ code: 'RATE_LIMITED', message: expect.stringMatching(/at once/) });
			for (const socket of held) socket.destroy();
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect((await fetch(new URL('/files/1', base))).status).toBe(401);
		} finally {
			await limited.stop();
		}
	});
});
