/**
 * `npm start`: the whole of Leadflow on this machine.
 *   npm start -- [--port N] [--data DIR] [--clock manual|scaled] [--day-every 5s]
 * Environment: PORT, LEADFLOW_DATA_DIR, LEADFLOW_ADMIN_TOKEN, LEADFLOW_ALLOWED_ORIGINS (comma-separated),
 * LEADFLOW_INTAKE_RATE (public submissions per client per minute, 0 for no limit; default 10).
 */
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '../functions/domain/duration.js';
import { parseRateLimit } from '../functions/domain/intake-rate.js';
import { JavaMissingError } from '../local/dynamodb-local.js';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    clock: { type: 'string', default: 'scaled' },
    'day-every': { type: 'string', default: '5s' },
  },
});

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
    onListening: (url) => console.log(`Booting        ${url}/  (answers 503 until it is running)`),
  });
  const clockLine =
    clockMode === 'manual'
      ? 'manual: POST /_local/clock/advance {"by":"3d"}'
      : `scaled: a virtual day every ${formatDuration(realDay ?? 5_000)}`;
  console.log(
    [
      'Leadflow is running locally.',
      `  Landing page   ${runtime.url}/`,
      `  Intake         POST ${runtime.url}/v1/contacts`,
      `  Admin page     ${runtime.url}/admin  (sign in as a user of ${runtime.users.file})`,
      ...(runtime.users.created ?? []).map(
        ({ username, password }) =>
          `                 ${username.padEnd(10)} password ${password}  (shown once)`,
      ),
      `  Admin API      ${runtime.url}/v1/...  (Authorization: Bearer ${runtime.adminToken})`,
      `  Emulated AWS   ${runtime.url}/_local/endpoints`,
      `  Outbox         ${runtime.url}/_local/outbox`,
      `  Clock          ${clockLine}`,
      'Stop with Ctrl+C.',
    ].join('\n'),
  );
} catch (error) {
  fail(error instanceof JavaMissingError ? error.message : `Could not start: ${(error as Error).stack}`);
}
