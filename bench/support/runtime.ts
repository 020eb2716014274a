import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../../local/runtime.js';

/**
 * A bench's own local runtime: a fresh data dir, the manual clock, quiet logs, and no per-client
 * limit (all the load comes from one client). `stop()` also removes its data.
 */
export const startBenchRuntime = async (name: string) => {
  const dataDir = mkdtempSync(join(tmpdir(), `leadflow-bench-${name}-`));
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    clockMode: 'manual',
    adminToken: 'bench',
    intakeRatePerMinute: 0,
  });
  return {
    ...runtime,
    stop: async () => {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
