/**
 * The load generator processes (bench/generator.ts) as the orchestrator sees
 * them: one IPC channel each, a command and its reply matched by sequence
 * number.
 */
import path from 'node:path';
import type { Identity } from './clients.js';
import type { Command, Reply } from './messages.js';
import { sleep, spawnPinned, stopProcess, type Pinned } from './proc.js';
import { ROOT } from './results.js';
import { NOFILE } from './systems.js';

export class Generator {
	private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
	private seq = 0;
	identities: Identity[] = [];

	private constructor(
		readonly index: number,
		readonly pinned: Pinned,
	) {
		pinned.child.on('message', (reply: Reply) => {
			const waiter = this.waiting.get(reply.seq);
			if (!waiter) return;
			this.waiting.delete(reply.seq);
			if (reply.kind === 'error') waiter.reject(new Error(`generator ${index}: ${reply.message}`));
			else waiter.resolve(reply);
		});
		pinned.child.on('exit', (code) => {
			for (const { reject } of this.waiting.values()) {
				reject(new Error(`generator ${index} exited (${code}):\n${pinned.log.tail()}`));
			}
			this.waiting.clear();
		});
	}

	static async start(index: number, core: number | undefined): Promise<Generator> {
		const pinned = spawnPinned(process.execPath, [path.join(ROOT, 'dist', 'bench', 'generator.js')], {
			core,
			nofile: NOFILE,
			ipc: true,
		});
		const generator = new Generator(index, pinned);
		await new Promise<void>((resolve, reject) => {
			generator.waiting.set(-1, { resolve: () => resolve(), reject });
			setTimeout(() => reject(new Error(`generator ${index} did not start:\n${pinned.log.tail()}`)), 15_000).unref();
		});
		return generator;
	}

	call(command: Command extends infer C ? (C extends { seq: number } ? Omit<C, 'seq'> : never) : never): Promise<Reply> {
		const seq = this.seq++;
		return new Promise((resolve, reject) => {
			this.waiting.set(seq, { resolve, reject });
			this.pinned.child.send({ ...command, seq } as Command);
		});
	}

	async stop(): Promise<void> {
		try {
			await Promise.race([this.call({ cmd: 'close' }), sleep(5000)]);
		} catch {
			// already gone
		}
		await stopProcess(this.pinned, 3000, 'SIGTERM');
	}
}

/** `count` generator processes on the generator core. */
export async function startGenerators(count: number, core: number | undefined): Promise<Generator[]> {
	return Promise.all(Array.from({ length: count }, (_, i) => Generator.start(i, core)));
}

/** Splits identities into `parts` contiguous chunks of even length (direct pairs stay together). */
export function split<T>(items: T[], parts: number): T[][] {
	const chunks: T[][] = [];
	let size = Math.ceil(items.length / parts);
	if (size % 2 === 1) size++;
	for (let i = 0; i < parts; i++) chunks.push(items.slice(i * size, (i + 1) * size));
	return chunks;
}
