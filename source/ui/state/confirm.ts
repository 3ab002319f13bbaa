import type { Question } from './chat-state.js';

/** A yes/no question in the input line, asked the way every command and overlay asks; only y or yes goes on. */
export async function confirmed(context: { ask(question: Question): Promise<string | undefined> }, prompt: string): Promise<boolean> {
	const answer = await context.ask({ prompt: `${prompt} y/n`, secret: false });
	return answer !== undefined && /^y(es)?$/i.test(answer.trim());
}
