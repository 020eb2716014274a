import { App, Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  CustomState,
  Errors,
  IntegrationPattern,
  JitterType,
  JsonPath,
  type RetryProps,
  StateGraph,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

export interface JourneyFunctions {
  /** Applies events and time, sends what fell due, decides the phase and the wait. */
  readonly advance: IFunction;
  /** Parks the callback task's token on the contact. */
  readonly await: IFunction;
}

/**
 * What a failing step or wait does: back off exponentially with full jitter (so a recovering
 * service is not hit by every journey at once), capped at five minutes, for about an hour and a
 * quarter in all. Each step is idempotent (send ledger, event store), so repeating it is safe.
 */
export const outageRetry: RetryProps = {
  errors: [Errors.TASKS_FAILED],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxDelay: Duration.minutes(5),
  jitterStrategy: JitterType.FULL,
  maxAttempts: 20,
};

/** How long a stalled journey waits before it tries again on its own, unless an event comes first. */
export const stalledRetryAfter = Duration.hours(1);

/**
 * A contact's journey: step, wait, step again. The wait is a callback task whose timeout
 * (`$.waitSeconds`, decided by the step) is the timed transition and whose token an event uses
 * to resume early. A timed touch, the most common transition by far, goes from the wait's
 * timeout straight back to the step: two state transitions. Only a resumed wait (an event, or
 * the end of the journey, which the await function resumes at once) passes the phase choice:
 * three. Standard workflows bill each transition, which made the choice on every timed touch a
 * third of the journey's Step Functions bill. Built once here, used by the stack and the local runtime.
 */
export const buildJourney = (scope: Construct, functions: JourneyFunctions) => {
  const advance = new LambdaInvoke(scope, 'Advance the journey', {
    lambdaFunction: functions.advance,
    payloadResponseOnly: true,
    // One retry policy for every failure, Lambda's own service errors included (CDK would add a
    // shorter one for those, first, which would win).
    retryOnServiceExceptions: false,
    comment: 'Apply events and elapsed time, send the email that fell due, choose the next wait',
  });
  advance.addRetry(outageRetry);

  // Nothing ends by accident: a step or wait still failing after its retries parks the journey as
  // stalled (the contact shows it, an alarm fires) and tries again an hour later, or at once when
  // an event for the contact wakes it. The await function records the stall with the token.
  const stalled = new LambdaInvoke(scope, 'Stalled: await an event or the retry', {
    lambdaFunction: functions.await,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      contactId: JsonPath.stringAt('$.contactId'),
      taskToken: JsonPath.taskToken,
      // The whole caught error ({Error, Cause}): a path into a field it lacks would fail the run.
      stalled: JsonPath.objectAt('$.failure'),
    }),
    taskTimeout: Timeout.duration(stalledRetryAfter),
    resultPath: JsonPath.DISCARD,
    retryOnServiceExceptions: false,
    comment: 'A step kept failing: its contact is marked stalled until a step succeeds',
  });
  stalled.addRetry({ ...outageRetry, maxAttempts: 3 });
  // Even recording the stall failed (the table is down too): wait without any service, then retry.
  const sleepThenRetry = new Wait(scope, 'Stalled: wait, then try again', {
    time: WaitTime.duration(stalledRetryAfter),
  });
  sleepThenRetry.next(advance);
  stalled.addCatch(advance, { errors: [Errors.TIMEOUT], resultPath: JsonPath.DISCARD });
  stalled.addCatch(sleepThenRetry, { errors: [Errors.ALL], resultPath: JsonPath.DISCARD });
  stalled.next(advance);
  advance.addCatch(stalled, { errors: [Errors.ALL], resultPath: '$.failure' });

  const ended = new Succeed(scope, 'Journey ended', { comment: 'Unsubscribed, suppressed or erased' });
  const handedOver = new Succeed(scope, 'Handed over to the next execution');
  // Started through the context object's own ARN: the definition cannot name its state machine.
  const continueAsNew = new CustomState(scope, 'Continue as a new execution', {
    stateJson: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.next.name',
        'Input.$': '$.next.input',
      },
    },
  });
  continueAsNew.next(handedOver);

  const wait = new LambdaInvoke(scope, 'Await an event or the next step', {
    lambdaFunction: functions.await,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      contactId: JsonPath.stringAt('$.contactId'),
      taskToken: JsonPath.taskToken,
      // An ended or handed-over journey has nothing to wait for: the await function resumes it at once.
      phase: JsonPath.stringAt('$.phase'),
    }),
    taskTimeout: Timeout.at('$.waitSeconds'),
    resultPath: JsonPath.DISCARD,
    retryOnServiceExceptions: false,
    comment: 'Nurture, sales, recycle or customer ($.phase): the timeout is the next timed step',
  });
  wait.addRetry(outageRetry);
  wait.addCatch(advance, { errors: [Errors.TIMEOUT], resultPath: JsonPath.DISCARD });
  wait.addCatch(stalled, { errors: [Errors.ALL], resultPath: '$.failure' });
  wait.next(
    new Choice(scope, 'Which phase?')
      .when(Condition.stringEquals('$.phase', 'ended'), ended)
      .when(Condition.stringEquals('$.phase', 'continue'), continueAsNew)
      .otherwise(advance),
  );
  return advance.next(wait);
};

export const localFunctionArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** The local runtime's Lambda names for the journey's functions. */
export const localJourneyFunctions = { advance: 'leadflow-journey-advance', await: 'leadflow-journey-await' };

/**
 * The definition as Amazon States Language, with plain ARNs, for the local runtime: the same
 * builder the stack uses, rendered in a scratch stack.
 */
export const journeyDefinitionForLocal = (): Record<string, unknown> => {
  const stack = new Stack(new App(), 'LocalJourney');
  const imported = (id: string, name: string) =>
    LambdaFunction.fromFunctionArn(stack, id, localFunctionArn(name));
  const start = buildJourney(stack, {
    advance: imported('Advance', localJourneyFunctions.advance),
    await: imported('Await', localJourneyFunctions.await),
  });
  return resolvePartition(stack.resolve(new StateGraph(start.startState, 'Journey').toGraphJson()));
};

const partitionPart = (part: unknown): string => {
  if (typeof part === 'string') return part;
  if ((part as { Ref?: string }).Ref === 'AWS::Partition') return 'aws';
  throw new Error(`Unexpected token in the local journey definition: ${JSON.stringify(part)}`);
};

/** Integration ARNs carry `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ...]]}`: render them for `aws`. */
export const resolvePartition = (node: unknown): Record<string, unknown> => {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(partitionPart).join(join[0]);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
  };
  return walk(node) as Record<string, unknown>;
};
