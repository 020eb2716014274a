import { type Role, rolesOf } from '../../lib/api-routes.js';
import type { IncomingEvent } from './incoming-event.js';
import type { Stage } from './stages.js';

/**
 * Where every job's pace is set, read by the workflow builder (so the stack and the local runtime
 * run the same numbers); each batch holds its share in `functions/jobs/pace.ts`. `perSecond` is
 * the whole job's item rate: each of the `maxConcurrency` batches running at once paces itself to
 * `perSecond / maxConcurrency`. A wake at 100 a second stays under every region's quotas with room
 * for the journeys' own traffic: SendTaskSuccess 500/s (one per wake), StartExecution refill
 * 300/s in the large regions and 150/s elsewhere (only a journey that must restart starts one; the
 * map's children start one a second), the woken journeys' state transitions (3 a step: 300/s of
 * the 500/s refill outside the large regions) and the table's throughput (about 18 WRU a woken
 * contact with its step: 1,800 of a new on-demand table's 4,000 a second). docs/jobs.md works out
 * a million contacts: 2 h 47 min, about $4.50 for the job itself.
 */
export const fanOutPacing = {
  /** Contacts per page: one checkpoint each; 1,000 ids are 40 KB of state, under its 256 KB. */
  pageSize: 1000,
  /** Contacts per batch: one Lambda invocation (an Express child execution) each. */
  batchSize: 100,
  maxConcurrency: 10,
  perSecond: 100,
} as const;

/**
 * What each kind of job needs to know besides the common record: a kind is added here, in
 * `jobReaders`, and with its runner in `functions/jobs/kinds.ts` (docs/jobs.md).
 */
export interface JobSpecs {
  /** Wakes every contact at the track's stages with a `schedule_changed` event. */
  schedule_publish: WakeSpec;
  /** Wakes every contact at the stages rules can move with a `rules_changed` event. */
  rules_publish: WakeSpec;
}
export type JobKind = keyof JobSpecs;

/** A wake job: every contact at these stages now (the by-stage index) is handed this event. */
export interface WakeSpec {
  stages: Stage[];
  /** One id and time for the whole job. */
  event: IncomingEvent;
}

/** Who may read a job: whoever may read the resource that started it. */
export const jobReaders: Record<JobKind, readonly Role[]> = {
  schedule_publish: rolesOf('GET', '/v1/schedules/{track}'),
  rules_publish: rolesOf('GET', '/v1/rules'),
};

/** Where the next page starts, as the job's kind reads it; `null` once everything was listed. */
export type JobCursor = Record<string, unknown> | null;

export interface JobCounts {
  /** Items the job's work was done on (for a wake, contacts whose journey was woken). */
  reached: number;
  /** Items gone (a contact erased) by the time the job came to them. */
  skipped: number;
}

export interface FanOutJob<K extends JobKind = JobKind> {
  jobId: string;
  kind: K;
  status: 'running' | 'done';
  createdAt: string;
  createdBy?: { sub: string; email?: string };
  /** What started it, e.g. `{track: 'nurture', version: '3'}`. */
  target: Record<string, string>;
  spec: JobSpecs[K];
  /** Pages done: the checkpoint's page number. */
  pages: number;
  cursor: JobCursor;
  counts: JobCounts;
  finishedAt?: string;
}

/** One Distributed Map item: a batch of a page's items (for a wake, contact ids). */
export interface JobBatch {
  jobId: string;
  page: number;
  items: string[];
}

/** What the pages function answers the workflow. */
export interface JobPage {
  done: boolean;
  page: number;
  /** Where the page after this one starts. */
  next: JobCursor;
  batches: JobBatch[];
}

export const newJob = <K extends JobKind>(
  jobId: string,
  kind: K,
  target: Record<string, string>,
  spec: JobSpecs[K],
  createdAt: string,
  createdBy: FanOutJob['createdBy'],
): FanOutJob<K> => ({
  jobId,
  kind,
  status: 'running',
  createdAt,
  ...(createdBy ? { createdBy } : {}),
  target,
  spec,
  pages: 0,
  cursor: {},
  counts: { reached: 0, skipped: 0 },
});

/** Splits a page's items into the map's items. */
export const batchesOf = (
  jobId: string,
  page: number,
  items: readonly string[],
  batchSize: number,
): JobBatch[] => {
  const batches: JobBatch[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    batches.push({ jobId, page, items: items.slice(i, i + batchSize) });
  }
  return batches;
};

/** A page's counts, from its batches' results. */
export const pageCounts = (results: readonly Partial<JobCounts>[]): JobCounts => ({
  reached: results.reduce((sum, result) => sum + (result.reached ?? 0), 0),
  skipped: results.reduce((sum, result) => sum + (result.skipped ?? 0), 0),
});

/**
 * The job as `GET /v1/jobs/{id}` shows it. A job whose execution failed (a service down past every
 * retry) says so: it resumes from its checkpoint when redriven.
 */
export const jobView = (job: FanOutJob, executionFailed: boolean) => ({
  id: job.jobId,
  kind: job.kind,
  status: job.status === 'running' && executionFailed ? 'failed' : job.status,
  target: job.target,
  createdAt: job.createdAt,
  ...(job.createdBy ? { createdBy: job.createdBy } : {}),
  counts: job.counts,
  pages: job.pages,
  ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
});

export type JobView = ReturnType<typeof jobView>;
