import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		testTimeout: 30_000,
		hookTimeout: 30_000,
		// Each file starts its own servers on ephemeral ports; two cores, so keep workers few.
		maxWorkers: 2,
	},
});
