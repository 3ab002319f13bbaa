import { installFor } from '../source/invocation.js';

/**
 * pg and ioredis are optional packages: only cluster mode (the PostgreSQL
 * store, Redis for the bus, presence and limits) loads them, so a user of a
 * single server or of the client never installs them. Where cluster mode
 * starts, their import goes through here, and a missing one is this sentence.
 */
export const CLUSTER_PACKAGES = ['pg', 'ioredis'] as const;

export class MissingClusterPackageError extends Error {
	constructor() {
		super(`cluster mode needs the packages ${CLUSTER_PACKAGES.join(' and ')}: ${installFor(CLUSTER_PACKAGES, 'serve')}`);
	}
}

/** Runs `load` (a dynamic import of pg, ioredis or a module that imports one), saying how to add them if Node cannot find one. */
export async function loadClusterModule<T>(load: () => Promise<T>): Promise<T> {
	try {
		return await load();
	} catch (error) {
		if (isMissingClusterPackage(error)) throw new MissingClusterPackageError();
		throw error;
	}
}

/** Node's "Cannot find package 'pg' imported from …" (ERR_MODULE_NOT_FOUND) for one of them. */
function isMissingClusterPackage(error: unknown): boolean {
	if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return false;
	return CLUSTER_PACKAGES.some((name) => error.message.includes(`'${name}'`));
}
