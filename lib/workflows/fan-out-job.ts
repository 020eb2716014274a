import { App, Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  DistributedMap,
  Errors,
  JitterType,
  JsonPath,
  type RetryProps,
  StateGraph,
  StateMachineType,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { fanOutPacing } from '../../functions/domain/fan-out-job.js';
import { localFunctionArn, resolvePartition } from './journey.js';

export interface FanOutJobFunctions {
  /** Records the page just done (the checkpoint) and lists the next page of contacts, in batches. */
  readonly pages: IFunction;
  /** Wakes one batch of contacts, each exactly once, paced to its share of the job's rate. */
  readonly batch: IFunction;
}

/**
 * Each step is idempotent (the checkpoint is conditional on the page, each wake on a per-contact
 * marker), so a failure is retried at length before the job fails; a failed job is redriven.
 */
const jobRetry: RetryProps = {
  errors: [Errors.ALL],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxDelay: Duration.minutes(2),
  jitterStrategy: JitterType.FULL,
  maxAttempts: 8,
};

/**
 * A job over every contact of an audience: page by page (`fanOutPacing.pageSize` contacts), each
 * page a Distributed Map over its batches, so the child executions' events stay out of this
 * execution's history (a million contacts make a thousand pages here, about 11,000 events, under
 * the 25,000 limit) and at most `maxConcurrency` batches run at once. The pages function forms the
 * batches itself, so the map reads its items from the state (no ItemReader, no ItemBatcher): the
 * same definition runs in the local runtime, whose engine has neither and runs the map inline.
 * The job record holds the checkpoint (the page and where it starts), so a job redriven, or resumed
 * from its start by the local runtime, goes on from the page it was on.
 */
export const buildFanOutJob = (scope: Construct, functions: FanOutJobFunctions) => {
  const pageRequest = (completed: boolean) =>
    TaskInput.fromObject({
      jobId: JsonPath.stringAt('$.jobId'),
      pageSize: fanOutPacing.pageSize,
      batchSize: fanOutPacing.batchSize,
      ...(completed
        ? {
            completed: {
              page: JsonPath.numberAt('$.page.page'),
              next: JsonPath.objectAt('$.page.next'),
              results: JsonPath.listAt('$.results'),
            },
          }
        : {}),
    });
  const firstPage = new LambdaInvoke(scope, 'List the first page', {
    lambdaFunction: functions.pages,
    payload: pageRequest(false),
    payloadResponseOnly: true,
    resultPath: '$.page',
    retryOnServiceExceptions: false,
    comment: 'Where the checkpoint says: the first page, or the page a redrive resumes',
  });
  firstPage.addRetry(jobRetry);
  const nextPage = new LambdaInvoke(scope, 'Checkpoint and list the next page', {
    lambdaFunction: functions.pages,
    payload: pageRequest(true),
    payloadResponseOnly: true,
    resultPath: '$.page',
    retryOnServiceExceptions: false,
  });
  nextPage.addRetry(jobRetry);

  const wakeBatch = new LambdaInvoke(scope, 'Wake a batch of contacts', {
    lambdaFunction: functions.batch,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
  });
  wakeBatch.addRetry(jobRetry);
  const wakePage = new DistributedMap(scope, 'Wake the page', {
    itemsPath: '$.page.batches',
    itemSelector: {
      batch: JsonPath.objectAt('$$.Map.Item.Value'),
      perSecond: fanOutPacing.perSecond / fanOutPacing.maxConcurrency,
    },
    maxConcurrency: fanOutPacing.maxConcurrency,
    // Express children: a batch is seconds long and its wakes are idempotent, so Express's
    // at-least-once runs are safe and cost far less than Standard transitions.
    mapExecutionType: StateMachineType.EXPRESS,
    toleratedFailurePercentage: 0,
    resultPath: '$.results',
    label: 'WakePage',
  });
  wakePage.itemProcessor(wakeBatch);
  wakePage.addRetry({ ...jobRetry, maxAttempts: 3 });

  const done = new Succeed(scope, 'Every contact reached');
  const more = new Choice(scope, 'More contacts?')
    .when(Condition.booleanEquals('$.page.done', true), done)
    .otherwise(wakePage);
  wakePage.next(nextPage);
  nextPage.next(more);
  return firstPage.next(more);
};

/** The local runtime's Lambda names for the job's functions. */
export const localFanOutFunctions = { pages: 'leadflow-job-pages', batch: 'leadflow-job-batch' };

/** The definition as Amazon States Language, with plain ARNs, for the local runtime. */
export const fanOutJobDefinitionForLocal = (): Record<string, unknown> => {
  const stack = new Stack(new App(), 'LocalFanOutJob');
  const imported = (id: string, name: string) =>
    LambdaFunction.fromFunctionArn(stack, id, localFunctionArn(name));
  const start = buildFanOutJob(stack, {
    pages: imported('Pages', localFanOutFunctions.pages),
    batch: imported('Batch', localFanOutFunctions.batch),
  });
  return resolvePartition(stack.resolve(new StateGraph(start.startState, 'FanOutJob').toGraphJson()));
};
