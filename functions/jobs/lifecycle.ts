import type { JobRepository } from '../adapters/job-repository.js';
import { executionStatus, startExecutionOnce } from '../adapters/stepfunctions.js';
import { requireEnv } from '../config/env.js';
import { type FanOutJob, jobView } from '../domain/fan-out-job.js';
import { type HttpResult, json } from '../http/responses.js';

/** Read when used, so a module that only reads jobs needs no state machine. */
const jobsStateMachineArn = () => requireEnv('JOBS_STATE_MACHINE_ARN');

/**
 * Records the job and starts its execution, named by the job: a retried start finds it running.
 * The request that asked for it answers at once; the job's progress is on `GET /v1/jobs/{id}`.
 */
export const startFanOutJob = async (jobs: JobRepository, job: FanOutJob): Promise<void> => {
  await jobs.create(job);
  await startExecutionOnce(jobsStateMachineArn(), job.jobId, { jobId: job.jobId });
};

/** Whether the job's execution ended without finishing it (a redrive resumes it). */
export const jobExecutionFailed = async (jobId: string): Promise<boolean> =>
  ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(await executionStatus(jobsStateMachineArn(), jobId));

/**
 * A publish that started a job: `202` with the published resource as GET answers it (its version
 * as the ETag), the job beside it, and where to follow the job.
 */
export const acceptedWithJob = (resource: object, version: number, job: FanOutJob): HttpResult =>
  json(
    202,
    { ...resource, job: jobView(job, false) },
    { etag: `"${version}"`, location: `/v1/jobs/${encodeURIComponent(job.jobId)}` },
  );
