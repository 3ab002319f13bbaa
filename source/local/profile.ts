// limits.js, not index.js: the bin checks --profile with this before anything loads the protocol's schemas.
import { NAME_PATTERN } from '../protocol/limits.js';

/** Where a profile keeps its files, and its name. Profiles separate logins, settings and history. */
export interface ProfileLocation {
	configDir: string;
	profile: string;
}

export const DEFAULT_PROFILE = 'default';

/** Profile names become file names, so they follow the username rule. */
export function checkProfileName(name: string): string {
	if (!NAME_PATTERN.test(name)) {
		throw new Error(`a profile name must be 1–32 letters, digits, "_", "-" or "." (got "${name}")`);
	}
	return name;
}
