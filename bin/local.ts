/**
 * `npm start`: the whole of Leadflow on this machine.
 *   npm start -- [--port N] [--data DIR] [--clock manual|scaled] [--day-every 5s] [--verbose]
 *                [--reset-passwords]
 * Environment: PORT, LEADFLOW_DATA_DIR, LEADFLOW_ADMIN_TOKEN, LEADFLOW_ALLOWED_ORIGINS (comma-separated),
 * LEADFLOW_INTAKE_RATE (public submissions per client per minute, 0 for no limit; default 10).
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../functions/domain/duration.js';
import { parseRateLimit } from '../functions/domain/intake-rate.js';
import type { LocalRuntime } from '../local/runtime.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    clock: { type: 'string', default: 'scaled' },
    'day-every': { type: 'string', default: '5s' },
    verbose: { type: 'boolean', default: false },
    'reset-passwords': { type: 'boolean', default: false },
  },
});

// Set before the runtime and its handlers load (below): the handlers' INFO logs would bury the
// banner, so the terminal gets warnings and errors unless asked. And the SDK's notice that its
// 2027 releases need Node 22 is for this process only: the functions run on nodejs24.x in AWS
// (see "Node versions" in the README); any other warning still shows.
process.env.POWERTOOLS_LOG_LEVEL = values.verbose ? 'INFO' : (process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { localTableName, startLocalRuntime } = await import('../local/runtime.js');
const { JavaMissingError } = await import('../local/dynamodb-local.js');
const { startBanner } = await import('../local/banner.js');

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a port number, got ${values.port}`);
if (values.clock !== 'manual' && values.clock !== 'scaled') fail('--clock must be manual or scaled');
const realDay = parseDuration(values['day-every']);
if (!realDay) fail('--day-every must be a duration such as 5s or 2m');
const clockMode = values.clock as 'manual' | 'scaled';
const intakeRate = process.env.LEADFLOW_INTAKE_RATE;
const intakeRatePerMinute = intakeRate === undefined ? undefined : parseRateLimit(intakeRate);
if (intakeRate !== undefined && intakeRatePerMinute === undefined)
  fail(`LEADFLOW_INTAKE_RATE must be a whole number (0: no limit), got ${intakeRate}`);

// Installed before anything starts: a stop while booting exits at once, and the exit handlers end
// the DynamoDB Local JVM, which would otherwise outlive us.
let runtime: LocalRuntime | undefined;
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: shutting down...`);
  await runtime?.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  runtime = await startLocalRuntime({
    port,
    dataDir: values.data ?? process.env.LEADFLOW_DATA_DIR ?? '.leadflow',
    clockMode,
    clockScale: 86_400_000 / (realDay ?? 5_000),
    adminToken: process.env.LEADFLOW_ADMIN_TOKEN,
    allowedOrigins: process.env.LEADFLOW_ALLOWED_ORIGINS?.split(',').map((origin) => origin.trim()),
    intakeRatePerMinute,
    resetPasswords: values['reset-passwords'],
    onListening: (url) => console.log(`Booting        ${url}/  (answers 503 until it is running)`),
  });
  const { RulesRepository } = await import('../functions/adapters/rules-repository.js');
  const rules = await new RulesRepository(localTableName).current();
  console.log(
    startBanner({
      url: runtime.url,
      adminToken: runtime.adminToken,
      users: runtime.users,
      clock: clockMode === 'manual' ? { mode: 'manual' } : { mode: 'scaled', realDayMs: realDay ?? 5_000 },
      salesAnswerWithinDays: rules.salesAnswerWithinDays,
      verbose: values.verbose,
    }),
  );
} catch (error) {
  fail(error instanceof JavaMissingError ? error.message : `Could not start: ${(error as Error).stack}`);
}
