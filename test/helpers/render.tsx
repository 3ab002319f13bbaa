import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { render, type Instance } from 'ink';
import type { ReactElement } from 'react';

/**
 * A tiny harness in the manner of ink-testing-library 4, but with an explicit
 * terminal size: Ink renders in debug mode, which writes every frame whole,
 * unthrottled, to a fake stdout that keeps the last one.
 */

export interface TerminalSize {
	columns: number;
	rows: number;
}

/** What Ink needs of stdout: write(), columns and rows (and `resize` events, which the app follows). */
class FakeStdout extends EventEmitter {
	readonly isTTY = false;
	frames = 0;
	lastFrame: string | undefined;
	lastWriteAt = 0;

	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}

	write = (frame: string): boolean => {
		this.frames += 1;
		this.lastFrame = frame;
		this.lastWriteAt = Date.now();
		return true;
	};
}

class FakeStderr extends EventEmitter {
	readonly isTTY = false;
	output = '';
	write = (text: string): boolean => {
		this.output += text;
		return true;
	};
}

/**
 * Ink reads input on 'readable' with read() until it returns null, after
 * switching raw mode on; this hands each write over as one chunk, as
 * ink-testing-library 4 does.
 */
export class FakeStdin extends EventEmitter {
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

export interface RenderedScreen {
	/** The last frame Ink wrote, as plain text (ANSI codes removed). */
	lastFrame(): string;
	/** The last frame as written, ANSI codes and all. */
	rawFrame(): string;
	stdin: { write(data: string): void };
	rerender(element: ReactElement): void;
	/** Changes the terminal's size and tells Ink and the app, as a real terminal's SIGWINCH would. */
	resize(size: TerminalSize): void;
	unmount(): void;
	/** Waits until the plain frame contains the text (or satisfies the predicate), and returns that frame. */
	waitFor(expected: string | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
	/** Waits until no new frame has been written for `quietMs`, and returns the last frame. */
	settled(quietMs?: number, timeoutMs?: number): Promise<string>;
}

/** Two turns of the event loop: enough for React's scheduler to run pending passive effects. */
async function flushEffects(): Promise<void> {
	for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

const plain = (frame: string | undefined) => stripVTControlCharacters(frame ?? '');

export function renderScreen(element: ReactElement, size: TerminalSize): RenderedScreen {
	const stdout = new FakeStdout(size.columns, size.rows);
	const stderr = new FakeStderr();
	const stdin = new FakeStdin();
	const instance: Instance = render(element, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	let unmounted = false;

	const lastFrame = () => plain(stdout.lastFrame);

	async function waitFor(expected: string | ((frame: string) => boolean), timeoutMs = 5000): Promise<string> {
		const matches = typeof expected === 'string' ? (frame: string) => frame.includes(expected) : expected;
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (matches(lastFrame())) {
				// Let React run the effects of the commit that drew this frame (Ink's legacy root
				// defers them to a later turn), so keys written next reach the components on screen.
				await flushEffects();
				const frame = lastFrame();
				if (matches(frame)) return frame;
			}
			if (Date.now() > deadline) {
				const frame = lastFrame();
				const what = typeof expected === 'string' ? JSON.stringify(expected) : 'the condition';
				throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the last frame was:\n${frame}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}

	async function settled(quietMs = 100, timeoutMs = 5000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() - stdout.lastWriteAt < quietMs) {
			if (Date.now() > deadline) throw new Error(`the screen kept changing for ${timeoutMs} ms`);
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		await flushEffects();
		return lastFrame();
	}

	return {
		lastFrame,
		rawFrame: () => stdout.lastFrame ?? '',
		stdin: { write: (data: string) => stdin.write(data) },
		rerender: (next) => instance.rerender(next),
		resize({ columns, rows }) {
			stdout.columns = columns;
			stdout.rows = rows;
			stdout.emit('resize');
		},
		unmount() {
			if (unmounted) return;
			unmounted = true;
			instance.unmount();
			instance.cleanup();
		},
		waitFor,
		settled,
	};
}
