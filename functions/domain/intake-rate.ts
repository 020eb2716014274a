/**
 * Per-client limits on the public intake: a fixed window of one minute per client, counted in the
 * table. A fixed window lets a client send up to twice the limit across a window's edge; for a
 * form endpoint that is fine, and it costs one atomic write per submission.
 */
export const rateWindowMs = 60_000;

/** Submissions per client per minute when a deployment says nothing: more than a person types. */
export const defaultIntakeRatePerMinute = 10;

export interface RateWindow {
  /** When the window `now` falls in began, ISO 8601: the counter's sort key. */
  start: string;
  /** Epoch seconds when the window ends, after which its counter is never read: the TTL. */
  expiresAt: number;
  /** Whole seconds until the window ends, at least 1: a refused client's `Retry-After`. */
  retryAfterSeconds: number;
}

/** The fixed window `now` falls in: a minute for the intake, longer for slower limits. */
export const rateWindow = (now: Date, windowMs = rateWindowMs): RateWindow => {
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  const end = start + windowMs;
  return {
    start: new Date(start).toISOString(),
    expiresAt: Math.ceil(end / 1000),
    retryAfterSeconds: Math.max(1, Math.ceil((end - now.getTime()) / 1000)),
  };
};

/** Whether the `count`th submission of a window is past `limit` (`0`: no limit). */
export const isOverLimit = (count: number, limit: number): boolean => limit > 0 && count > limit;

/**
 * A limit as configured (environment, CDK context, `LEADFLOW_INTAKE_RATE`): a whole number of
 * submissions per minute, `0` for none; undefined when it is anything else.
 */
export const parseRateLimit = (value: unknown): number | undefined => {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : undefined;
};
