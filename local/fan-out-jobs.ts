import { fanOutJobDefinitionForLocal, localFanOutFunctions } from '../lib/workflows/fan-out-job.js';
import { localFunctionArn } from '../lib/workflows/journey.js';
import type { LambdaFaults } from './lambda-faults.js';
import type { LocalLambda, LocalStateMachine } from './stepfunctions-endpoint.js';
import type { WorkTracker } from './work-tracker.js';

export const localJobsName = 'leadflow-jobs';

/**
 * The fan-out jobs, locally: the state machine the stack deploys (`buildFanOutJob`), run by the
 * emulated Step Functions like the journeys. Its engine has no Distributed Map, and runs the map as
 * an inline one over the same items (the pages function's batches) with the same MaxConcurrency
 * and ItemSelector, so the same handlers get the same input. Their work is tracked, so the manual
 * clock and `/_local/settle` wait for a job as they wait for journeys; a job running when the
 * runtime stops resumes at the next start from its checkpoint.
 */
export const localFanOutJobs = (
  work: WorkTracker,
  faults: LambdaFaults,
): { stateMachine: LocalStateMachine; lambdas: Record<string, LocalLambda> } => ({
  stateMachine: { name: localJobsName, definition: fanOutJobDefinitionForLocal() },
  lambdas: {
    [localFunctionArn(localFanOutFunctions.pages)]: work.track(
      faults.wrap('job-pages', async (input) =>
        (await import('../functions/jobs/pages-handler.js')).handler(input as never),
      ),
    ),
    [localFunctionArn(localFanOutFunctions.batch)]: work.track(
      faults.wrap('job-batch', async (input) =>
        (await import('../functions/jobs/batch-handler.js')).handler(input as never),
      ),
    ),
  },
});
