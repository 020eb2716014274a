import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start DynamoDB Local (a JVM) and real Chromium: give start-up room, and keep to the
    // machine's two cores.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    // The machines run Node 20 on purpose; the SDK's notice about Node 22 would bury a failure.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
