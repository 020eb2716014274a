import { clock } from '../adapters/clock.js';
import { JobRepository } from '../adapters/job-repository.js';
import { logger } from '../adapters/logger.js';
import { requireEnv } from '../config/env.js';
import {
  atEnd,
  batchesOf,
  type JobCounts,
  type JobCursor,
  type JobPage,
  pageCounts,
} from '../domain/fan-out-job.js';

const jobs = new JobRepository(requireEnv('TABLE_NAME'));

export interface PagesInput {
  jobId: string;
  pageSize: number;
  batchSize: number;
  /** The page the workflow has just woken, with its batches' results. */
  completed?: { page: number; next: JobCursor; results: Partial<JobCounts>[] };
}

/**
 * The job's checkpoint and listing: records the page just done (once, however often this runs),
 * then lists the page the job record says is next. Reading the record rather than the input is what
 * makes a redrive, or a run resumed from the start, go on where the job stood.
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
  const finished = { done: true, page: job.pages, next: job.cursor, batches: [] };
  if (job.status === 'done') return finished;
  if (atEnd(job, job.cursor)) {
    // An audience with nobody left to list: the checkpoint of this empty page ends the job.
    await jobs.checkpoint(job, job.pages, job.cursor, { reached: 0, skipped: 0 }, clock.now());
    logger.info('Job done', { jobId: job.jobId, counts: job.counts });
    return finished;
  }
  const { contactIds, next } = await jobs.audiencePage(job, job.cursor, input.pageSize);
  if (contactIds.length === 0) {
    await jobs.checkpoint(job, job.pages, next, { reached: 0, skipped: 0 }, clock.now());
    logger.info('Job done', { jobId: job.jobId, counts: job.counts });
    return { ...finished, page: job.pages + 1, next };
  }
  return {
    done: false,
    page: job.pages,
    next,
    batches: batchesOf(job, job.pages, contactIds, input.batchSize),
  };
};
