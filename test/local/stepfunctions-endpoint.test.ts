import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock.js';
import {
  type LocalLambda,
  type StepFunctionsEndpoint,
  startStepFunctionsEndpoint,
} from '../../local/stepfunctions-endpoint.js';

const second = 1000;
const day = 86_400 * second;
const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
/** What CDK's LambdaInvoke adds unless told otherwise. */
const lambdaServiceRetry = {
  ErrorEquals: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

/** A Lambda task with CDK's default output (the whole Invoke response), then a Choice on its payload. */
const scoring = {
  StartAt: 'Score',
  States: {
    Score: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('score'), 'Payload.$': '$' },
      ResultPath: '$.scored',
      Retry: [lambdaServiceRetry],
      Next: 'Hot?',
    },
    'Hot?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.scored.Payload.score', NumericGreaterThanEquals: 50, Next: 'Hot' }],
      Default: 'Cold',
    },
    Hot: { Type: 'Pass', Result: 'hot', ResultPath: '$.lane', End: true },
    Cold: { Type: 'Pass', Result: 'cold', ResultPath: '$.lane', End: true },
  },
};

/** Shaped like the journey: step, route, a callback wait whose timeout is the timed transition. */
const journey = {
  StartAt: 'Step',
  States: {
    Step: {
      Type: 'Task',
      Resource: fn('step'),
      Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
      Next: 'Phase?',
    },
    'Phase?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.phase', StringEquals: 'wait', Next: 'Await' },
        { Variable: '$.phase', StringEquals: 'continue', Next: 'Continue' },
      ],
      Default: 'Done',
    },
    Await: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fn('await'),
        Payload: { 'contactId.$': '$.contactId', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSecondsPath: '$.waitSeconds',
      ResultPath: '$.woken',
      Retry: [lambdaServiceRetry],
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'Step' },
        { ErrorEquals: ['Journey.Stopped'], ResultPath: '$.failure', Next: 'Stopped' },
      ],
      Next: 'Step',
    },
    Continue: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.next.name',
        'Input.$': '$.next.input',
      },
      End: true,
    },
    Stopped: { Type: 'Pass', End: true },
    Done: { Type: 'Succeed' },
  },
};

/** Heartbeats, a Wait state and the execution's own TimeoutSeconds, all longer than setTimeout can hold. */
const timers = {
  TimeoutSeconds: 40 * 86_400,
  StartAt: 'Mode?',
  States: {
    'Mode?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.mode', StringEquals: 'heartbeat', Next: 'Beating' },
        { Variable: '$.mode', StringEquals: 'wait', Next: 'Pause' },
      ],
      Default: 'Holding',
    },
    Beating: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fn('await'),
        Payload: { 'contactId.$': '$.contactId', 'taskToken.$': '$$.Task.Token' },
      },
      HeartbeatSeconds: 60,
      Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.lapsed', Next: 'Done' }],
      Next: 'Done',
    },
    Pause: { Type: 'Wait', Seconds: 30 * 86_400, Next: 'Done' },
    Holding: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fn('await'),
        Payload: { 'contactId.$': '$.contactId', 'taskToken.$': '$$.Task.Token' },
      },
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

interface Round {
  phase: 'wait' | 'continue' | 'done';
  waitSeconds?: number;
  next?: { name: string; input: unknown };
}
interface StepInput {
  contactId: string;
  round?: number;
  woken?: unknown;
  timedOut?: unknown;
}

type MachineName = 'Scoring' | 'Journey' | 'Timers';
const definitions: Record<MachineName, object> = { Scoring: scoring, Journey: journey, Timers: timers };

/**
 * One endpoint, its clock and its Lambdas, with the knobs the tests turn. Only the machines a test
 * needs are built: validating a definition takes the engine a few hundred milliseconds.
 */
const setup = async ({
  dataDir = scratchDir(),
  clock = new VirtualClock({ mode: 'manual' }),
  machines = ['Scoring', 'Journey'] as MachineName[],
} = {}) => {
  const plans = new Map<string, Round[]>();
  /** Contacts whose await Lambda resumes its own task before it returns, as when events are already waiting. */
  const wakeAtOnce = new Set<string>();
  const tokens = new Map<string, string[]>();
  const calls = { score: 0, step: 0 };
  const scoreFailures: Error[] = [];
  const lambdas: Record<string, LocalLambda> = {
    [fn('score')]: async (payload) => {
      calls.score += 1;
      const failure = scoreFailures.shift();
      if (failure) throw failure;
      return { score: (payload as { points: number }).points };
    },
    [fn('step')]: async (payload) => {
      calls.step += 1;
      const input = payload as StepInput;
      const round = (input.round ?? 0) + 1;
      const plan = plans.get(input.contactId)?.[round - 1] ?? { phase: 'done' };
      return { contactId: input.contactId, round, ...plan, woken: input.woken, timedOut: input.timedOut };
    },
    [fn('await')]: async (payload) => {
      const { contactId, taskToken } = payload as { contactId: string; taskToken: string };
      tokens.set(contactId, [...(tokens.get(contactId) ?? []), taskToken]);
      if (wakeAtOnce.has(contactId)) {
        await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"wokenBy":"pending events"}' }));
      }
    },
  };
  const endpoint = await startStepFunctionsEndpoint({
    clock,
    dataDir,
    lambdas,
    stateMachines: machines.map((name) => ({ name, definition: definitions[name] })),
  });
  running.push(endpoint);
  const sfn = new SFNClient({
    endpoint: endpoint.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const start = async (machine: MachineName, name: string, input: unknown) =>
    (
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: endpoint.stateMachineArn(machine),
          name,
          input: JSON.stringify(input),
        }),
      )
    ).executionArn ?? '';
  const describeExecution = (executionArn: string) =>
    sfn.send(new DescribeExecutionCommand({ executionArn }));
  const history = async (executionArn: string) =>
    (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
  const finished = (executionArn: string) =>
    eventually(async () => {
      const execution = await describeExecution(executionArn);
      if (execution.status === 'RUNNING') throw new Error(`${executionArn} is still running`);
      return execution;
    });
  /** The callback tokens the await Lambda was given for a contact, once there are `count`. */
  const tokensOf = (contactId: string, count = 1) =>
    eventually(async () => {
      const given = tokens.get(contactId) ?? [];
      if (given.length < count) throw new Error(`${contactId} has ${given.length} tokens`);
      return given;
    });
  return {
    clock,
    dataDir,
    endpoint,
    sfn,
    plans,
    wakeAtOnce,
    calls,
    scoreFailures,
    start,
    describeExecution,
    history,
    finished,
    tokensOf,
  };
};

const running: StepFunctionsEndpoint[] = [];
const scratch: string[] = [];
const scratchDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadflow-sfn-'));
  scratch.push(dir);
  return dir;
};
afterEach(async () => {
  for (const endpoint of running.splice(0)) await endpoint.stop();
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Lets the endpoint act on whatever it was going to, to show it does not. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const eventually = async <T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
};

const types = (events: HistoryEvent[]) => events.map((event) => event.type);
const outputOf = (execution: { output?: string | undefined }) => JSON.parse(execution.output ?? 'null');

describe('the local Step Functions endpoint', () => {
  it('starts, describes and lists executions through the real SDK client', async () => {
    const t = await setup();
    const startedAt = t.clock.nowMs();
    const hot = await t.start('Scoring', 'hot-lead', { points: 70 });
    const cold = await t.start('Scoring', 'cold-lead', { points: 10 });
    expect(hot).toBe('arn:aws:states:us-east-1:000000000000:execution:Scoring:hot-lead');

    const done = await t.finished(hot);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      name: 'hot-lead',
      stateMachineArn: t.endpoint.stateMachineArn('Scoring'),
    });
    expect(done.startDate?.getTime()).toBe(startedAt);
    // CDK's default LambdaInvoke output: the whole Invoke response, the handler's result under Payload.
    expect(outputOf(done)).toEqual({
      points: 70,
      scored: { ExecutedVersion: '$LATEST', Payload: { score: 70 }, StatusCode: 200 },
      lane: 'hot',
    });
    expect(outputOf(await t.finished(cold)).lane).toBe('cold');

    const machines = await t.sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines?.map((machine) => machine.name)).toEqual(['Scoring', 'Journey']);
    const described = await t.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: t.endpoint.stateMachineArn('Journey') }),
    );
    expect(JSON.parse(described.definition ?? '')).toEqual(journey);

    t.plans.set('waiting', [{ phase: 'wait', waitSeconds: 60 }]);
    const waiting = await t.start('Journey', 'waiting', { contactId: 'waiting' });
    await t.tokensOf('waiting');
    const list = async (statusFilter?: 'RUNNING' | 'SUCCEEDED') =>
      (
        await t.sfn.send(
          new ListExecutionsCommand({ stateMachineArn: t.endpoint.stateMachineArn('Journey'), statusFilter }),
        )
      ).executions?.map((execution) => execution.executionArn);
    expect(await list('RUNNING')).toEqual([waiting]);
    expect(await list('SUCCEEDED')).toEqual([]);

    await expect(
      t.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: t.endpoint.stateMachineArn('Nope') })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(t.describeExecution(`${waiting}-nope`)).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('refuses a second start under the same name, unless it repeats a running one exactly', async () => {
    const t = await setup();
    t.plans.set('c1', [{ phase: 'wait', waitSeconds: 60 }]);
    const first = await t.start('Journey', 'c1', { contactId: 'c1' });
    // The service's idempotency: same name and input while running returns the same execution.
    expect(await t.start('Journey', 'c1', { contactId: 'c1' })).toBe(first);
    await expect(t.start('Journey', 'c1', { contactId: 'c1', again: true })).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );

    const [token = ''] = await t.tokensOf('c1');
    await t.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await t.finished(first);
    await expect(t.start('Journey', 'c1', { contactId: 'c1' })).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
    // Another state machine has its own names.
    await expect(t.start('Scoring', 'c1', { points: 1 })).resolves.toContain(':Scoring:c1');
  });

  it('resumes a callback task with the output given to SendTaskSuccess', async () => {
    const t = await setup();
    t.plans.set('c2', [{ phase: 'wait', waitSeconds: 3600 }]);
    const arn = await t.start('Journey', 'c2', { contactId: 'c2' });
    const [token = ''] = await t.tokensOf('c2');
    await t.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    expect((await t.describeExecution(arn)).status).toBe('RUNNING');

    await t.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"wokenBy":"click"}' }));
    const done = await t.finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(outputOf(done)).toMatchObject({ round: 2, woken: { wokenBy: 'click' } });

    // The timeout came from the state's input ($.waitSeconds), which the payload does not carry.
    const events = await t.history(arn);
    const scheduled = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      timeoutInSeconds: 3600,
    });
    expect(JSON.parse(scheduled?.parameters ?? '')).toEqual({
      FunctionName: fn('await'),
      Payload: { contactId: 'c2', taskToken: token },
    });
    expect(types(events)).toContain('TaskSubmitted');
    await expect(
      t.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(
      t.sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it('takes a SendTaskSuccess that arrives while the callback Lambda is still running', async () => {
    const t = await setup();
    t.plans.set('c2b', [{ phase: 'wait', waitSeconds: 3600 }]);
    t.wakeAtOnce.add('c2b');
    const done = await t.finished(await t.start('Journey', 'c2b', { contactId: 'c2b' }));
    expect(outputOf(done)).toMatchObject({ round: 2, woken: { wokenBy: 'pending events' } });
    expect(types(await t.history(done.executionArn ?? ''))).not.toContain('TaskSubmitted');
  });

  it('times a callback task out only when the virtual clock passes its timeout', async () => {
    const t = await setup();
    t.plans.set('c3', [{ phase: 'wait', waitSeconds: 3600 }]);
    const startedAt = t.clock.nowMs();
    const arn = await t.start('Journey', 'c3', { contactId: 'c3' });
    const [token = ''] = await t.tokensOf('c3');

    t.clock.advance(3599 * second);
    await settle();
    expect((await t.describeExecution(arn)).status).toBe('RUNNING');
    expect(types(await t.history(arn))).not.toContain('TaskTimedOut');

    t.clock.advance(2 * second);
    const done = await t.finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    // Caught by the States.Timeout catcher, not retried (the retrier matches no timeout).
    expect(outputOf(done)).toMatchObject({ round: 2, timedOut: { Error: 'States.Timeout' } });
    const timedOut = (await t.history(arn)).find((event) => event.type === 'TaskTimedOut');
    expect(timedOut?.timestamp?.getTime()).toBe(startedAt + 3600 * second);
    expect(timedOut?.taskTimedOutEventDetails?.error).toBe('States.Timeout');
    await expect(
      t.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('keeps a timeout of more than 25 days in virtual time', async () => {
    const t = await setup();
    t.plans.set('c4', [{ phase: 'wait', waitSeconds: 30 * 86_400 }]);
    const arn = await t.start('Journey', 'c4', { contactId: 'c4' });
    await t.tokensOf('c4');
    // A real setTimeout this long would overflow and fire at once.
    await settle();
    t.clock.advance(29 * day);
    await settle();
    expect((await t.describeExecution(arn)).status).toBe('RUNNING');

    t.clock.advance(1 * day + second);
    expect(outputOf(await t.finished(arn))).toMatchObject({ timedOut: { Error: 'States.Timeout' } });
  });

  it('runs heartbeats, Wait states and the execution timeout on the virtual clock', async () => {
    const t = await setup({ machines: ['Timers'] });
    const beating = await t.start('Timers', 'beating', { mode: 'heartbeat', contactId: 'b' });
    const pausing = await t.start('Timers', 'pausing', { mode: 'wait' });
    const holding = await t.start('Timers', 'holding', { mode: 'hold', contactId: 'h' });
    const [token = ''] = await t.tokensOf('b');
    await t.tokensOf('h');

    t.clock.advance(50 * second);
    await t.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    t.clock.advance(50 * second);
    await settle();
    expect((await t.describeExecution(beating)).status).toBe('RUNNING');
    t.clock.advance(11 * second);
    expect(outputOf(await t.finished(beating))).toMatchObject({
      lapsed: { Error: 'States.HeartbeatTimeout' },
    });

    t.clock.advance(29 * day);
    await settle();
    expect((await t.describeExecution(pausing)).status).toBe('RUNNING');
    t.clock.advance(1 * day);
    expect((await t.finished(pausing)).status).toBe('SUCCEEDED');

    expect((await t.describeExecution(holding)).status).toBe('RUNNING');
    t.clock.advance(10 * day);
    expect(await t.finished(holding)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types(await t.history(holding)).at(-1)).toBe('ExecutionTimedOut');
  });

  it('routes a SendTaskFailure to the matching Catch', async () => {
    const t = await setup();
    t.plans.set('c5', [{ phase: 'wait', waitSeconds: 3600 }]);
    const arn = await t.start('Journey', 'c5', { contactId: 'c5' });
    const [token = ''] = await t.tokensOf('c5');
    await t.sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Journey.Stopped', cause: 'unsubscribed' }),
    );

    const done = await t.finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(outputOf(done).failure).toEqual({ Error: 'Journey.Stopped', Cause: 'unsubscribed' });
    const events = await t.history(arn);
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      error: 'Journey.Stopped',
      cause: 'unsubscribed',
    });
    expect(types(events)).toContain('PassStateEntered');
  });

  it('retries a Lambda that fails once per the Retry block, after its interval in virtual time', async () => {
    const t = await setup();
    t.scoreFailures.push(Object.assign(new Error('Rate exceeded'), { name: 'Lambda.ServiceException' }));
    const arn = await t.start('Scoring', 'retried', { points: 60 });
    await eventually(async () => expect(types(await t.history(arn))).toContain('TaskFailed'));

    t.clock.advance(1900);
    await settle();
    expect(t.calls.score).toBe(1);
    t.clock.advance(100);
    const done = await t.finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(t.calls.score).toBe(2);
    const failed = (await t.history(arn)).find(
      (event) => event.type === 'TaskFailed',
    )?.taskFailedEventDetails;
    expect(failed?.error).toBe('Lambda.ServiceException');
    expect(JSON.parse(failed?.cause ?? '')).toMatchObject({
      errorType: 'Lambda.ServiceException',
      errorMessage: 'Rate exceeded',
    });

    // An error no retrier names fails the execution at once.
    t.scoreFailures.push(new TypeError('bad input'));
    const failedRun = await t.finished(await t.start('Scoring', 'not-retried', { points: 60 }));
    expect(failedRun).toMatchObject({ status: 'FAILED', error: 'TypeError' });
    expect(t.calls.score).toBe(3);
  });

  it('records the history with StateEntered events, ids and virtual timestamps, in pages', async () => {
    const t = await setup();
    t.plans.set('c6', [{ phase: 'wait', waitSeconds: 3600 }]);
    const arn = await t.start('Journey', 'c6', { contactId: 'c6' });
    await t.tokensOf('c6');
    t.clock.advance(3600 * second);
    await t.finished(arn);

    const events = await t.history(arn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskTimedOut',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_, index) => index));
    // A timed touch costs three transitions: the wait, the step, the choice.
    const entered = events.filter((event) => event.type?.endsWith('StateEntered'));
    expect(entered.map((event) => event.stateEnteredEventDetails?.name)).toEqual([
      'Step',
      'Phase?',
      'Await',
      'Step',
      'Phase?',
      'Done',
    ]);
    const last = events.at(-1);
    expect(last?.timestamp?.getTime()).toBe(t.clock.nowMs());

    const firstPage = await t.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 10, reverseOrder: true }),
    );
    expect(firstPage.events?.map((event) => event.id)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    const secondPage = await t.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: arn,
        maxResults: 10,
        reverseOrder: true,
        nextToken: firstPage.nextToken,
      }),
    );
    expect(secondPage.events?.[0]?.id).toBe(14);
  });

  it('starts another execution from a startExecution task, as "continue as new" does', async () => {
    const t = await setup();
    t.plans.set('c7', [{ phase: 'continue', next: { name: 'c7-2', input: { contactId: 'c7-2' } } }]);
    const arn = await t.start('Journey', 'c7', { contactId: 'c7' });
    const done = await t.finished(arn);
    const child = `${t.endpoint.stateMachineArn('Journey').replace(':stateMachine:', ':execution:')}:c7-2`;
    expect(outputOf(done)).toMatchObject({ ExecutionArn: child });
    expect(await t.finished(child)).toMatchObject({ status: 'SUCCEEDED', input: '{"contactId":"c7-2"}' });
  });

  it('stops an execution, after which its token is dead', async () => {
    const t = await setup();
    t.plans.set('c8', [{ phase: 'wait', waitSeconds: 3600 }]);
    const arn = await t.start('Journey', 'c8', { contactId: 'c8' });
    const [token = ''] = await t.tokensOf('c8');
    await t.sfn.send(new StopExecutionCommand({ executionArn: arn, cause: 'erased' }));
    expect(await t.describeExecution(arn)).toMatchObject({ status: 'ABORTED', cause: 'erased' });
    await expect(
      t.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    t.clock.advance(2 * 3600 * second);
    expect(types(await t.history(arn)).at(-1)).toBe('ExecutionAborted');
  });

  it('resumes a running execution from its start state after a restart on the same data dir', async () => {
    const first = await setup({ dataDir: scratchDir() });
    first.plans.set('c9', [{ phase: 'wait', waitSeconds: 3600 }]);
    const arn = await first.start('Journey', 'c9', { contactId: 'c9' });
    const [oldToken = ''] = await first.tokensOf('c9');
    const done = await first.finished(await first.start('Scoring', 'finished', { points: 1 }));
    await first.endpoint.stop();
    const dir = join(first.dataDir, 'stepfunctions');
    expect(readdirSync(dir).sort()).toEqual(['Journey%3Ac9.json', 'Scoring%3Afinished.json']);
    expect(JSON.parse(readFileSync(join(dir, 'Journey%3Ac9.json'), 'utf8'))).toMatchObject({
      executionArn: arn,
      status: 'RUNNING',
    });

    const second = await setup({ dataDir: first.dataDir, clock: first.clock });
    second.plans.set('c9', [{ phase: 'wait', waitSeconds: 3600 }]);
    const [newToken = ''] = await second.tokensOf('c9');
    expect(newToken).not.toBe(oldToken);
    expect(second.calls.step).toBe(1);
    await expect(
      second.sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);

    await second.sfn.send(new SendTaskSuccessCommand({ taskToken: newToken, output: '{"wokenBy":"form"}' }));
    const resumed = await second.finished(arn);
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const events = types(await second.history(arn));
    expect(events.filter((type) => type === 'ExecutionStarted')).toHaveLength(1);
    expect(
      events.slice(events.indexOf('ExecutionRedriven'), events.indexOf('ExecutionRedriven') + 2),
    ).toEqual(['ExecutionRedriven', 'TaskStateEntered']);
    // A finished execution stays finished.
    expect((await second.describeExecution(done.executionArn ?? '')).status).toBe('SUCCEEDED');
  });
});
