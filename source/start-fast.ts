import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

/** What module.registerHooks (Node ≥ 22.15 and ≥ 23.5) takes and hands on, as far as this module uses it. */
interface ResolveResult {
	url: string;
	format?: string | null | undefined;
	shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: { parentURL?: string | undefined }) => ResolveResult;
interface NodeModuleApi {
	enableCompileCache?: () => unknown;
	registerHooks?: (hooks: { resolve: (specifier: string, context: { parentURL?: string | undefined }, next: NextResolve) => ResolveResult }) => unknown;
}

/**
 * Ink imports one function, throttle, from es-toolkit's `compat` barrel,
 * which loads all of its ~415 modules: more than half the modules the TUI
 * loads, ~100 ms of its start. This resolves that one import to throttle's
 * own module beside the barrel (it exports `throttle` by that name too), and
 * only where that module is there; anything else resolves as Node would.
 * Should Ink ever import more from the barrel, the TUI would fail at start,
 * which every TUI test on Node ≥ 22.15 would show.
 */
function throttleAlone(specifier: string, context: { parentURL?: string | undefined }, next: NextResolve): ResolveResult {
	const resolved = next(specifier, context);
	if (specifier !== 'es-toolkit/compat' || !context.parentURL?.includes('/node_modules/ink/')) return resolved;
	const alone = new URL('function/throttle.mjs', resolved.url);
	return existsSync(fileURLToPath(alone)) ? { ...resolved, url: alone.href } : resolved;
}

/**
 * Called first by the bin, before any command loads its modules, so that
 * Node loads them faster where the running Node can:
 * - its compile cache (Node ≥ 22.1): the compiled code of each module is kept
 *   on disk, so later starts skip compiling it;
 * - in-thread resolve hooks (Node ≥ 22.15): see throttleAlone. On Node 20
 *   hooks run on a worker thread, which costs more at start than this saves.
 * Both are feature-detected: on Node 20 this does nothing.
 */
export function startFast(): void {
	const api = module as unknown as NodeModuleApi;
	api.enableCompileCache?.();
	api.registerHooks?.({ resolve: throttleAlone });
}

/**
 * Runs `load` (the TUI's import, which loads Ink and so Yoga) with no global
 * `fetch`. Yoga's WebAssembly loader reads its inlined binary with fetch()
 * whenever fetch is a function: Node then loads its whole HTTP client
 * (undici) to decode a data: URL, ~45 ms of CPU at start, where without
 * fetch the loader decodes the same base64 itself. Node defines fetch as a
 * lazy getter; its descriptor is put back untouched, so nothing has loaded it.
 */
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
	const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
	if (!fetch?.configurable) return load();
	Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
	try {
		return await load();
	} finally {
		Object.defineProperty(globalThis, 'fetch', fetch);
	}
}
