import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/own-keyring.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites each start their own Dovecot pair; two cores, so keep it modest.
    maxWorkers: 2,
    // Runs in tests take the per-user run locks in a shared temp folder, never in the developer's home.
    env: { MAILFERRY_LOCK_DIR: path.join(os.tmpdir(), 'mailferry-test-locks') },
  },
});
