/**
 * How long to wait before retry `attempt` (0-based): exponential, capped, with full jitter, so
 * callers that collided do not collide again in step.
 */
export const fullJitterMs = (
  attempt: number,
  { baseMs, capMs }: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number => random() * Math.min(capMs, baseMs * 2 ** attempt);
