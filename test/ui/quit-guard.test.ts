import { describe, expect, it } from 'vitest';
import { QuitGuard, quitWarning } from '../../source/ui/session/quit-guard.js';

describe('QuitGuard', () => {
	it('lets a quit with nothing at stake go at once', () => {
		expect(new QuitGuard().check({ unsent: 0, hostedOthers: 0 }, 'Ctrl-C')).toBeUndefined();
	});

	it('asks once per concern: the next quit goes, a new concern asks again', () => {
		const guard = new QuitGuard();
		expect(guard.check({ unsent: 2, hostedOthers: 0 }, 'Ctrl-C')).toBe(
			'2 messages are not sent yet; Ctrl-C again quits (they are kept and sent at the next start)',
		);
		expect(guard.check({ unsent: 3, hostedOthers: 0 }, 'Ctrl-C')).toBeUndefined();
		expect(guard.check({ unsent: 3, hostedOthers: 1 }, 'Ctrl-C')).toBe(
			'3 messages are not sent yet (kept and sent at the next start), and 1 other is connected to the server this window hosts (quitting stops it for them); Ctrl-C again quits anyway',
		);
		expect(guard.check({ unsent: 3, hostedOthers: 2 }, 'Ctrl-C')).toBeUndefined();
	});

	it('says how many others the hosted server would be stopped for', () => {
		expect(quitWarning({ unsent: 0, hostedOthers: 2 }, 'Ctrl-C')).toBe(
			'2 others are connected to the server this window hosts; quitting stops it for them. Ctrl-C again quits anyway',
		);
		expect(quitWarning({ unsent: 1, hostedOthers: 0 }, 'Ctrl-C')).toBe(
			'1 message is not sent yet; Ctrl-C again quits (they are kept and sent at the next start)',
		);
	});
});
