import { useCallback, useReducer, useRef } from 'react';

/**
 * useReducer whose state is updated at once, not at the next render. Keys
 * that arrive in one burst (typing fast, pasting, tmux send-keys) are each
 * handled against the state the previous key left, so none is lost or
 * routed by stale state. `get` reads the latest state from any handler.
 */
export function useSyncReducer<State, Action>(
	reducer: (state: State, action: Action) => State,
	initial: () => State,
): [State, (action: Action) => void, () => State] {
	const ref = useRef<State | undefined>(undefined);
	if (ref.current === undefined) ref.current = initial();
	const [, render] = useReducer((count: number) => count + 1, 0);
	const dispatch = useCallback(
		(action: Action) => {
			const next = reducer(ref.current as State, action);
			if (next === ref.current) return;
			ref.current = next;
			render();
		},
		[reducer],
	);
	const get = useCallback(() => ref.current as State, []);
	return [ref.current, dispatch, get];
}
