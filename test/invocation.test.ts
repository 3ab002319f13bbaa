import { describe, expect, it } from 'vitest';
import { commandFor, installFor, type Invocation } from '../source/invocation.js';

/** A global install into /opt/tools: /opt/tools/bin/chat-tui links to /opt/tools/lib/node_modules/chat-tui. */
const globalInstall: Invocation = {
	argv: ['/usr/bin/node', '/opt/tools/bin/chat-tui'],
	env: { PATH: '/usr/local/bin:/opt/tools/bin:/usr/bin' },
	cwd: '/home/ann',
	execPath: '/usr/bin/node',
	packageRoot: '/opt/tools/lib/node_modules/chat-tui',
};

const tree: Invocation = {
	argv: ['/usr/bin/node', '/src/chat-tui/dist/source/cli.js'],
	env: { PATH: '/usr/bin' },
	cwd: '/src/chat-tui',
	execPath: '/usr/bin/node',
	packageRoot: '/src/chat-tui',
};

const CLUSTER = ['pg', 'ioredis'];

describe('the commands hints print', () => {
	it('name the installed bin when it is on the PATH, and its path when it is not', () => {
		expect(commandFor('serve', globalInstall)).toBe('chat-tui serve');
		expect(commandFor('serve', { ...globalInstall, env: { PATH: '/usr/bin' } })).toBe('/opt/tools/bin/chat-tui serve');
		expect(commandFor('serve', { ...globalInstall, env: { PATH: 'bin' }, cwd: '/opt/tools' })).toBe('chat-tui serve');
	});

	it('say npx chat-tui under npx (npm exec)', () => {
		const npx = { ...globalInstall, argv: ['/usr/bin/node', '/home/ann/.npm/_npx/1f2e/node_modules/.bin/chat-tui'], env: { npm_command: 'exec' } };
		expect(commandFor('serve', npx)).toBe('npx chat-tui serve');
		expect(installFor(CLUSTER, 'serve', npx)).toBe('start it with npx -p pg -p ioredis -p chat-tui chat-tui serve and the same options');
	});

	it('run the script with node from the source tree: relative below the working folder, absolute (quoted) elsewhere', () => {
		expect(commandFor('serve', tree)).toBe('node dist/source/cli.js serve');
		expect(commandFor('send', { ...tree, cwd: '/home/ann' })).toBe('node /src/chat-tui/dist/source/cli.js send');
		const spaced = { ...tree, argv: ['/usr/bin/node', '/home/ann/my code/dist/source/cli.js'], cwd: '/home/ann' };
		expect(commandFor('serve', spaced)).toBe(`node 'my code/dist/source/cli.js' serve`);
		expect(commandFor('serve', { ...spaced, cwd: '/tmp' })).toBe(`node '/home/ann/my code/dist/source/cli.js' serve`);
	});

	it('install packages beside a global install: in npm’s default prefix plainly, in another with --prefix', () => {
		expect(installFor(CLUSTER, 'serve', globalInstall)).toBe('npm install -g pg ioredis --prefix /opt/tools');
		const usrInstall = { ...globalInstall, packageRoot: '/usr/lib/node_modules/chat-tui' };
		expect(installFor(CLUSTER, 'serve', usrInstall)).toBe('npm install -g pg ioredis');
	});

	it('install packages into the project chat-tui is a dependency of, or into the source tree', () => {
		const dependency = { ...tree, packageRoot: '/work/app/node_modules/chat-tui', cwd: '/work/app' };
		expect(installFor(CLUSTER, 'serve', dependency)).toBe('npm install pg ioredis');
		expect(installFor(CLUSTER, 'serve', { ...dependency, cwd: '/' })).toBe('npm install pg ioredis --prefix /work/app');
		expect(installFor(CLUSTER, 'serve', tree)).toBe('npm install pg ioredis');
		expect(installFor(CLUSTER, 'serve', { ...tree, cwd: '/tmp' })).toBe('npm install pg ioredis --prefix /src/chat-tui');
	});
});
