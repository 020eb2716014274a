import { parseDuration } from '../domain/duration.js';
import { parseRateLimit } from '../domain/intake-rate.js';
import { type DeliveryLimits, defaultDeliveryLimits } from '../domain/schedule.js';

/** Reads a required environment variable once, failing loudly at load rather than mid-request. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is required but not set`);
  }
  return value;
};

/**
 * The delivery limits, from `FREQUENCY_CAP` (`<emails>/<duration>`, e.g. `3/7d`) and
 * `CATCH_UP_SENDS_PER_MINUTE` when set, else the defaults.
 */
export const deliveryLimits = (): DeliveryLimits => {
  const limits = structuredClone(defaultDeliveryLimits);
  const cap = process.env.FREQUENCY_CAP;
  if (cap) {
    const [emails, per] = cap.split('/');
    const perMs = parseDuration(per ?? '');
    if (!Number.isInteger(Number(emails)) || Number(emails) < 1 || !perMs) {
      throw new Error(`FREQUENCY_CAP must look like 3/7d, got ${cap}`);
    }
    limits.frequencyCap = { emails: Number(emails), perMs };
  }
  const rate = Number(process.env.CATCH_UP_SENDS_PER_MINUTE ?? limits.catchUpSendsPerMinute);
  if (!(rate >= 1)) throw new Error('CATCH_UP_SENDS_PER_MINUTE must be a positive number');
  limits.catchUpSendsPerMinute = rate;
  return limits;
};

/** Public submissions per client per minute, from `INTAKE_RATE_PER_MINUTE` (`0`: no limit). */
export const intakeRatePerMinute = (): number => {
  const value = requireEnv('INTAKE_RATE_PER_MINUTE');
  const limit = parseRateLimit(value);
  if (limit === undefined) {
    throw new Error(`INTAKE_RATE_PER_MINUTE must be a whole number (0: no limit), got ${value}`);
  }
  return limit;
};

/**
 * How many contacts a preview reads at most (`PREVIEW_SAMPLE_SIZE`, default 2,000): past that it
 * weighs a sample and says so, so a preview answers in a request's time at any size.
 */
export const previewSampleSize = (): number => {
  const value = Number(process.env.PREVIEW_SAMPLE_SIZE ?? 2000);
  if (!Number.isInteger(value) || value < 1)
    throw new Error('PREVIEW_SAMPLE_SIZE must be a whole number above 0');
  return value;
};
