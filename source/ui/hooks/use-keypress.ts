import { useInput, useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { isF1, PASTE_END, PASTE_START, splitBurst, toKeyPress, type KeyPress } from '../keys.js';

/**
 * Calls the handler with every key press in normalised form (see keys.ts).
 * F1 is read from the raw input, since Ink does not name function keys; so
 * is a bracketed paste, handed over whole as one `paste` press (its
 * newlines are not Enter presses).
 */
const PASTE_MARKERS = new Set([PASTE_START, PASTE_END]);

export function useKeypress(handler: (press: KeyPress) => void, isActive = true): void {
	const latest = useRef(handler);
	latest.current = handler;
	/** The text of a bracketed paste so far, while one is arriving. */
	const pasted = useRef<string | undefined>(undefined);
	useInput(
		(input, key) => {
			// Ink hands a paste's pieces to this handler too (its markers with the ESC cut off), before
			// or after the raw listener below has seen them: the raw listener takes the paste.
			if (pasted.current !== undefined || PASTE_MARKERS.has(`\u001B${input}`)) return;
			for (const press of splitBurst(input) ?? [toKeyPress(input, key)]) latest.current(press);
		},
		{ isActive },
	);
	const { internal_eventEmitter: events } = useStdin();
	useEffect(() => {
		if (!isActive || !events) return;
		const onRaw = (raw: string) => {
			if (raw === PASTE_START) {
				pasted.current = '';
			} else if (raw === PASTE_END) {
				const text = pasted.current ?? '';
				pasted.current = undefined;
				if (text) latest.current({ name: 'paste', text });
			} else if (pasted.current !== undefined) {
				pasted.current += raw;
			} else if (isF1(raw)) latest.current({ name: 'f1', text: '' });
		};
		events.on('input', onRaw);
		return () => {
			events.off('input', onRaw);
		};
	}, [events, isActive]);
}
