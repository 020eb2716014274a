/**
 * `npm run bench` section `intake`: intake throughput and latency on loopback, beside a bare Node HTTP server
 * measured in the same run, so the figures read as ratios that hold across machines.
 *
 * The runtime, the bare server and autocannon share this one Node process (the runtime's
 * journeys included); DynamoDB Local runs in its own JVM.
 */
import { createServer } from 'node:http';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { localDynamoDbClient } from '../local/dynamodb-local.js';
import { localTableName } from '../local/runtime.js';
import { startBenchRuntime } from './support/runtime.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const warmUpSeconds = 2;

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Submissions answered 202: the intake says no more, whatever the address. */
  accepted: number;
}

let sequence = 0;

const load = async (url: string, duration: number): Promise<Figures> => {
  let accepted = 0;
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
            form: 'bench',
            source: { utm_source: 'bench', utm_medium: 'cpc' },
          }),
        }),
        onResponse: (status) => {
          if (status === 202) accepted++;
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    accepted,
  };
};

/** Contact profiles in the table: what the intake really wrote, not what it answered. */
const contactsInTable = async (endpoint: string): Promise<number> => {
  const client = localDynamoDbClient(endpoint);
  let count = 0;
  try {
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: localTableName,
          Select: 'COUNT',
          FilterExpression: 'sk = :profile',
          ExpressionAttributeValues: { ':profile': { S: 'PROFILE' } },
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
  } finally {
    client.destroy();
  }
  return count;
};

/** The bench section: intake throughput and latency beside a bare server, in one run. */
export const run = async (): Promise<void> => {
  const bare = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"submissionId":"00000000-0000-0000-0000-000000000000"}');
    });
  });
  await new Promise<void>((ready) => bare.listen(0, '127.0.0.1', ready));
  const bareAddress = bare.address();
  const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`;

  // All the load comes from this one client: no per-client limit, or it would measure the 429s.
  const runtime = await startBenchRuntime('intake');

  try {
    const warmUp = await load(runtime.url, warmUpSeconds);
    await load(bareUrl, warmUpSeconds);
    const baseline = await load(bareUrl, seconds);
    const intake = await load(runtime.url, seconds);
    // autocannon stops waiting at the deadline, not the runtime: let the requests it left behind and
    // the journeys they started finish before counting and stopping.
    const settling = performance.now();
    await fetch(`${runtime.url}/_local/settle`, { method: 'POST' });
    const settledAfter = (performance.now() - settling) / 1000;
    const inTable = await contactsInTable(runtime.endpoints.dynamodb);

    const cell = (value: string | number, width = 9) => String(value).padStart(width);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(22)}${cell(f.requestsPerSecond.toFixed(0))}${cell(f.p50)}${cell(f.p99)}${cell(f.non2xx)}${cell(f.errors)}`;
    console.log(
      `\n${seconds} s per run after ${warmUpSeconds} s of warm-up each, ${connections} connections, loopback; ` +
        'client and both servers in one Node process',
    );
    console.log(
      `${'server'.padEnd(22)}${cell('req/s')}${cell('p50 ms')}${cell('p99 ms')}${cell('non-2xx')}${cell('errors')}`,
    );
    console.log(row('bare node http', baseline));
    console.log(row('intake (local runtime)', intake));
    console.log(
      `ratios intake/bare: throughput ${(intake.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)}, ` +
        `p50 ${(intake.p50 / Math.max(baseline.p50, 1)).toFixed(1)}x, p99 ${(intake.p99 / Math.max(baseline.p99, 1)).toFixed(1)}x` +
        (baseline.p50 < 1 || baseline.p99 < 1 ? ' (bare latencies under 1 ms counted as 1 ms)' : ''),
    );
    console.log(
      `submissions accepted: ${intake.accepted} in the measured run (${warmUp.accepted} in warm-up); ` +
        `${inTable} contact profiles in the table once settled (${settledAfter.toFixed(1)} s after the run), ` +
        'each new one with its double opt-in confirmation sent',
    );
  } finally {
    await runtime.stop();
    await new Promise((closed) => bare.close(closed));
  }
};
