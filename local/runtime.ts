import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useClock } from '../functions/adapters/clock.js';
import { parseDuration } from '../functions/domain/duration.js';
import { defaultIntakeRatePerMinute } from '../functions/domain/intake-rate.js';
import type { RouteTarget } from '../lib/api-routes.js';
import { functionMemoryMb } from '../lib/function-memory.js';
import {
  journeyDefinitionForLocal,
  localFunctionArn,
  localJourneyFunctions,
} from '../lib/workflows/journey.js';
import type { HttpHandler } from './api-gateway-event.js';
import { type ClockMode, VirtualClock } from './clock.js';
import { demoContentRoutes } from './demo-content.js';
import {
  ensureTable,
  localCredentials,
  localDynamoDbClient,
  localRegion,
  startDynamoDbLocal,
} from './dynamodb-local.js';
import { startEventBridgeEndpoint } from './eventbridge-endpoint.js';
import { localFanOutJobs, localJobsName } from './fan-out-jobs.js';
import { type IssuedPassword, startIdentityProvider } from './identity-provider.js';
import { jwtAuthorizer } from './jwt-authorizer.js';
import { type LambdaFault, LambdaFaults } from './lambda-faults.js';
import { ownOriginsOf } from './loopback-only.js';
import {
  answerClientError,
  booting,
  createRouter,
  type LocalResponse,
  type LocalRoute,
  requestTimeouts,
  serve,
} from './router.js';
import { type SesEvent, type SesRefusal, sesRefusals, startSesEndpoint, toSnsEvent } from './ses-endpoint.js';
import { startStepFunctionsEndpoint } from './stepfunctions-endpoint.js';
import { type Usage, UsageMeter } from './usage-meter.js';
import { WorkTracker } from './work-tracker.js';

export interface LocalRuntimeOptions {
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  clockMode: ClockMode;
  /** Virtual ms per real ms for the scaled clock. */
  clockScale?: number;
  /** @default a token generated once and kept in the data dir */
  adminToken?: string;
  /** Origins allowed to post to the intake from a browser, besides the runtime's own. @default none */
  allowedOrigins?: string[];
  /** Public submissions per client per minute of the runtime's clock, `0` for no limit. @default 10 */
  intakeRatePerMinute?: number;
  /** Give every local user a new password (shown once in `users.issued`). */
  resetPasswords?: boolean;
  /** Called once the port answers (503 until the runtime is ready), before the services start. */
  onListening?: (url: string) => void;
}

export interface LocalRuntime {
  url: string;
  adminToken: string;
  /**
   * The local sign-in's users file, its user names, and the passwords set at this start (users
   * created, or reset) to show once.
   */
  users: { file: string; names: string[]; issued?: IssuedPassword[] };
  endpoints: LocalEndpoints;
  clock: VirtualClock;
  /** What the handlers have used so far, as AWS would bill it (also `GET /_local/usage`). */
  usage(): Usage;
  stop(): Promise<void>;
}

export interface LocalEndpoints {
  dynamodb: string;
  stepfunctions: string;
  sesv2: string;
  eventbridge: string;
}

/** What the stack sets on its functions, with local values. */
const localMailSettings = {
  SENDER_ADDRESS: 'Leadflow <hello@leadflow.example>',
  SES_CONFIGURATION_SET: 'leadflow',
  POSTAL_ADDRESS: 'Leadflow, 1 Example Street, Springfield 12345',
  EVENT_BUS_NAME: 'leadflow',
};

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '../web');
export const localTableName = 'leadflow';
export const localJourneyName = 'leadflow-journey';

const json = (status: number, body: unknown): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

interface Issue {
  path: string;
  message: string;
}

const validationFailed = (message: string, issues: Issue[]) =>
  json(400, { error: { code: 'validation_failed', message, issues } });

type Fault =
  | { lambda: LambdaFault }
  | { ses: { service: 'sesv2'; error: SesRefusal; for: string; ms: number } }
  | { issues: Issue[] };

/** The journey's functions and the fan-out job's. */
const faultableFunctions: readonly string[] = ['advance', 'await', 'job-pages', 'job-batch'];

/** `{"function", ...}` fails journey or job functions; `{"service": "sesv2", ...}` has SES refuse sends. */
const parseFault = (body: Buffer): Fault => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { issues: [{ path: '', message: 'must be a JSON object' }] };
  }
  const fault = parsed as Record<string, unknown>;
  const issues: Issue[] = [];
  if ('service' in fault) {
    if (fault.service !== 'sesv2') issues.push({ path: 'service', message: 'must be "sesv2"' });
    const error = sesRefusals.find((refusal) => refusal === fault.error);
    if (!error) issues.push({ path: 'error', message: `must be one of ${sesRefusals.join(', ')}` });
    const ms = typeof fault.for === 'string' ? parseDuration(fault.for) : undefined;
    if (!ms) issues.push({ path: 'for', message: 'must be a duration such as 1h, 90m or 2d' });
    return error && ms && issues.length === 0
      ? { ses: { service: 'sesv2', error, for: fault.for as string, ms } }
      : { issues };
  }
  if (!faultableFunctions.includes(fault.function as string)) {
    issues.push({ path: 'function', message: `must be one of ${faultableFunctions.join(', ')}` });
  }
  if (fault.when !== 'before' && fault.when !== 'after') {
    issues.push({ path: 'when', message: 'must be "before" or "after"' });
  }
  if (!Number.isInteger(fault.times) || (fault.times as number) <= 0) {
    issues.push({ path: 'times', message: 'must be a whole number above 0' });
  }
  if (fault.contactId !== undefined && typeof fault.contactId !== 'string') {
    issues.push({ path: 'contactId', message: 'must be a string' });
  }
  return issues.length === 0 ? { lambda: fault as unknown as LambdaFault } : { issues };
};

const adminTokenFor = (dataDir: string, given: string | undefined): string => {
  if (given) return given;
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token, { mode: 0o600 });
  return token;
};

/**
 * The whole system on one machine: DynamoDB Local, the virtual clock, and the HTTP API with the
 * deployed handlers behind it. Handlers are imported only after the environment points their
 * SDK clients at loopback, exactly as Lambda would configure them through environment variables.
 */
export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const clock = new VirtualClock({
    mode: options.clockMode,
    ...(options.clockScale ? { scale: options.clockScale } : {}),
    stateFile: join(dataDir, 'clock.json'),
  });
  useClock(clock);

  // Listen first: the unsubscribe link in every email needs the runtime's own address, and a
  // client that comes early is told to retry (503) rather than refused or left hanging.
  const server = createServer(requestTimeouts);
  let listener = serve(booting);
  server.on('request', (request, response) => listener(request, response));
  server.on('clientError', answerClientError);
  await new Promise<void>((ready) => server.listen(options.port, '127.0.0.1', ready));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://127.0.0.1:${port}`;
  const ownOrigins = ownOriginsOf(port);
  options.onListening?.(url);

  const dynamodb = await startDynamoDbLocal(dataDir);
  Object.assign(process.env, {
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    TABLE_NAME: localTableName,
    UNSUBSCRIBE_URL: `${url}/v1/unsubscribe`,
    SITE_URL: url,
    ADMIN_PAGE_URL: `${url}/admin`,
    // Where sales handoffs go; `SALES_INBOX` in the environment names another.
    SALES_INBOX: process.env.SALES_INBOX || 'sales@leadflow.example',
    // Double opt-in on every form unless told otherwise, as in AWS.
    SINGLE_OPT_IN_FORMS: process.env.LEADFLOW_SINGLE_OPT_IN_FORMS ?? '',
    // Test sends go to the signed-in user's own address, or to these domains (none unless told).
    TEST_SEND_DOMAINS: process.env.LEADFLOW_TEST_SEND_DOMAINS ?? '',
    INTAKE_RATE_PER_MINUTE: String(options.intakeRatePerMinute ?? defaultIntakeRatePerMinute),
    ...localMailSettings,
  });
  const client = localDynamoDbClient(dynamodb.endpoint);
  await ensureTable(client, localTableName);
  client.destroy();

  // Every handler's DynamoDB call goes through this one shared client; metered from here on.
  const meter = new UsageMeter(functionMemoryMb);
  meter.meterDynamoDb((await import('../functions/adapters/dynamodb.js')).documentClient);

  // Handlers are imported lazily, on first call, so every one sees the complete environment.
  const work = new WorkTracker();
  const faults = new LambdaFaults();
  const eventBridge = await startEventBridgeEndpoint({ dataDir, clock });
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;
  const ses = await startSesEndpoint({
    dataDir,
    clock,
    onEvent: work.track(
      meter.invocations('mail-events', async (event: SesEvent) => {
        const { handler } = await import('../functions/mail-events/handler.js');
        await handler(toSnsEvent(event));
      }),
    ),
    onSent: meter.emailSent,
  });
  const jobs = localFanOutJobs(work, faults);
  const stepFunctions = await startStepFunctionsEndpoint({
    clock,
    dataDir,
    stateMachines: [{ name: localJourneyName, definition: journeyDefinitionForLocal() }, jobs.stateMachine],
    lambdas: {
      ...jobs.lambdas,
      [localFunctionArn(localJourneyFunctions.advance)]: work.track(
        meter.invocations(
          'advance',
          faults.wrap('advance', async (input) =>
            (await import('../functions/journey/advance-handler.js')).handler(input as never),
          ),
        ),
      ),
      [localFunctionArn(localJourneyFunctions.await)]: work.track(
        meter.invocations(
          'await',
          faults.wrap('await', async (input) =>
            (await import('../functions/journey/await-handler.js')).handler(input as never),
          ),
        ),
      ),
    },
    onStateEntered: meter.stateEntered,
  });
  // Set before the next macrotask, when the endpoint resumes journeys left running.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
    JOURNEY_STATE_MACHINE_ARN: stepFunctions.stateMachineArn(localJourneyName),
    JOBS_STATE_MACHINE_ARN: stepFunctions.stateMachineArn(localJobsName),
  });

  // Tracked like the journeys' work, so a stop lets requests in flight finish.
  const handlers: Record<RouteTarget, HttpHandler> = {
    intake: work.track(meter.invocations('intake', (await import('../functions/intake/handler.js')).handler)),
    admin: work.track(meter.invocations('admin', (await import('../functions/admin/handler.js')).handler)),
    templates: work.track(
      meter.invocations('templates', (await import('../functions/admin/templates/handler.js')).handler),
    ),
    signedLinks: work.track(
      meter.invocations('signedLinks', (await import('../functions/signed-links/handler.js')).handler),
    ),
  };

  const endpoints: LocalEndpoints = {
    dynamodb: dynamodb.endpoint,
    stepfunctions: stepFunctions.endpoint,
    sesv2: ses.endpoint,
    eventbridge: eventBridge.endpoint,
  };
  // Past JavaScript's last date the clock would read Invalid Date, and keep it on disk.
  const reachable = (ms: number) => !Number.isNaN(new Date(clock.nowMs() + ms).getTime());
  const idp = await startIdentityProvider(dataDir, url, ownOrigins, options.resetPasswords);
  // What the deployed page reads from its config.json; locally the sign-in is the runtime's own.
  const pageConfig = {
    apiUrl: url,
    authority: `${idp.issuer}/oauth2`,
    clientId: idp.clientId,
    mode: 'local',
  };
  const localRoutes: LocalRoute[] = [
    ...idp.routes,
    ...demoContentRoutes(),
    { method: 'GET', path: '/config.json', handle: () => json(200, pageConfig) },
    { method: 'GET', path: '/_local/endpoints', handle: () => json(200, endpoints) },
    { method: 'GET', path: '/_local/usage', handle: () => json(200, meter.usage()) },
    { method: 'GET', path: '/_local/outbox', handle: async () => json(200, await ses.outbox()) },
    {
      method: 'GET',
      path: '/_local/events',
      handle: async () =>
        json(
          200,
          (await eventBridge.events()).map(({ id, source, detailType, detail, time }) => ({
            id,
            source,
            detailType,
            detail,
            time,
          })),
        ),
    },
    { method: 'GET', path: '/_local/clock', handle: () => json(200, { now: clock.now(), mode: clock.mode }) },
    {
      method: 'POST',
      path: '/_local/faults',
      handle: (body) => {
        const fault = parseFault(body);
        if ('lambda' in fault) {
          faults.arm(fault.lambda);
          return json(202, fault.lambda);
        }
        if ('ses' in fault && reachable(fault.ses.ms)) {
          const { ms, ...given } = fault.ses;
          const until = clock.nowMs() + ms;
          ses.refuse(given.error, until);
          return json(202, { ...given, until: new Date(until).toISOString() });
        }
        return validationFailed(
          `Give {"function": ${faultableFunctions.map((name) => `"${name}"`).join('|')}, "when": "before"|"after", "times": n, "contactId"?: id} ` +
            'or {"service": "sesv2", "error": "TooManyRequestsException"|"SendingPausedException", "for": "1h"}',
          'issues' in fault
            ? fault.issues
            : [{ path: 'for', message: 'reaches past the last date the clock can read' }],
        );
      },
    },
    {
      method: 'POST',
      path: '/_local/settle',
      handle: async () => {
        await work.settled();
        return json(200, { now: clock.now() });
      },
    },
    {
      method: 'POST',
      path: '/_local/clock/advance',
      handle: async (body) => {
        if (clock.mode !== 'manual') {
          return json(409, {
            error: { code: 'clock_not_manual', message: 'Start with --clock manual', issues: [] },
          });
        }
        let by: unknown;
        try {
          by = (JSON.parse(body.toString('utf8') || '{}') as { by?: unknown }).by;
        } catch {
          by = undefined;
        }
        const ms = typeof by === 'string' ? parseDuration(by) : undefined;
        if (ms === undefined || !reachable(ms)) {
          return validationFailed('Give {"by": "<duration>"}, e.g. "3d", "36h", "90m"', [
            { path: 'by', message: 'must be a duration such as 3d, 36h or 90m' },
          ]);
        }
        return json(200, { now: await clock.advanceSettled(ms, () => work.settled()) });
      },
    },
  ];

  const adminToken = adminTokenFor(dataDir, options.adminToken);
  listener = serve(
    createRouter({
      handlers,
      adminToken,
      verifyJwt: jwtAuthorizer({ issuer: idp.issuer, audience: idp.clientId, jwks: idp.jwks }),
      allowedOrigins: options.allowedOrigins ?? [],
      ownOrigins,
      webDir,
      localRoutes,
      now: () => clock.now(),
    }),
  );

  return {
    url,
    adminToken,
    users: {
      file: idp.usersFile,
      names: idp.usernames,
      ...(idp.issuedPasswords ? { issued: idp.issuedPasswords } : {}),
    },
    endpoints,
    clock,
    usage: () => meter.usage(),
    stop: async () => {
      await new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      });
      // Requests in flight finish against running services (an intake still starts its journey);
      // then journeys pause where they stand (the next start resumes them) once their running
      // steps finish, while DynamoDB and SES are still there.
      await work.settled();
      await stepFunctions.stop();
      await work.settled();
      await ses.stop();
      await eventBridge.stop();
      clock.stop();
      await dynamodb.stop();
    },
  };
};
