/** The environment variable `--username` logins read the password from first. */
export const PASSWORD_ENV = 'CHAT_TUI_PASSWORD';

export interface PasswordSources {
	env?: NodeJS.ProcessEnv;
	stdin?: NodeJS.ReadStream;
	/** Where the prompt goes when stdin is a terminal (never the password itself). */
	prompt?: NodeJS.WritableStream;
}

/**
 * The password for a scripted login: `CHAT_TUI_PASSWORD` when it is set, else
 * all of stdin with one trailing newline removed. On a terminal it asks
 * without echoing instead of reading to end of input. The password is never
 * written anywhere.
 */
export async function readPassword(sources: PasswordSources = {}): Promise<string> {
	const { env = process.env, stdin = process.stdin, prompt = process.stderr } = sources;
	const fromEnv = env[PASSWORD_ENV];
	if (fromEnv !== undefined) return fromEnv;
	if (stdin.isTTY) return askHidden(stdin, prompt);
	let text = '';
	stdin.setEncoding('utf8');
	for await (const chunk of stdin) text += chunk as string;
	return text.replace(/\r?\n$/, '');
}

/** Reads one line from a terminal in raw mode, so nothing typed is shown. */
function askHidden(stdin: NodeJS.ReadStream, prompt: NodeJS.WritableStream): Promise<string> {
	return new Promise((resolve, reject) => {
		let answer = '';
		const finish = (error?: Error) => {
			stdin.off('data', onData);
			stdin.setRawMode(false);
			stdin.pause();
			prompt.write('\n');
			if (error) reject(error);
			else resolve(answer);
		};
		const onData = (chunk: string) => {
			for (const char of chunk) {
				if (char === '\r' || char === '\n' || char === '\u0004') return finish();
				if (char === '\u0003') return finish(new Error('cancelled at the password prompt'));
				if (char === '\u007f' || char === '\b') answer = Array.from(answer).slice(0, -1).join('');
				else answer += char;
			}
		};
		prompt.write('password: ');
		stdin.setEncoding('utf8');
		stdin.setRawMode(true);
		stdin.on('data', onData);
		stdin.resume();
	});
}
