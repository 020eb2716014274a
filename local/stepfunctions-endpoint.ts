import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { VirtualClock } from './clock.js';
import { localRegion } from './dynamodb-local.js';
import { refusedForeignCaller } from './loopback-only.js';
import { Executions, type LocalStateMachine } from './stepfunctions/executions.js';
import type { LocalLambda } from './stepfunctions/integrations.js';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  type HistoryEvent,
  SfnError,
} from './stepfunctions/model.js';

export type { LocalStateMachine } from './stepfunctions/executions.js';
export type { LocalLambda } from './stepfunctions/integrations.js';

export interface StepFunctionsEndpointOptions {
  clock: VirtualClock;
  /** Executions are kept under `dataDir/stepfunctions/`. */
  dataDir: string;
  stateMachines: LocalStateMachine[];
  /** Keyed by function ARN, as it appears in `Parameters.FunctionName` or `Resource`. */
  lambdas: Record<string, LocalLambda>;
  /** @default us-east-1 */
  region?: string;
  /** @default 000000000000 */
  accountId?: string;
  /** Called each time an execution enters a state (the usage meter counts transitions). */
  onStateEntered?: () => void;
}

export interface StepFunctionsEndpoint {
  /** `http://127.0.0.1:<port>`, for any AWS client's `endpoint` (or `AWS_ENDPOINT_URL_SFN`). */
  endpoint: string;
  stateMachineArn(name: string): string;
  /** Closes the server and pauses running executions, unfinished, so the next start resumes them. */
  stop(): Promise<void>;
}

const maxPageSize = 1000;
const defaultPageSize = 100;
const statuses: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

type Params = Record<string, unknown>;
type Operation = (params: Params) => unknown;

/**
 * A loopback endpoint that speaks the Step Functions API (AWS JSON 1.0: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>`) and runs the given state machines locally, so
 * handlers and any AWS client use it unchanged. Signatures are not checked. Executions already
 * RUNNING in `dataDir` resume from their start state (see `Executions.resume`) on the next
 * macrotask, once the caller has the endpoint.
 */
export const startStepFunctionsEndpoint = async (
  options: StepFunctionsEndpointOptions,
): Promise<StepFunctionsEndpoint> => {
  const region = options.region ?? localRegion;
  const executions = new Executions({
    clock: options.clock,
    dir: join(options.dataDir, 'stepfunctions'),
    stateMachines: options.stateMachines,
    lambdas: options.lambdas,
    region,
    accountId: options.accountId ?? '000000000000',
    ...(options.onStateEntered ? { onStateEntered: options.onStateEntered } : {}),
  });
  const operations = operationsOf(executions);

  const server = createServer((request, response) => {
    void respond(operations, request, response);
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => listening());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const resuming = setImmediate(() => executions.resume());

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn: (name) => executions.stateMachineArn(name),
    stop: async () => {
      clearImmediate(resuming);
      executions.close();
      await new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      });
    },
  };
};

const operationsOf = (executions: Executions): Record<string, Operation> => ({
  StartExecution: (params) => {
    const record = executions.startExecution({
      stateMachineArn: requiredString(params, 'stateMachineArn'),
      ...optionalStrings(params, 'name', 'input'),
    });
    return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
  },
  DescribeExecution: (params) => describe(executions.execution(requiredString(params, 'executionArn'))),
  StopExecution: (params) => {
    const { error, cause } = optionalStrings(params, 'error', 'cause');
    const record = executions.stopExecution(requiredString(params, 'executionArn'), error, cause);
    return { stopDate: seconds(record.stopDate ?? record.startDate) };
  },
  ListExecutions: (params) => {
    const { statusFilter } = optionalStrings(params, 'statusFilter');
    if (statusFilter !== undefined && !statuses.includes(statusFilter)) {
      throw new SfnError('ValidationException', `Invalid statusFilter: ${statusFilter}`);
    }
    const all = executions.executions(
      requiredString(params, 'stateMachineArn'),
      statusFilter as ExecutionStatus | undefined,
    );
    const { items, nextToken } = page(all, params);
    return {
      executions: items.map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: seconds(record.startDate),
        stopDate: seconds(record.stopDate),
        redriveCount: record.redriveCount,
        redriveDate: seconds(record.redriveDate),
      })),
      nextToken,
    };
  },
  GetExecutionHistory: (params) => {
    const record = executions.execution(requiredString(params, 'executionArn'));
    const events = params.reverseOrder === true ? [...record.history].reverse() : record.history;
    const { items, nextToken } = page(events, params);
    const withData = params.includeExecutionData !== false;
    return { events: items.map((event) => historyEvent(event, withData)), nextToken };
  },
  ListStateMachines: (params) => {
    const { items, nextToken } = page(executions.stateMachines(), params);
    return {
      stateMachines: items.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: seconds(machine.creationDate),
      })),
      nextToken,
    };
  },
  DescribeStateMachine: (params) => {
    const machine = executions.stateMachine(requiredString(params, 'stateMachineArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: JSON.stringify(machine.definition),
      roleArn: executions.roleArn,
      type: 'STANDARD',
      creationDate: seconds(machine.creationDate),
    };
  },
  SendTaskSuccess: (params) => {
    executions.sendTaskSuccess(requiredString(params, 'taskToken'), requiredString(params, 'output'));
    return {};
  },
  SendTaskFailure: (params) => {
    const { error, cause } = optionalStrings(params, 'error', 'cause');
    executions.sendTaskFailure(requiredString(params, 'taskToken'), error, cause);
    return {};
  },
  SendTaskHeartbeat: (params) => {
    executions.sendTaskHeartbeat(requiredString(params, 'taskToken'));
    return {};
  },
});

const respond = async (
  operations: Record<string, Operation>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> => {
  if (refusedForeignCaller(request, response, 'Step Functions')) return;
  let status = 200;
  let body: unknown;
  try {
    const target = request.headers['x-amz-target'];
    const name = typeof target === 'string' ? /^AWSStepFunctions\.(\w+)$/.exec(target)?.[1] : undefined;
    const operation =
      request.method === 'POST' && name && Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (!operation) throw new SfnError('UnknownOperationException', `Unknown operation ${String(target)}`);
    body = operation(await readParams(request));
  } catch (error) {
    const known = error instanceof SfnError;
    status = known ? 400 : 500;
    body = {
      __type: known ? error.code : 'InternalFailure',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify(body));
};

const readParams = async (request: IncomingMessage): Promise<Params> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const params: unknown = text ? JSON.parse(text) : {};
    if (params !== null && typeof params === 'object' && !Array.isArray(params)) return params as Params;
  } catch {
    // answered below
  }
  throw new SfnError('SerializationException', 'The request body is not a JSON object');
};

const requiredString = (params: Params, key: string): string => {
  const value = params[key];
  if (typeof value !== 'string' || value === '') {
    throw new SfnError('ValidationException', `${key} is required and must be a string`);
  }
  return value;
};

const optionalStrings = <K extends string>(params: Params, ...keys: K[]): Partial<Record<K, string>> => {
  const found: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new SfnError('ValidationException', `${key} must be a string`);
    found[key] = value;
  }
  return found;
};

/** `maxResults` and an opaque `nextToken` (here the offset), as the list operations page. */
const page = <T>(all: readonly T[], params: Params): { items: T[]; nextToken: string | undefined } => {
  const max =
    typeof params.maxResults === 'number' && params.maxResults > 0 ? params.maxResults : defaultPageSize;
  const size = Math.min(max, maxPageSize);
  let start = 0;
  if (typeof params.nextToken === 'string') {
    start = Number.parseInt(Buffer.from(params.nextToken, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0) throw new SfnError('InvalidToken', 'Invalid Token');
  }
  const end = start + size;
  return {
    items: all.slice(start, end),
    nextToken: end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
};

/** The JSON protocol's timestamps: epoch seconds. */
const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

const describe = (record: ExecutionRecord) => ({
  executionArn: record.executionArn,
  stateMachineArn: record.stateMachineArn,
  name: record.name,
  status: record.status,
  startDate: seconds(record.startDate),
  stopDate: seconds(record.stopDate),
  input: record.input,
  inputDetails: { included: true },
  output: record.output,
  ...(record.output === undefined ? {} : { outputDetails: { included: true } }),
  error: record.error,
  cause: record.cause,
  redriveCount: record.redriveCount,
  redriveDate: seconds(record.redriveDate),
});

/** Inputs, outputs and parameters are left out when `includeExecutionData` is false. */
const historyEvent = (event: HistoryEvent, withData: boolean) =>
  Object.fromEntries(
    Object.entries(event).map(([key, value]) => {
      if (key === 'timestamp') return [key, seconds(event.timestamp)];
      if (withData || !key.endsWith('EventDetails') || value === null || typeof value !== 'object') {
        return [key, value];
      }
      const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Params;
      return [key, rest];
    }),
  );
