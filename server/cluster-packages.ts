import { installFor } from '../source/invocation.js';

/**
 * pg and ioredis are optional packages: only cluster mode (the PostgreSQL
 * store, Redis for the bus, presence and limits) loads them, so a user of a
 * single server or of the client never installs them. Where cluster mode
 * starts, their import goes through here, and a missing one is this sentence.
 */
export const CLUSTER_PACKAGES = ['pg', 'ioredis'] as const;

export class MissingClusterPackageError extends Error {
	constructor(readonly missing: string) {
		super(`cluster mode needs the packages ${CLUSTER_PACKAGES.join(' and ')}: ${installFor(CLUSTER_PACKAGES, 'serve')}`);
	}
}

/** Runs `load` (a dynamic import of pg, ioredis or a module that imports one), naming the package if it is not installed. */
export async function loadClusterModule<T>(load: () => Promise<T>): Promise<T> {
	try {
		return await load();
	} catch (error) {
		const missing = missingPackage(error);
		if (missing !== undefined) throw new MissingClusterPackageError(missing);
		throw error;
	}
}

/** Which of the cluster packages Node could not find, if that is what failed. */
function missingPackage(error: unknown): string | undefined {
	if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return undefined;
	return CLUSTER_PACKAGES.find((name) => error.message.includes(`'${name}'`));
}
