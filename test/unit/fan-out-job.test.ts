import { describe, expect, it } from 'vitest';
import { batchesOf, jobReaders, pageCounts } from '../../functions/domain/fan-out-job.js';

describe('a fan-out job', () => {
  it('is read by whoever may read what started it: a schedule job is not for sales, a rules job is', () => {
    expect([...jobReaders.schedule_publish].sort()).toEqual(['admin', 'marketing']);
    expect([...jobReaders.rules_publish].sort()).toEqual(['admin', 'marketing', 'sales']);
  });

  it('splits a page into batches of at most the batch size, in order, and sums their counts', () => {
    const items = Array.from({ length: 250 }, (_, i) => `c${i}`);
    const batches = batchesOf('job-1', 3, items, 100);
    expect(batches.map((batch) => batch.items.length)).toEqual([100, 100, 50]);
    expect(batches.flatMap((batch) => batch.items)).toEqual(items);
    expect(batches.every((batch) => batch.jobId === 'job-1' && batch.page === 3)).toBe(true);
    expect(pageCounts([{ reached: 90, skipped: 10 }, { reached: 100 }, {}])).toEqual({
      reached: 190,
      skipped: 10,
    });
  });
});
