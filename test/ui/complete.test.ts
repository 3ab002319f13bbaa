/** source/ui/commands/complete.ts (and the file paths of path-completion.ts): what Tab offers. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeLine } from '../../source/ui/commands/complete.js';
import { completePath } from '../../source/ui/commands/path-completion.js';
import { COMMANDS } from '../../source/ui/commands/registry.js';
import { aliceState, friend, group, message, run } from '../helpers/chat-fixtures.js';
import { groupKey } from '../../source/ui/state/conversations.js';

describe('completeLine', () => {
	const state = aliceState({
		friends: [friend('carol'), friend('bob'), friend('Bea')],
		groups: [group('dev'), group('design')],
		requests: [
			{ from: 'dave', to: 'alice', ts: '2024-05-01T10:00:00.000Z' },
			{ from: 'alice', to: 'erin', ts: '2024-05-01T10:00:00.000Z' },
		],
		invites: [
			{ group: 'drafts', from: 'carol', ts: '2024-05-01T10:00:00.000Z' },
			{ group: 'payroll', from: 'bob', ts: '2024-05-01T11:00:00.000Z' },
		],
	});

	it('completes the path of /send and /save from the file system, directories with a slash to go on', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'chat-tui-paths-'));
		try {
			mkdirSync(path.join(dir, 'reports'));
			writeFileSync(path.join(dir, 'report.pdf'), 'x');
			writeFileSync(path.join(dir, 'reports', 'q3.txt'), 'x');
			writeFileSync(path.join(dir, '.hidden'), 'x');
			expect(completePath(`${dir}/rep`)).toEqual([`${dir}/report.pdf`, `${dir}/reports/`]);
			expect(completePath(`${dir}/reports/`)).toEqual([`${dir}/reports/q3.txt`]);
			expect(completePath(`${dir}/`)).toEqual([`${dir}/report.pdf`, `${dir}/reports/`]);
			expect(completePath(`${dir}/.h`)).toEqual([`${dir}/.hidden`]);
			expect(completePath('rep', dir)).toEqual(['report.pdf', 'reports/']);
			expect(completePath(`${dir}/missing/x`)).toEqual([]);
			expect(completeLine(`/send ${dir}/report.`, state)).toEqual([`/send ${dir}/report.pdf `]);
			expect(completeLine(`/save 2 ${dir}/reports`, state)).toEqual([`/save 2 ${dir}/reports/`]);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('completes command names after a leading slash, in the order /help lists them', () => {
		expect(completeLine('/', state)).toEqual(COMMANDS.map((command) => `/${command.name} `));
		expect(completeLine('/m', state)).toEqual(['/msg ', '/me ', '/members ']);
		expect(completeLine('/JO', state)).toEqual(['/join ']);
		expect(completeLine('/zzz', state)).toEqual([]);
	});

	it('completes friends for a friend argument, alphabetically whatever the case', () => {
		expect(completeLine('/msg ', state)).toEqual(['/msg Bea ', '/msg bob ', '/msg carol ']);
		expect(completeLine('/msg B', state)).toEqual(['/msg Bea ', '/msg bob ']);
		expect(completeLine('/remove c', state)).toEqual(['/remove carol ']);
	});

	it('completes friends and the requests one sent for /remove (it withdraws those), not requests to one', () => {
		expect(completeLine('/remove ', state)).toEqual(['/remove Bea ', '/remove bob ', '/remove carol ', '/remove erin ']);
		expect(completeLine('/remove d', state)).toEqual([]);
	});

	it('completes the groups one is in for /leave, and pending invites (not groups one is in) for /join', () => {
		expect(completeLine('/leave d', state)).toEqual(['/leave design ', '/leave dev ']);
		expect(completeLine('/join d', state)).toEqual(['/join drafts ']);
		expect(completeLine('/join ', state)).toEqual(['/join drafts ', '/join payroll ']);
	});

	it('completes only incoming requests for /accept, and those and pending invites for /decline', () => {
		expect(completeLine('/accept ', state)).toEqual(['/accept dave ']);
		expect(completeLine('/decline ', state)).toEqual(['/decline dave ', '/decline drafts ', '/decline payroll ']);
		expect(completeLine('/decline e', state)).toEqual([]);
	});

	it('completes known users, but not oneself, for /add', () => {
		expect(completeLine('/add ', state)).toEqual(['/add Bea ', '/add bob ', '/add carol ', '/add dave ', '/add erin ']);
		expect(completeLine('/add a', state)).toEqual([]);
	});

	it('offers nothing for text arguments, commands without arguments or unknown commands', () => {
		expect(completeLine('/msg bob he', state)).toEqual([]);
		expect(completeLine('/msg bob ', state)).toEqual([]);
		expect(completeLine('/create de', state)).toEqual([]);
		expect(completeLine('/quit ', state)).toEqual([]);
		expect(completeLine('/nosuch b', state)).toEqual([]);
	});

	it('completes friend and group names in plain text, without a trailing space', () => {
		expect(completeLine('see you b', state)).toEqual(['see you Bea', 'see you bob']);
		expect(completeLine('de', state)).toEqual(['design', 'dev']);
		expect(completeLine('ask ', state)).toEqual(['ask Bea', 'ask bob', 'ask carol', 'ask design', 'ask dev']);
		expect(completeLine('hello x', state)).toEqual([]);
	});

	it('offers a name that is both a friend and a group once', () => {
		const both = aliceState({ friends: [friend('Dev')], groups: [group('dev')] });
		expect(completeLine('d', both)).toHaveLength(1);
	});

	it('completes a mention after @ anywhere in text, keeping the @: friends, and in a group the members whose messages are loaded', () => {
		expect(completeLine('@b', state)).toEqual(['@Bea', '@bob']);
		expect(completeLine('thanks @C', state)).toEqual(['thanks @carol']);
		expect(completeLine('hi @', state)).toEqual(['hi @Bea', 'hi @bob', 'hi @carol']);
		expect(completeLine('mail@b', state)).toEqual([]);
		expect(completeLine('@zed', state)).toEqual([]);
		// Groups are not people: `@de` is no mention of #dev.
		expect(completeLine('@de', state)).toEqual([]);
		// In a group, who has written there (not alice herself); a friend once even if they wrote too.
		const inGroup = run(
			state,
			{ type: 'select', key: groupKey('dev') },
			{ type: 'history', key: groupKey('dev'), messages: [message('dora', { group: 'dev' }, 1), message('bob', { group: 'dev' }, 2), message('alice', { group: 'dev' }, 3)] },
		);
		expect(completeLine('@d', inGroup)).toEqual(['@dora']);
		expect(completeLine('@', inGroup)).toEqual(['@Bea', '@bob', '@carol', '@dora']);
		expect(completeLine('@a', inGroup)).toEqual([]);
		// In a command's text too, not where a name or path goes.
		expect(completeLine('/msg bob hi @ca', state)).toEqual(['/msg bob hi @carol']);
		expect(completeLine('/msg @b', state)).toEqual([]);
	});

	it('finds a friend by alias after @ and puts in the username, which is what a mention names', () => {
		const aliased = aliceState({ friends: [friend('bob', true, 'Builder')] });
		expect(completeLine('@bui', aliased)).toEqual(['@bob']);
	});
});
