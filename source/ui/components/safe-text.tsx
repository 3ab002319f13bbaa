import { Text as InkText, type TextProps as InkTextProps } from 'ink';
import { Children, Fragment, isValidElement, type ReactNode } from 'react';
import { safeRuns, type SafeMode, type SafeRun } from '../../terminal/sanitize.js';

/**
 * Ink's Text, but every string in it is drawn safe (source/terminal/sanitize.ts):
 * no server, peer or history file can put an escape sequence on the user's
 * terminal. Every component imports Text from here, never from 'ink' (a test
 * holds source/ui to that), so a component cannot forget: a name, a topic
 * or an error sentence passed as a child is made safe wherever it is shown.
 * Text that was made safe already passes unchanged (the stand-ins hold no
 * control characters).
 */

export interface TextProps extends InkTextProps {
	/** Keep line feeds as line breaks (a message, a multi-line notice); otherwise each shows as ↵ on one row. */
	lines?: boolean;
}

/** Runs as Ink nodes: the stand-ins in reverse video against their surroundings. */
export function runNodes(runs: readonly SafeRun[], inverse = false): ReactNode[] {
	return runs.map((run, index) =>
		run.visible ? (
			<InkText key={index} inverse={!inverse}>
				{run.text}
			</InkText>
		) : (
			run.text
		),
	);
}

function safeChildren(children: ReactNode, mode: SafeMode, inverse: boolean): ReactNode {
	return Children.map(children, (child) => {
		// A fragment's strings would reach Ink as they are: into it too.
		if (isValidElement<{ children?: ReactNode }>(child) && child.type === Fragment) {
			return <Fragment key={child.key}>{safeChildren(child.props.children, mode, inverse)}</Fragment>;
		}
		if (typeof child !== 'string' && typeof child !== 'number') return child;
		const runs = safeRuns(String(child), mode);
		return runs.length === 1 && !runs[0]!.visible ? runs[0]!.text : runNodes(runs, inverse);
	});
}

export function Text({ lines = false, children, ...props }: TextProps) {
	return <InkText {...props}>{safeChildren(children, lines ? 'text' : 'line', props.inverse ?? false)}</InkText>;
}

/** Runs already cut to fit (source/terminal/sanitize.ts cutRuns), drawn as they are. */
export function Runs({ runs, inverse = false }: { runs: readonly SafeRun[]; inverse?: boolean }) {
	return <>{runNodes(runs, inverse)}</>;
}
