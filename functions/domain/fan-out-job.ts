import type { Role } from '../../lib/api-routes.js';
import type { IncomingEvent } from './incoming-event.js';
import type { Stage } from './stages.js';

/**
 * How a job walks its contacts, read by the workflow builder (so the stack and the local runtime
 * run the same numbers). `perSecond` is the whole job's wake rate: each of the `maxConcurrency`
 * batches running at once paces itself to its share. 100 a second stays under every region's
 * quotas with room for the journeys' own traffic: SendTaskSuccess (500/s), StartExecution for the
 * rare journey that must restart (refill 150/s outside the large regions), the woken journeys'
 * state transitions (about 3 a step: 300/s of the 800/s small regions refill) and the table's writes
 * (about 15 WCU a woken contact with its step: 1,500 of a new on-demand table's 4,000 a second).
 * The README works it out for a million contacts.
 */
export const fanOutPacing = {
  /** Contacts per page: one checkpoint each; 1,000 ids are 40 KB of state, under its 256 KB. */
  pageSize: 1000,
  /** Contacts per batch: one Lambda invocation (an Express child execution) each. */
  batchSize: 100,
  maxConcurrency: 10,
  perSecond: 100,
} as const;

export const jobKinds = ['schedule_publish', 'rules_publish'] as const;
export type JobKind = (typeof jobKinds)[number];

/** Who may read a job: whoever may read the resource that started it. */
export const jobReaders: Record<JobKind, readonly Role[]> = {
  schedule_publish: ['marketing', 'admin'],
  rules_publish: ['marketing', 'sales', 'admin'],
};

/** Where the next page starts: the index of the audience's stage, and the last key read in it. */
export interface JobCursor {
  stage: number;
  after?: Record<string, string>;
}

export interface JobCounts {
  /** Contacts handed the job's event (their journey woken). */
  reached: number;
  /** Contacts gone (erased) by the time the job came to them. */
  skipped: number;
}

export interface FanOutJob {
  jobId: string;
  kind: JobKind;
  status: 'running' | 'done';
  createdAt: string;
  createdBy?: { sub: string; email?: string };
  /** What started it, e.g. `{track: 'nurture', version: '3'}`. */
  target: Record<string, string>;
  /** Every contact at these stages now (the by-stage index). */
  audience: { stages: Stage[] };
  /** The event each contact's journey is handed: one id and time for the whole job. */
  event: IncomingEvent;
  /** Pages done: the checkpoint's page number. */
  pages: number;
  cursor: JobCursor;
  counts: JobCounts;
  finishedAt?: string;
}

/** One Distributed Map item: a batch of the page, with what its wakes need. */
export interface WakeBatch {
  jobId: string;
  page: number;
  event: IncomingEvent;
  contactIds: string[];
}

/** What the pages function answers the workflow. */
export interface JobPage {
  done: boolean;
  page: number;
  /** Where the page after this one starts. */
  next: JobCursor;
  batches: WakeBatch[];
}

export const newJob = (
  jobId: string,
  kind: JobKind,
  target: Record<string, string>,
  stages: readonly Stage[],
  event: IncomingEvent,
  createdBy: FanOutJob['createdBy'],
): FanOutJob => ({
  jobId,
  kind,
  status: 'running',
  createdAt: event.at,
  ...(createdBy ? { createdBy } : {}),
  target,
  audience: { stages: [...stages] },
  event,
  pages: 0,
  cursor: { stage: 0 },
  counts: { reached: 0, skipped: 0 },
});

export const atEnd = (job: Pick<FanOutJob, 'audience'>, cursor: JobCursor): boolean =>
  cursor.stage >= job.audience.stages.length;

/** Splits a page's contacts into the map's items. */
export const batchesOf = (
  job: Pick<FanOutJob, 'jobId' | 'event'>,
  page: number,
  contactIds: readonly string[],
  batchSize: number,
): WakeBatch[] => {
  const batches: WakeBatch[] = [];
  for (let i = 0; i < contactIds.length; i += batchSize) {
    batches.push({
      jobId: job.jobId,
      page,
      event: job.event,
      contactIds: contactIds.slice(i, i + batchSize),
    });
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
