import { App, Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  CustomState,
  IntegrationPattern,
  JsonPath,
  StateGraph,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

export interface JourneyFunctions {
  /** Applies events and time, sends what fell due, decides the phase and the wait. */
  readonly advance: IFunction;
  /** Parks the callback task's token on the contact. */
  readonly await: IFunction;
}

/** The phases a contact waits in, each a state of its own so the console graph reads as the funnel. */
const waits = [
  { phase: 'nurture', name: 'Nurture: await engagement or the next email' },
  { phase: 'sales', name: 'Sales: await the sales decision' },
  { phase: 'recycle', name: 'Recycle: await re-engagement or the next email' },
  { phase: 'customer', name: 'Customer: await the next re-engagement email' },
] as const;

/**
 * A contact's journey: step, route by phase, wait. Each wait is a callback task whose timeout
 * (`$.waitSeconds`, decided by the step) is the timed transition and whose token an event uses
 * to resume early, so a timed touch or an event costs three state transitions: the wait, the
 * step, the choice. Built once here and used both by the stack and by the local runtime.
 */
export const buildJourney = (scope: Construct, functions: JourneyFunctions) => {
  const advance = new LambdaInvoke(scope, 'Advance the journey', {
    lambdaFunction: functions.advance,
    payloadResponseOnly: true,
    comment: 'Apply events and elapsed time, send the email that fell due, choose the next wait',
  });
  // A failed step (SES throttling, a DynamoDB hiccup) is safe to repeat: the send ledger and the
  // event store make it idempotent.
  advance.addRetry({
    errors: ['States.TaskFailed'],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
  });

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

  const route = new Choice(scope, 'Which phase?')
    .when(Condition.stringEquals('$.phase', 'ended'), ended)
    .when(Condition.stringEquals('$.phase', 'continue'), continueAsNew);
  for (const { phase, name } of waits) {
    const wait = new LambdaInvoke(scope, name, {
      lambdaFunction: functions.await,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        contactId: JsonPath.stringAt('$.contactId'),
        taskToken: JsonPath.taskToken,
      }),
      taskTimeout: Timeout.at('$.waitSeconds'),
      resultPath: JsonPath.DISCARD,
    });
    wait.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 6,
    });
    wait.addCatch(advance, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    wait.next(advance);
    route.when(Condition.stringEquals('$.phase', phase), wait);
  }
  route.otherwise(ended);
  return advance.next(route);
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
const resolvePartition = (node: unknown): Record<string, unknown> => {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(partitionPart).join(join[0]);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
  };
  return walk(node) as Record<string, unknown>;
};
