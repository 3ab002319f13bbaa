import { execFileSync, spawnSync } from 'node:child_process';

/**
 * What the terminal end-to-end tests share: whether tmux is here, whether
 * this is CI (where a missing tmux is a failure, not a skip), and a tmux of
 * their own (a private socket, the given config file) whose panes get a
 * user's environment.
 */

export const inCi = ['CI', 'CONTINUOUS_INTEGRATION'].some(
	(name) => name in process.env && process.env[name] !== '0' && process.env[name] !== 'false',
);

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * The environment the tmux server (and so every pane) gets. Ink only draws its
 * final frame when it thinks it runs in CI, so the CI variables stay out; and
 * NODE_ENV=test from vitest would not be there for a real user either.
 */
export function paneEnvironment(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env };
	for (const name of Object.keys(env)) {
		if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_') || name === 'NODE_ENV') delete env[name];
	}
	return env;
}

/** Runs tmux commands on a private server (`-L socket`) with the config file `configFile()` names at the time. */
export function privateTmux(socket: string, configFile: () => string): (...args: string[]) => string {
	return (...args) =>
		execFileSync('tmux', ['-L', socket, '-f', configFile(), ...args], {
			encoding: 'utf8',
			env: paneEnvironment(),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
}

export function shellQuote(value: string): string {
	return `'${value.replaceAll("'", `'\\''`)}'`;
}
