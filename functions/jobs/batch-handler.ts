import { JobRepository } from '../adapters/job-repository.js';
import { requireEnv } from '../config/env.js';
import type { JobBatch, JobCounts } from '../domain/fan-out-job.js';
import { runnerOf } from './kinds.js';
import { paced } from './pace.js';

const jobs = new JobRepository(requireEnv('TABLE_NAME'));

/**
 * Items in flight at once within a batch: enough to hold its rate over a table's latency (10 at
 * ~50 ms each allow 200/s, twice a batch's share).
 */
const itemsInFlight = 10;

export interface BatchInput {
  batch: JobBatch;
  /** This batch's share of the job's rate (items a second): where the job's pacing is held. */
  perSecond: number;
}

/** A Distributed Map child's task, for every kind: a batch of the job's items, paced, counted. */
export const handler = async (input: BatchInput): Promise<JobCounts> => {
  // One read per batch (100 items) gives the kind the job's spec, kept out of the map's items.
  const job = await jobs.get(input.batch.jobId);
  if (!job) throw new Error(`No job ${input.batch.jobId}`);
  const runner = runnerOf(job.kind);
  const outcomes = await paced(input.batch.items, input.perSecond, itemsInFlight, (item) =>
    runner.item(job, item),
  );
  return {
    reached: outcomes.filter((outcome) => outcome === 'reached').length,
    skipped: outcomes.filter((outcome) => outcome === 'skipped').length,
  };
};
