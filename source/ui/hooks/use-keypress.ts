import { useInput, useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { isF1, splitBurst, toKeyPress, type KeyPress } from '../keys.js';

/**
 * Calls the handler with every key press in normalised form (see keys.ts).
 * F1 is read from the raw input, since Ink does not name function keys.
 */
export function useKeypress(handler: (press: KeyPress) => void, isActive = true): void {
	const latest = useRef(handler);
	latest.current = handler;
	useInput(
		(input, key) => {
			for (const press of splitBurst(input) ?? [toKeyPress(input, key)]) latest.current(press);
		},
		{ isActive },
	);
	const { internal_eventEmitter: events } = useStdin();
	useEffect(() => {
		if (!isActive || !events) return;
		const onRaw = (raw: string) => {
			if (isF1(raw)) latest.current({ name: 'f1', text: '' });
		};
		events.on('input', onRaw);
		return () => {
			events.off('input', onRaw);
		};
	}, [events, isActive]);
}
