import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { stripVTControlCharacters } from 'node:util';
import { render, type Instance } from 'ink';
import type { ReactElement } from 'react';

/**
 * A fake terminal for timing the TUI, in the manner of test/helpers/render.tsx:
 * Ink renders in debug mode, which is unthrottled (no maxFps throttle, no
 * log-update diffing) and writes every frame whole, synchronously at the end
 * of the React commit that produced it. So a write's timestamp is the moment
 * the app finished a frame, and what is timed is the app (React render and
 * commit, Yoga layout, Ink's output), not Ink's 30 fps throttle.
 */

export interface Frame {
	/** performance.now() when Ink wrote it. */
	at: number;
	raw: string;
}

class FakeStdout extends EventEmitter {
	readonly isTTY = false;
	frames = 0;
	lastFrame = '';
	lastAt = 0;
	/** Ink's own time for the last frame: turning the laid-out tree into the screen's text (its onRender metric). */
	lastInkMs = 0;
	/** Every frame while recording is on (start-up); off while typing, so nothing piles up. */
	recorded: Frame[] | undefined;
	private waiters: Array<(at: number) => void> = [];

	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}

	write = (frame: string): boolean => {
		const at = performance.now();
		this.frames += 1;
		this.lastFrame = frame;
		this.lastAt = at;
		this.recorded?.push({ at, raw: frame });
		const waiters = this.waiters;
		if (waiters.length > 0) {
			this.waiters = [];
			for (const wake of waiters) wake(at);
		}
		return true;
	};

	/** Resolves with the time of the first frame written after `count` frames. */
	frameAfter(count: number): Promise<number> {
		if (this.frames > count) return Promise.resolve(this.lastAt);
		return new Promise((resolve) => this.waiters.push(resolve));
	}
}

class FakeStderr extends EventEmitter {
	readonly isTTY = false;
	output = '';
	write = (text: string): boolean => {
		this.output += text;
		return true;
	};
}

/** Hands each write to Ink as one chunk on 'readable', as a raw-mode TTY would. */
class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;

	write = (data: string): void => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};

	read = (): string | null => {
		const { data } = this;
		this.data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

export const plain = (frame: string) => stripVTControlCharacters(frame);

/** Two turns of the event loop: React's passive effects (Ink's legacy root defers them) have run. */
export async function flushEffects(): Promise<void> {
	for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

export interface TimedScreen {
	/** performance.now() just before Ink's render() was called. */
	readonly startedAt: number;
	readonly stdout: FakeStdout;
	lastFrame(): string;
	/** Stops keeping every frame. */
	stopRecording(): Frame[];
	/**
	 * Writes `data` as one key press and returns the milliseconds from just
	 * before the write to the next frame Ink writes, and how much of that Ink
	 * spent turning the laid-out tree into text (the rest is React, Yoga and the app).
	 */
	keystroke(data: string): Promise<{ ms: number; inkMs: number }>;
	/** Writes without timing. */
	type(data: string): void;
	waitFor(matches: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
	/** Waits until no frame has been written for `quietMs`. */
	settled(quietMs?: number, timeoutMs?: number): Promise<void>;
	unmount(): void;
}

export function renderTimed(element: ReactElement, size: { columns: number; rows: number }): TimedScreen {
	const stdout = new FakeStdout(size.columns, size.rows);
	stdout.recorded = [];
	const stderr = new FakeStderr();
	const stdin = new FakeStdin();
	const startedAt = performance.now();
	const instance: Instance = render(element, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		// Unthrottled and whole frames (see above); maxFps does not apply in debug mode.
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
		onRender: ({ renderTime }) => {
			stdout.lastInkMs = renderTime;
		},
	});
	let unmounted = false;
	const lastFrame = () => plain(stdout.lastFrame);

	return {
		startedAt,
		stdout,
		lastFrame,
		stopRecording() {
			const frames = stdout.recorded ?? [];
			stdout.recorded = undefined;
			return frames;
		},
		async keystroke(data) {
			const before = stdout.frames;
			const start = performance.now();
			stdin.write(data);
			const at = await stdout.frameAfter(before);
			return { ms: at - start, inkMs: stdout.lastInkMs };
		},
		type: (data) => stdin.write(data),
		async waitFor(matches, timeoutMs = 30_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				if (matches(lastFrame())) {
					await flushEffects();
					const frame = lastFrame();
					if (matches(frame)) return frame;
				}
				if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; the last frame was:\n${lastFrame()}`);
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
		},
		async settled(quietMs = 100, timeoutMs = 30_000) {
			const deadline = Date.now() + timeoutMs;
			while (performance.now() - stdout.lastAt < quietMs) {
				if (Date.now() > deadline) throw new Error(`the screen kept changing for ${timeoutMs} ms`);
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
			await flushEffects();
		},
		unmount() {
			if (unmounted) return;
			unmounted = true;
			instance.unmount();
			instance.cleanup();
		},
	};
}
