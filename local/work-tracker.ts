/**
 * Counts the local runtime's background work (Lambda tasks the journey engine runs, SES events
 * being handled) so the manual clock and tests can wait until everything set off has finished.
 */
export class WorkTracker {
  private running = 0;
  private lastFinished = 0;

  track<A extends unknown[], R>(work: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      this.running++;
      try {
        return await work(...args);
      } finally {
        this.running--;
        this.lastFinished = Date.now();
      }
    };
  }

  /**
   * Resolves once nothing has run for `quietMs` of real time: the engine moves from one task to
   * the next through promise callbacks and loopback HTTP, so a short quiet spell means it is idle.
   */
  async settled(quietMs = 100): Promise<void> {
    const asked = Date.now();
    for (;;) {
      const quietFor = Date.now() - Math.max(this.lastFinished, asked);
      if (this.running === 0 && quietFor >= quietMs) return;
      await new Promise((wait) => setTimeout(wait, this.running === 0 ? quietMs - quietFor : 10));
    }
  }
}
