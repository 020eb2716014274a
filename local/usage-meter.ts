import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

/**
 * What the emulated services would bill in AWS, counted from what the handlers really do: every
 * DynamoDB call's consumed capacity (DynamoDB Local computes it, as AWS does, from item sizes and
 * consistency), every state a journey enters, every function invocation with its measured
 * duration at its deployed memory size, every email SES accepts. `GET /_local/usage` answers it.
 */

/** Read from the CDK constructs' settings, passed in by the runtime: how much memory each function has. */
export type FunctionMemory = Readonly<Record<string, number>>;

export interface Usage {
  dynamodb: {
    /** On-demand read request units: 4 KB strongly consistent, half for eventually consistent. */
    readUnits: number;
    /** On-demand write request units: 1 KB each, GSI writes included. */
    writeUnits: number;
    /** Calls by operation, e.g. `{ GetItem: 3, Query: 4 }`. */
    calls: Record<string, number>;
  };
  stepFunctions: { stateTransitions: number; executions: number };
  lambda: Record<string, { invocations: number; billedMs: number; memoryMb: number }>;
  ses: { messages: number };
}

const readOperations = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const transactions = new Set(['TransactGetItems', 'TransactWriteItems']);

/** The slice of an SDK v3 client the meter hooks into: the middleware stack every command goes through. */
interface MeteredClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<{ output: object }>,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<{ output: object }>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

const unitsOf = (consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number =>
  (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
    (sum, entry) => sum + (entry.CapacityUnits ?? 0),
    0,
  );

const operationOf = (commandName: string | undefined) => (commandName ?? 'Unknown').replace(/Command$/, '');

export class UsageMeter {
  private readUnits = 0;
  private writeUnits = 0;
  private readonly calls = new Map<string, number>();
  private stateTransitions = 0;
  private executions = 0;
  private readonly lambdas = new Map<string, { invocations: number; billedMs: number; memoryMb: number }>();
  private messages = 0;

  constructor(private readonly memory: FunctionMemory) {}

  /**
   * Counts every call of `client` (the handlers' shared DynamoDB client). Each call asks DynamoDB
   * Local for its consumed capacity; the answer is taken off again unless the caller asked for it,
   * so the handlers see what they would see in AWS.
   */
  meterDynamoDb(client: MeteredClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = operationOf(context.commandName);
        this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
        const input = args.input as { ReturnConsumedCapacity?: string };
        const asked = input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE';
        // DynamoDB Local counts a transaction's items as plain reads and writes; AWS bills them twice.
        const factor = transactions.has(operation) ? 2 : 1;
        const isRead = readOperations.has(operation);
        let result: { output: object };
        try {
          result = await next({ ...args, input: { ...input, ReturnConsumedCapacity: 'INDEXES' } });
        } catch (error) {
          // A write refused by its condition is billed too (at least a unit); Local reports none.
          if (!isRead) this.writeUnits += factor;
          throw error;
        }
        const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
        const units = unitsOf(output.ConsumedCapacity) * factor;
        if (isRead) this.readUnits += units;
        else this.writeUnits += units;
        if (!asked) {
          const { ConsumedCapacity: _counted, ...rest } = output;
          return { ...result, output: rest };
        }
        return result;
      },
      { step: 'initialize', name: 'leadflowUsageMeter' },
    );
  }

  /** A state machine entered a state: Standard workflows bill each transition. */
  readonly stateEntered = (): void => {
    this.stateTransitions++;
  };

  readonly executionStarted = (): void => {
    this.executions++;
  };

  readonly emailSent = (): void => {
    this.messages++;
  };

  /**
   * `fn` as the Lambda function `name` runs it: each call an invocation, its duration rounded up
   * to the millisecond as Lambda bills it, at the function's deployed memory.
   */
  invocations<Args extends unknown[], Result>(
    name: string,
    fn: (...args: Args) => Promise<Result>,
  ): (...args: Args) => Promise<Result> {
    const memoryMb = this.memory[name];
    if (memoryMb === undefined) throw new Error(`No memory size known for function ${name}`);
    return async (...args) => {
      const started = performance.now();
      try {
        return await fn(...args);
      } finally {
        const entry = this.lambdas.get(name) ?? { invocations: 0, billedMs: 0, memoryMb };
        entry.invocations++;
        entry.billedMs += Math.ceil(performance.now() - started);
        this.lambdas.set(name, entry);
      }
    };
  }

  usage(): Usage {
    return {
      dynamodb: {
        readUnits: this.readUnits,
        writeUnits: this.writeUnits,
        calls: Object.fromEntries(this.calls),
      },
      stepFunctions: { stateTransitions: this.stateTransitions, executions: this.executions },
      lambda: Object.fromEntries([...this.lambdas].map(([name, entry]) => [name, { ...entry }])),
      ses: { messages: this.messages },
    };
  }
}

/**
 * us-east-1 list prices (aws.amazon.com/<service>/pricing, as of 2026-11):
 * - DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units;
 * - Step Functions Standard: $0.025 per 1,000 state transitions (after 4,000 free a month, ignored here);
 * - Lambda on arm64: $0.20 per million requests, $0.0000133334 per GB-second;
 * - SES: $0.10 per 1,000 emails sent.
 * Free tiers are left out: the figures are what a deployment past them pays.
 */
export const prices = {
  dynamodbWriteUnit: 0.625 / 1e6,
  dynamodbReadUnit: 0.125 / 1e6,
  stateTransition: 0.025 / 1e3,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  sesMessage: 0.1 / 1e3,
} as const;

export interface Cost {
  dynamodb: number;
  stepFunctions: number;
  lambda: number;
  ses: number;
  total: number;
}

/** What `usage` costs in dollars, by service. */
export const costOf = (usage: Usage): Cost => {
  const dynamodb =
    usage.dynamodb.readUnits * prices.dynamodbReadUnit + usage.dynamodb.writeUnits * prices.dynamodbWriteUnit;
  const stepFunctions = usage.stepFunctions.stateTransitions * prices.stateTransition;
  const lambda = Object.values(usage.lambda).reduce(
    (sum, fn) =>
      sum +
      fn.invocations * prices.lambdaRequest +
      (fn.billedMs / 1000) * (fn.memoryMb / 1024) * prices.lambdaGbSecond,
    0,
  );
  const ses = usage.ses.messages * prices.sesMessage;
  return { dynamodb, stepFunctions, lambda, ses, total: dynamodb + stepFunctions + lambda + ses };
};

/** `after - before`: what one stretch of a run used. */
export const usageBetween = (before: Usage, after: Usage): Usage => {
  const calls: Record<string, number> = Object.create(null);
  for (const [operation, count] of Object.entries(after.dynamodb.calls)) {
    calls[operation] = count - (before.dynamodb.calls[operation] ?? 0);
  }
  const lambda: Usage['lambda'] = Object.create(null);
  for (const [name, fn] of Object.entries(after.lambda)) {
    const earlier = before.lambda[name];
    lambda[name] = {
      invocations: fn.invocations - (earlier?.invocations ?? 0),
      billedMs: fn.billedMs - (earlier?.billedMs ?? 0),
      memoryMb: fn.memoryMb,
    };
  }
  return {
    dynamodb: {
      readUnits: after.dynamodb.readUnits - before.dynamodb.readUnits,
      writeUnits: after.dynamodb.writeUnits - before.dynamodb.writeUnits,
      calls,
    },
    stepFunctions: {
      stateTransitions: after.stepFunctions.stateTransitions - before.stepFunctions.stateTransitions,
      executions: after.stepFunctions.executions - before.stepFunctions.executions,
    },
    lambda,
    ses: { messages: after.ses.messages - before.ses.messages },
  };
};
