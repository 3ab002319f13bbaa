import { describe, expect, it } from 'vitest';
import { bodyOf, escapeXml, unescapeXml } from '../bench/xmpp-client.js';

describe('the benchmark XMPP client: message bodies', () => {
	it('escapes what XML reserves and reads it back unchanged', () => {
		const text = `3:1234:<b>"fish" & 'chips'</b>`;
		const escaped = escapeXml(text);
		expect(escaped).not.toMatch(/[<>"']/);
		expect(unescapeXml(escaped)).toBe(text);
	});

	it('reads the body of a message as Prosody delivers it (stanza-id after the body)', () => {
		const stanza =
			"<message xmlns='jabber:client' type='chat' to='u1@localhost/bench' from='u0@localhost/bench'>" +
			"<body>7:99:a &amp; b &lt;c&gt;</body><stanza-id xmlns='urn:xmpp:sid:0' by='u1@localhost' id='x'/></message>";
		expect(bodyOf(stanza)).toBe('7:99:a & b <c>');
	});

	it('finds no body in a stanza without one', () => {
		expect(bodyOf("<message xmlns='jabber:client' type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>")).toBeUndefined();
	});
});
