/** source/ui/format/mentions.ts: who a message mentions, and the pieces it is drawn in. */
import { describe, expect, it } from 'vitest';
import { mentionedNames, mentions, splitMentions } from '../../source/ui/format/mentions.js';

describe('mentions', () => {
	it('finds @names as words, case-insensitively, without a closing dot or dash', () => {
		expect(mentionedNames('hi @Alice, and @bob. also @carol-')).toEqual(['alice', 'bob', 'carol']);
		expect(mentions('ping @ALICE!', 'alice')).toBe(true);
		expect(mentions('mail alice@example.org', 'alice')).toBe(false);
		expect(mentions('@alice_2 is someone else', 'alice')).toBe(false);
		expect(mentions('(@alice)', 'alice')).toBe(true);
		expect(mentions('no mention', 'alice')).toBe(false);
	});

	it('splits a text into runs with the mentions of one user marked', () => {
		expect(splitMentions('hey @alice. see @bob and @Alice', 'alice')).toEqual([
			{ text: 'hey ', mention: false },
			{ text: '@alice', mention: true },
			{ text: '. see @bob and ', mention: false },
			{ text: '@Alice', mention: true },
		]);
	});
});
