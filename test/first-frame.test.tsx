import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FirstFrame } from '../source/ui/first-frame.js';
import { closeOpened, opened, renderApp } from './helpers/app.js';
import { renderScreen, type TerminalSize } from './helpers/render.js';

/**
 * The TUI's first frame (issue 16): run.tsx draws FirstFrame before the App
 * and the client have loaded, then the App replaces it. It must be the
 * App's own first frame, or the screen would jump; and it takes no keys, so
 * what is typed meanwhile waits for the App instead of going nowhere.
 */

afterEach(closeOpened);

/** An address where nothing listens: the App stays on its first (connecting) frame for the moment compared. */
let nobody: string;
beforeAll(async () => {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	nobody = `ws://127.0.0.1:${(probe.address() as AddressInfo).port}`;
	await new Promise((resolve) => probe.close(resolve));
});

function firstFrame(size: TerminalSize, username?: string) {
	const screen = renderScreen(<FirstFrame server={nobody} username={username} />, size);
	opened.push(() => screen.unmount());
	return screen;
}

describe('the first frame', () => {
	for (const size of [
		{ columns: 80, rows: 24 },
		{ columns: 120, rows: 40 },
		{ columns: 60, rows: 20 },
	]) {
		it(`is the App's first frame at ${size.columns}×${size.rows}`, () => {
			// Ink writes the first frame within render(): what each shows before anything else runs.
			const app = renderApp(nobody, size).screen.lastFrame();
			expect(app).toContain(size.columns >= 80 ? 'chat-tui · Log in' : 'Make the window larger');
			expect(firstFrame(size).lastFrame()).toBe(app);
		});
	}

	it("fills in the saved login's name as the App does (the password field has the focus)", () => {
		const size = { columns: 100, rows: 30 };
		const app = renderApp(nobody, size, (settings) => settings.saveLogin(nobody, { username: 'alice', token: 't0ken' })).screen.lastFrame();
		expect(app).toContain('alice');
		expect(firstFrame(size, 'alice').lastFrame()).toBe(app);
	});

	it('takes no keys: typing leaves it as it was', async () => {
		const screen = firstFrame({ columns: 100, rows: 30 });
		const before = screen.lastFrame();
		screen.stdin.write('bob');
		screen.stdin.write('\t');
		expect(await screen.settled(100)).toBe(before);
	});
});
