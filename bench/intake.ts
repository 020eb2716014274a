/**
 * `npm run bench`: intake throughput and latency on loopback, beside a bare Node HTTP server
 * measured in the same run, so the figures read as ratios that hold across machines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startLocalRuntime } from '../local/runtime.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const load = async (url: string, duration: number): Promise<Figures> => {
  let sequence = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/v1/contacts',
        headers: { 'content-type': 'application/json' },
        // A new address each time: every request creates a contact and starts its journey.
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            email: `bench-${process.pid}-${++sequence}@example.com`,
            firstName: 'Bench',
            consent: true,
            source: { utm_source: 'bench', utm_medium: 'cpc' },
          }),
        }),
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
};

const bare = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{"contactId":"00000000-0000-0000-0000-000000000000","stage":"name","created":true}');
  });
});
await new Promise<void>((ready) => bare.listen(0, '127.0.0.1', ready));
const bareAddress = bare.address();
const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`;

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-bench-'));
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const runtime = await startLocalRuntime({ port: 0, dataDir, clockMode: 'manual', adminToken: 'bench' });

try {
  await load(runtime.url, 2);
  await load(bareUrl, 2);
  const baseline = await load(bareUrl, seconds);
  const intake = await load(runtime.url, seconds);

  const row = (name: string, f: Figures) =>
    `${name.padEnd(22)} ${f.requestsPerSecond.toFixed(0).padStart(8)} ${String(f.p50).padStart(8)} ${String(f.p99).padStart(8)} ${String(f.non2xx).padStart(8)}`;
  console.log(`\n${seconds}s per run, ${connections} connections, loopback, one process per server`);
  console.log(
    `${'server'.padEnd(22)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'non-2xx'.padStart(8)}`,
  );
  console.log(row('bare node http', baseline));
  console.log(row('intake (local runtime)', intake));
  console.log(
    `ratios intake/bare: throughput ${(intake.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)}, ` +
      `p50 ${(intake.p50 / Math.max(baseline.p50, 1)).toFixed(1)}x, p99 ${(intake.p99 / Math.max(baseline.p99, 1)).toFixed(1)}x`,
  );
} finally {
  await runtime.stop();
  await new Promise((closed) => bare.close(closed));
  rmSync(dataDir, { recursive: true, force: true });
}
