/**
 * `npm run bench` section `bundles`: each function's synthesized bundle, its size, and its module
 * init time beside a bundle of only the AWS SDK clients it uses, built and timed in the same run,
 * so the figure reads as a ratio (goal ≤ 1.5×). Each import runs in a fresh `node`, alternating
 * bundle and baseline, `BENCH_INIT_RUNS` times (default 9); the medians are compared.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bundleAliases } from '../lib/constructs/leadflow-function.js';
import { synthesizeFunctions } from '../test/support/synthesized-functions.js';

const runs = Number(process.env.BENCH_INIT_RUNS ?? 9);

/** The SDK clients a bundle holds, found by the service's wire identifier each client carries. */
const sdkClients = [
  { marker: 'DynamoDB_20120810', module: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient' },
  { marker: 'AWSStepFunctions', module: '@aws-sdk/client-sfn', client: 'SFNClient' },
  { marker: 'SimpleEmailService_v2', module: '@aws-sdk/client-sesv2', client: 'SESv2Client' },
  { marker: 'AWSEvents', module: '@aws-sdk/client-eventbridge', client: 'EventBridgeClient' },
] as const;

/** What the handlers read at import time: present, so every bundle loads as it would in Lambda. */
const lambdaEnvironment = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'leadflow',
  JOURNEY_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:leadflow',
  SENDER_ADDRESS: 'Leadflow <hello@example.com>',
  SES_CONFIGURATION_SET: 'leadflow',
  POSTAL_ADDRESS: '1 Main Street',
  UNSUBSCRIBE_URL: 'https://api.example.com/v1/unsubscribe',
  EVENT_BUS_NAME: 'leadflow',
  ADMIN_PAGE_URL: 'https://admin.example.com',
  CONTACTS_URL: 'https://api.example.com/v1/contacts',
  SALES_INBOX: 'sales@example.com',
  INTAKE_RATE_PER_MINUTE: '10',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/** Milliseconds to import `file` in a fresh Node process: the module's load and top-level code. */
const importMs = (file: string): number => {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: lambdaEnvironment,
    encoding: 'utf8',
    // The SDK warns about Node 20 on stderr in every child: not a figure.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(out.trim().split('\n').at(-1));
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export const run = async (): Promise<void> => {
  const functions = synthesizeFunctions();
  const work = mkdtempSync(join(tmpdir(), 'leadflow-bench-bundles-'));
  try {
    console.log(`\nmodule init, median of ${runs} fresh imports each, beside the SDK clients alone`);
    console.log(
      `${'function'.padEnd(28)}${'KB'.padStart(7)}${'init ms'.padStart(9)}${'SDK ms'.padStart(8)}${'ratio'.padStart(7)}  SDK clients`,
    );
    for (const fn of functions) {
      const code = readFileSync(fn.bundlePath, 'utf8');
      const used = sdkClients.filter((sdk) => code.includes(sdk.marker));
      const entry = join(work, `${fn.name.replace(/\W/g, '-')}-sdk.mjs`);
      writeFileSync(
        entry,
        used
          .map((sdk, i) => `import { ${sdk.client} as C${i} } from '${sdk.module}'; new C${i}({});`)
          .join('\n'),
      );
      const baseline = entry.replace(/\.mjs$/, '.bundle.mjs');
      // The same esbuild settings the stack bundles with (lib/constructs/leadflow-function.ts).
      await build({
        entryPoints: [entry],
        outfile: baseline,
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'node',
        target: 'node24',
        mainFields: ['module', 'main'],
        nodePaths: [join(process.cwd(), 'node_modules')],
        alias: { ...bundleAliases },
        banner: {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
        logLevel: 'silent',
      });
      const bundleTimes: number[] = [];
      const baselineTimes: number[] = [];
      for (let i = 0; i < runs; i++) {
        bundleTimes.push(importMs(fn.bundlePath));
        baselineTimes.push(importMs(baseline));
      }
      const init = median(bundleTimes);
      const sdk = median(baselineTimes);
      console.log(
        `${fn.name.padEnd(28)}${(fn.codeBytes / 1024).toFixed(0).padStart(7)}${init.toFixed(0).padStart(9)}` +
          `${sdk.toFixed(0).padStart(8)}${`${(init / sdk).toFixed(2)}x`.padStart(7)}  ${used.map((sdk) => sdk.client).join(', ')}`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
