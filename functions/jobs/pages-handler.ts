import { clock } from '../adapters/clock.js';
import { JobRepository } from '../adapters/job-repository.js';
import { logger } from '../adapters/logger.js';
import { requireEnv } from '../config/env.js';
import {
  batchesOf,
  type JobCounts,
  type JobCursor,
  type JobPage,
  pageCounts,
} from '../domain/fan-out-job.js';
import { runnerOf } from './kinds.js';

const jobs = new JobRepository(requireEnv('TABLE_NAME'));

export interface PagesInput {
  jobId: string;
  pageSize: number;
  batchSize: number;
  /** The page the workflow has just done, with its batches' results. */
  completed?: { page: number; next: JobCursor; results: Partial<JobCounts>[] };
}

/**
 * The job's checkpoint and listing, for every kind: records the page just done (once, however
 * often this runs), then has the job's kind list the page the job record says is next. Reading the
 * record rather than the input is what makes a redrive, or a run resumed from the start, go on
 * where the job stood.
 */
export const handler = async (input: PagesInput): Promise<JobPage> => {
  let job = await jobs.get(input.jobId);
  if (!job) throw new Error(`No job ${input.jobId}`);
  const { completed } = input;
  if (
    completed &&
    (await jobs.checkpoint(job, completed.page, completed.next, pageCounts(completed.results), clock.now()))
  ) {
    job = (await jobs.get(input.jobId)) ?? job;
  }
  const finished: JobPage = { done: true, page: job.pages, next: null, batches: [] };
  if (job.status === 'done' || job.cursor === null) return finished;
  const { items, next } = await runnerOf(job.kind).page(job, job.cursor, input.pageSize);
  if (items.length === 0) {
    // Nothing left to list: the checkpoint of this empty page ends the job.
    await jobs.checkpoint(job, job.pages, null, { reached: 0, skipped: 0 }, clock.now());
    logger.info('Job done', { jobId: job.jobId, counts: job.counts });
    return { ...finished, page: job.pages + 1 };
  }
  return {
    done: false,
    page: job.pages,
    next,
    batches: batchesOf(job.jobId, job.pages, items, input.batchSize),
  };
};
