/**
 * Runs `work` for every item, starting the i-th no sooner than i / `perSecond` seconds after the
 * first, with at most `inFlight` running at once: a batch holds its share of the job's rate
 * whatever the latency of each call. Real time, not the runtime's clock: quotas are per second.
 */
export const paced = async <T, R>(
  items: readonly T[],
  perSecond: number,
  inFlight: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  const running = new Set<Promise<void>>();
  const start = Date.now();
  for (const [index, item] of items.entries()) {
    const due = start + (index * 1000) / perSecond - Date.now();
    if (due > 0) await new Promise((wait) => setTimeout(wait, due));
    if (running.size >= inFlight) await Promise.race(running);
    const run: Promise<void> = work(item)
      .then((result) => {
        results[index] = result;
      })
      .finally(() => running.delete(run));
    // A failure is thrown by the race or the final wait below; this only keeps it from being unhandled.
    run.catch(() => undefined);
    running.add(run);
  }
  await Promise.all(running);
  return results;
};
