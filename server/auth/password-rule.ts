import { characterCount, ProtocolError } from '../../source/protocol/index.js';

/**
 * The server's one password rule, for `register` and `account.password`:
 * at least `minChars` characters (code points, as a person counts them) and
 * not the username, compared case-insensitively. The protocol's Password
 * field only bounds the size; this is the policy, set per server
 * (`chat-tui serve --min-password-length`).
 */
export function passwordProblem(username: string, password: string, minChars: number): string | undefined {
	const tooShort = characterCount(password) < minChars;
	const isUsername = password.toLowerCase() === username.toLowerCase();
	return tooShort || isUsername ? `a password must be at least ${minChars} characters and not your username` : undefined;
}

/** Throws BAD_REQUEST saying the rule when the password breaks it. */
export function checkPasswordRule(username: string, password: string, minChars: number): void {
	const problem = passwordProblem(username, password, minChars);
	if (problem) throw new ProtocolError('BAD_REQUEST', problem);
}
