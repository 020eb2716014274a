import { randomUUID } from 'node:crypto';
import {
  type EventLog,
  type JSONValue,
  type LocalTask,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { VirtualClock } from '../clock.js';
import { type Integration, integrationFor, type LocalLambda, taskError } from './integrations.js';
import { type ExecutionRecord, type ExecutionStatus, type HistoryEvent, SfnError } from './model.js';
import { ExecutionStore } from './store.js';

// aws-local-stepfunctions calls Promise.withResolvers (Node 22+) in its own Task timer; the runtime
// supports Node 20.
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: () => {
      let resolve: unknown;
      let reject: unknown;
      const promise = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export interface LocalStateMachine {
  name: string;
  /** Amazon States Language (JSONPath), as CDK synthesizes it, with ARNs as plain strings. */
  definition: object;
}

export interface ExecutionsOptions {
  clock: VirtualClock;
  /** Where executions are saved. */
  dir: string;
  stateMachines: LocalStateMachine[];
  lambdas: Record<string, LocalLambda>;
  region: string;
  accountId: string;
  /** Called each time an execution enters a state: a transition, as Standard workflows bill them. */
  onStateEntered?: () => void;
}

/** Just enough of the States Language to find every Task state, nested ones included. */
interface AslStates {
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}
interface AslState {
  Type: string;
  Resource?: string;
  Branches?: AslStates[];
  ItemProcessor?: AslStates;
  Iterator?: AslStates;
}

interface Machine {
  arn: string;
  name: string;
  definition: object;
  creationDate: number;
  engine: StateMachine;
  /** By state name: names are unique across a whole state machine, so the engine's overrides are keyed so. */
  tasks: Map<string, Integration>;
  timeoutSeconds: number | undefined;
}

/** One engine run of an execution: the first, or the one a restart resumed. */
interface Run {
  record: ExecutionRecord;
  /** What to undo when the run ends: its virtual-clock timers and open tasks. */
  cleanups: Set<() => void>;
  abort: () => void;
  ended: boolean;
}

interface PendingTask {
  succeed(output: JSONValue): void;
  fail(error: string, cause: string): void;
  heartbeat(): void;
}

const finalEventTypes: Record<Exclude<ExecutionStatus, 'RUNNING'>, string> = {
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
};

/** AWS's rule for execution names: 1–80 characters, no whitespace, brackets, wildcards or punctuation below. */
const validName = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

const noDetails = { truncated: false };

/**
 * The executions of the local state machines, run by aws-local-stepfunctions (patched: see
 * `patches/`). Every Task state runs through `runTask`, which owns the task's timeouts on the
 * virtual clock, the callback tokens of `.waitForTaskToken` tasks and the task's history events.
 */
export class Executions {
  private readonly clock: VirtualClock;
  private readonly machines = new Map<string, Machine>();
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly runs = new Map<string, Run>();
  private readonly pending = new Map<string, PendingTask>();
  private readonly store: ExecutionStore;
  private readonly prefix: string;
  readonly roleArn: string;

  constructor(private readonly options: ExecutionsOptions) {
    this.clock = options.clock;
    this.prefix = `arn:aws:states:${options.region}:${options.accountId}`;
    this.roleArn = `arn:aws:iam::${options.accountId}:role/leadflow-local-stepfunctions`;
    const targets = { lambdas: options.lambdas, startExecution: this.startExecution };
    for (const { name, definition } of options.stateMachines) {
      const { TimeoutSeconds, ...rest } = definition as AslStates;
      const tasks = new Map(
        taskStates(rest).map(([state, resource]) => [state, integrationFor(resource, targets)]),
      );
      // The execution's TimeoutSeconds runs on the virtual clock here, not on the engine's setTimeout.
      const engine = new StateMachine(rest as StateMachineDefinition);
      const arn = this.stateMachineArn(name);
      this.machines.set(arn, {
        arn,
        name,
        definition,
        creationDate: this.clock.nowMs(),
        engine,
        tasks,
        timeoutSeconds: TimeoutSeconds,
      });
    }
    this.store = new ExecutionStore(options.dir);
    for (const record of this.store.load()) this.records.set(record.executionArn, record);
  }

  stateMachineArn(name: string): string {
    return `${this.prefix}:stateMachine:${name}`;
  }

  stateMachines(): Machine[] {
    return [...this.machines.values()];
  }

  stateMachine(arn: string): Machine {
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  execution(arn: string): ExecutionRecord {
    const record = this.records.get(arn);
    if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  /** Newest first, as the service lists them. */
  executions(stateMachineArn: string, status?: ExecutionStatus): ExecutionRecord[] {
    this.stateMachine(stateMachineArn);
    return [...this.records.values()]
      .filter((record) => record.stateMachineArn === stateMachineArn && (!status || record.status === status))
      .sort((a, b) => b.startDate - a.startDate);
  }

  /**
   * Executions that were RUNNING when the runtime stopped run again from their start state with
   * their original input: the engine cannot restore a run mid-state, and the journey's first state
   * re-reads the contact, so starting over resumes the contact where it stood. Tokens of the
   * previous run are void (they answer TaskTimedOut). The history records it as a redrive, the
   * service's own word for an execution that runs again, with DescribeExecution's redriveCount.
   */
  resume(): void {
    for (const record of this.records.values()) {
      // One whose state machine is no longer defined waits, RUNNING, for a start that defines it again.
      if (record.status !== 'RUNNING' || !this.machines.has(record.stateMachineArn)) continue;
      record.redriveCount += 1;
      record.redriveDate = this.clock.nowMs();
      this.append(record, 'ExecutionRedriven', {
        executionRedrivenEventDetails: { redriveCount: record.redriveCount },
      });
      this.run(record);
    }
  }

  /**
   * As StartExecution: a name is unique per state machine. The same name and input while that
   * execution runs returns it again (the service's idempotency); otherwise ExecutionAlreadyExists.
   */
  readonly startExecution = (request: {
    stateMachineArn: string;
    name?: string;
    input?: string;
  }): ExecutionRecord => {
    const machine = this.stateMachine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!validName.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    try {
      JSON.parse(input);
    } catch {
      throw new SfnError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: the input is not JSON',
      );
    }
    const executionArn = `${this.prefix}:execution:${machine.name}:${name}`;
    const existing = this.records.get(executionArn);
    if (existing?.status === 'RUNNING' && existing.input === input) return existing;
    if (existing) throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);

    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input,
      startDate: this.clock.nowMs(),
      redriveCount: 0,
      history: [],
    };
    this.records.set(executionArn, record);
    this.append(record, 'ExecutionStarted', {
      executionStartedEventDetails: { input, inputDetails: noDetails, roleArn: this.roleArn },
    });
    this.store.save(record);
    this.run(record);
    return record;
  };

  stopExecution(arn: string, error?: string, cause?: string): ExecutionRecord {
    const record = this.execution(arn);
    const run = this.runs.get(arn);
    if (run) {
      this.finish(run, 'ABORTED', {
        ...(error === undefined ? {} : { error }),
        ...(cause === undefined ? {} : { cause }),
      });
    }
    return record;
  }

  sendTaskSuccess(token: string, output: string): void {
    const task = this.task(token);
    let parsed: JSONValue;
    try {
      parsed = JSON.parse(output) as JSONValue;
    } catch {
      throw new SfnError('InvalidOutput', 'Invalid Output: the output is not JSON');
    }
    task.succeed(parsed);
  }

  sendTaskFailure(token: string, error = '', cause = ''): void {
    this.task(token).fail(error, cause);
  }

  sendTaskHeartbeat(token: string): void {
    this.task(token).heartbeat();
  }

  /** Stops every run without finishing its execution, so the next start resumes it, and saves all. */
  close(): void {
    for (const run of [...this.runs.values()]) this.detach(run);
    this.store.flush();
  }

  private task(token: string): PendingTask {
    const task = this.pending.get(token);
    if (task) return task;
    const executionArn = tokenExecution(token);
    if (executionArn === undefined) throw new SfnError('InvalidToken', 'Invalid Token');
    if (!this.records.has(executionArn)) throw new SfnError('TaskDoesNotExist', 'Task Does Not Exist');
    // What the service answers for a token whose task already ended: succeeded, failed or timed out.
    throw new SfnError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
  }

  private run(record: ExecutionRecord): void {
    const machine = this.stateMachine(record.stateMachineArn);
    const run: Run = { record, cleanups: new Set(), abort: () => undefined, ended: false };
    this.runs.set(record.executionArn, run);
    const limit = machine.timeoutSeconds;
    if (limit !== undefined) {
      this.after(run, record.startDate + limit * 1000 - this.clock.nowMs(), () =>
        this.finish(run, 'TIMED_OUT', {
          error: 'States.Timeout',
          cause: `The execution ran longer than its TimeoutSeconds (${limit})`,
        }),
      );
    }
    const handlers = Object.fromEntries(
      [...machine.tasks].map(([state, integration]) => [
        state,
        (parameters: JSONValue, task: LocalTask) => this.runTask(run, integration, parameters, task),
      ]),
    );
    const execution = machine.engine.run(JSON.parse(record.input) as JSONValue, {
      noThrowOnAbort: true,
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: this.roleArn,
          StartTime: new Date(record.startDate).toISOString(),
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
      taskToken: () => newToken(record.executionArn),
      sleep: (ms, signal) => this.sleep(run, ms, signal),
      now: () => this.clock.nowMs(),
    });
    run.abort = execution.abort;
    // The event log carries the outcome too; the promise only must not reject unhandled.
    execution.result.catch(() => undefined);
    void this.follow(run, execution.eventLogs);
  }

  /** Turns the engine's events into the service's history events. */
  private async follow(run: Run, events: AsyncGenerator<EventLog>): Promise<void> {
    for await (const event of events) {
      if (run.ended) return;
      switch (event.type) {
        case 'StateEntered':
          this.options.onStateEntered?.();
          this.append(run.record, `${event.state.type}StateEntered`, {
            stateEnteredEventDetails: {
              name: event.state.name,
              input: JSON.stringify(event.state.input),
              inputDetails: noDetails,
            },
          });
          break;
        case 'StateExited':
          this.append(run.record, `${event.state.type}StateExited`, {
            stateExitedEventDetails: {
              name: event.state.name,
              output: JSON.stringify(event.state.output ?? null),
              outputDetails: noDetails,
            },
          });
          break;
        case 'ExecutionSucceeded':
          this.finish(run, 'SUCCEEDED', { output: JSON.stringify(event.output) });
          break;
        case 'ExecutionFailed':
          this.finish(run, 'FAILED', { error: event.Error, cause: causeText(event.Cause) });
          break;
        // Retries, catches and task failures show as the task's own events; starts and stops are ours.
        default:
          break;
      }
    }
  }

  private finish(
    run: Run,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    outcome: { output?: string; error?: string; cause?: string },
  ): void {
    const record = run.record;
    this.detach(run);
    Object.assign(record, { status, stopDate: this.clock.nowMs() }, outcome);
    const type = finalEventTypes[status];
    const details =
      status === 'SUCCEEDED'
        ? { output: outcome.output, outputDetails: noDetails }
        : { error: outcome.error, cause: outcome.cause };
    this.append(record, type, { [detailsKey(type)]: details });
    this.store.save(record);
  }

  /** Ends a run's engine, timers and open tasks; its record stays as it is. */
  private detach(run: Run): void {
    run.ended = true;
    this.runs.delete(run.record.executionArn);
    for (const cleanup of [...run.cleanups]) cleanup();
    run.abort();
  }

  /**
   * Runs one attempt of a Task state. Its timeout and heartbeat run on the virtual clock (the
   * engine's own timer is real time, 60 s by default, and overflows past 24.8 days). A callback
   * task's token is live from before its Lambda runs, since the Lambda may hand it on at once.
   */
  private async runTask(
    run: Run,
    integration: Integration,
    parameters: JSONValue,
    task: LocalTask,
  ): Promise<JSONValue> {
    // The engine logs entering the state just before it calls us; let that reach the history first.
    await new Promise((resolve) => setImmediate(resolve));
    // A stopped run's engine no longer waits for its tasks.
    if (run.ended) return new Promise<never>(() => undefined);
    const token = task.taskToken ?? newToken(run.record.executionArn);
    const { timeoutSeconds, heartbeatSeconds } = task;
    this.taskEvent(
      run,
      integration,
      'Scheduled',
      integration.events === 'Task'
        ? {
            region: this.options.region,
            parameters: JSON.stringify(parameters),
            timeoutInSeconds: timeoutSeconds,
            heartbeatInSeconds: heartbeatSeconds,
          }
        : { input: JSON.stringify(parameters), inputDetails: noDetails, timeoutInSeconds: timeoutSeconds },
    );
    this.taskEvent(run, integration, 'Started', {});

    return new Promise<JSONValue>((resolve, reject) => {
      let cancelTimeout: (() => void) | undefined;
      let cancelHeartbeat: (() => void) | undefined;
      const close = () => {
        run.cleanups.delete(close);
        this.pending.delete(token);
        cancelTimeout?.();
        cancelHeartbeat?.();
      };
      const open = () => run.cleanups.has(close);
      const fail = (phase: 'Failed' | 'TimedOut', error: string, cause: string) => {
        if (!open()) return;
        close();
        this.taskEvent(run, integration, phase, { error, cause });
        reject(taskError(error, cause));
      };
      const attempt: PendingTask = {
        succeed: (output) => {
          if (!open()) return;
          close();
          this.taskEvent(run, integration, 'Succeeded', {
            output: JSON.stringify(output),
            outputDetails: noDetails,
          });
          resolve(output);
        },
        fail: (error, cause) => fail('Failed', error, cause),
        heartbeat: () => {
          if (heartbeatSeconds === undefined) return;
          cancelHeartbeat?.();
          cancelHeartbeat = this.after(run, heartbeatSeconds * 1000, () =>
            fail('TimedOut', 'States.HeartbeatTimeout', `No heartbeat for ${heartbeatSeconds} seconds`),
          );
        },
      };
      run.cleanups.add(close);
      if (timeoutSeconds !== undefined) {
        cancelTimeout = this.after(run, timeoutSeconds * 1000, () =>
          fail('TimedOut', 'States.Timeout', `The task ran longer than ${timeoutSeconds} seconds`),
        );
      }
      if (integration.callback) {
        this.pending.set(token, attempt);
        attempt.heartbeat();
      }
      integration.invoke(parameters).then(
        (result) => {
          if (!integration.callback) attempt.succeed(result);
          else if (open()) {
            this.taskEvent(run, integration, 'Submitted', {
              output: JSON.stringify(result),
              outputDetails: noDetails,
            });
          }
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          attempt.fail(failure.name, failure.message);
        },
      );
    });
  }

  private taskEvent(
    run: Run,
    integration: Integration,
    phase: string,
    details: Record<string, unknown>,
  ): void {
    const type = `${integration.events}${phase}`;
    const resource =
      integration.events === 'Task'
        ? { resourceType: integration.resourceType, resource: integration.resource }
        : phase === 'Scheduled'
          ? { resource: integration.resource }
          : {};
    // LambdaFunctionStarted is the one task event without details.
    const body = { ...resource, ...details };
    this.append(run.record, type, Object.keys(body).length > 0 ? { [detailsKey(type)]: body } : {});
  }

  /** Waits for the engine's Wait states and retry intervals, on the virtual clock. */
  private sleep(run: Run, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const cancel = this.after(run, ms, () => {
        signal?.removeEventListener('abort', stop);
        resolve();
      });
      const stop = () => {
        cancel();
        resolve();
      };
      signal?.addEventListener('abort', stop, { once: true });
    });
  }

  /** A virtual-clock timer that ends with its run. Returns its cancel function. */
  private after(run: Run, ms: number, fire: () => void): () => void {
    const cancel = () => {
      run.cleanups.delete(cancel);
      cancelTimer();
    };
    const cancelTimer = this.clock.at(this.clock.nowMs() + Math.max(0, ms), () => {
      run.cleanups.delete(cancel);
      fire();
    });
    run.cleanups.add(cancel);
    return cancel;
  }

  private append(record: ExecutionRecord, type: string, details: Record<string, unknown>): void {
    const id = record.history.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: this.clock.nowMs(),
      type,
      ...details,
    };
    record.history.push(event);
    this.store.touch(record);
  }
}

const taskStates = (machine: AslStates): Array<[string, string]> =>
  Object.entries(machine.States).flatMap(([name, state]): Array<[string, string]> => {
    if (state.Type === 'Task') return [[name, state.Resource ?? '']];
    const nested = [...(state.Branches ?? []), state.ItemProcessor ?? state.Iterator].filter(
      (inner) => !!inner,
    );
    return nested.flatMap(taskStates);
  });

/** `taskScheduledEventDetails` for `TaskScheduled`. */
const detailsKey = (type: string): string => `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;

/**
 * Tokens name their execution, so one from an ended task or an earlier run answers TaskTimedOut,
 * as the service does, and anything else InvalidToken.
 */
const newToken = (executionArn: string): string =>
  Buffer.from(JSON.stringify({ executionArn, task: randomUUID() })).toString('base64url');

const tokenExecution = (token: string): string | undefined => {
  try {
    const { executionArn } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      executionArn?: unknown;
    };
    return typeof executionArn === 'string' ? executionArn : undefined;
  } catch {
    return undefined;
  }
};

const causeText = (cause: unknown): string => {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? '';
};
