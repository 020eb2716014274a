import type { FanOutJob, JobCursor, JobKind } from '../domain/fan-out-job.js';

/** What one item's work came to: done on it (once, however often asked), or the item is gone. */
export type ItemOutcome = 'reached' | 'skipped';

/**
 * The part of a job that depends on its kind; the workflow, checkpoints, pacing and counts are the
 * engine's. Both calls may run more than once for the same page or item (a retry, a redrive,
 * Express's at-least-once children), so each must be idempotent: `item` does its work once per
 * job and item (e.g. a marker written with it), and `page` lists the same items from the same cursor.
 */
export interface JobRunner<K extends JobKind = JobKind> {
  /** Up to `limit` items from `cursor` on (`{}` at the start), and where the next page starts (null: none). */
  page(
    job: FanOutJob<K>,
    cursor: Exclude<JobCursor, null>,
    limit: number,
  ): Promise<{ items: string[]; next: JobCursor }>;
  item(job: FanOutJob<K>, item: string): Promise<ItemOutcome>;
}
