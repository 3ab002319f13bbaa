import { useInput, useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { isF1, PASTE_END, PASTE_START, splitBurst, toKeyPress, type KeyPress } from '../keys.js';

/**
 * Calls the handler with every key press in normalised form (see keys.ts).
 * F1 is read from the raw input, since Ink does not name function keys; so
 * is a bracketed paste, handed over whole as one `paste` press (its
 * newlines are not Enter presses). Every press is read with the raw
 * sequence it came from, which tells Delete from Backspace.
 */
const PASTE_MARKERS = new Set([PASTE_START, PASTE_END]);

export function useKeypress(handler: (press: KeyPress) => void, isActive = true): void {
	const latest = useRef(handler);
	latest.current = handler;
	/** The text of a bracketed paste so far, while one is arriving. */
	const pasted = useRef<string | undefined>(undefined);
	/** The raw sequence of the input Ink is handing over (the raw listener runs first: it is prepended). */
	const raw = useRef<string | undefined>(undefined);
	useInput(
		(input, key) => {
			// Ink hands a paste's pieces to this handler too (its markers with the ESC cut off), after
			// the raw listener below has seen them: the raw listener takes the paste.
			if (pasted.current !== undefined || PASTE_MARKERS.has(`\u001B${input}`)) return;
			for (const press of splitBurst(input) ?? [toKeyPress(input, key, raw.current)]) latest.current(press);
		},
		{ isActive },
	);
	const { internal_eventEmitter: events } = useStdin();
	useEffect(() => {
		if (!isActive || !events) return;
		const onRaw = (sequence: string) => {
			raw.current = sequence;
			if (sequence === PASTE_START) {
				pasted.current = '';
			} else if (sequence === PASTE_END) {
				const text = pasted.current ?? '';
				pasted.current = undefined;
				if (text) latest.current({ name: 'paste', text });
			} else if (pasted.current !== undefined) {
				pasted.current += sequence;
			} else if (isF1(sequence)) latest.current({ name: 'f1', text: '' });
		};
		// Before Ink's own listener (useInput's), whenever either was added: that one reads `raw`.
		events.prependListener('input', onRaw);
		return () => {
			events.off('input', onRaw);
		};
	}, [events, isActive]);
}
