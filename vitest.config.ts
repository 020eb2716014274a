import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start DynamoDB Local (a JVM) and real Chromium: give start-up room, and keep to the
    // machine's two cores.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    // A failure, not a stream of INFO logs from handlers run in-process, is what a reader should
    // see; and the machines run Node 20 on purpose, so the SDK's notice about Node 22 is noise.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
