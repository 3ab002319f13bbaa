import { describe, expect, it } from 'vitest';
import { InvalidServerUrl, serverUrl } from '../source/client/server-url.js';

describe('serverUrl: how a typed server address is read', () => {
	it.each([
		['127.0.0.1:4711', 'ws://127.0.0.1:4711'],
		['localhost:4711', 'ws://localhost:4711'],
		['chat.example.org', 'ws://chat.example.org'],
		['localhost', 'ws://localhost'],
		['[::1]:4711', 'ws://[::1]:4711'],
		['  127.0.0.1:4711 ', 'ws://127.0.0.1:4711'],
	])('no scheme is ws://: %j → %s', (typed, url) => {
		expect(serverUrl(typed)).toBe(url);
	});

	it.each([
		['http://127.0.0.1:4711', 'ws://127.0.0.1:4711'],
		['https://chat.example.org', 'wss://chat.example.org'],
		['HTTPS://chat.example.org/chat', 'wss://chat.example.org/chat'],
	])('http:// is ws:// and https:// is wss://: %j → %s', (typed, url) => {
		expect(serverUrl(typed)).toBe(url);
	});

	it.each(['ws://127.0.0.1:4100', 'wss://chat.example.org', 'ws://127.0.0.1:4100/', 'WSS://chat.example.org:8443'])(
		'ws:// and wss:// stay as typed (saved logins are keyed by them): %j',
		(typed) => {
			expect(serverUrl(typed)).toBe(typed);
		},
	);

	it.each(['', '   ', 'ftp://chat.example.org', 'ws:/127.0.0.1:4100', 'ws:127.0.0.1:4100', 'https:chat.example.org', 'ws://', '127.0.0.1 4711', 'localhost:99999'])(
		'refuses %j with the rule',
		(typed) => {
			expect(() => serverUrl(typed)).toThrow(InvalidServerUrl);
			expect(() => serverUrl(typed)).toThrow(/ws:\/\/127\.0\.0\.1:4100, wss:\/\/chat\.example\.org or 127\.0\.0\.1:4100$/);
		},
	);
});
