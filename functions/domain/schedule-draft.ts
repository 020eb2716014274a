import { z } from 'zod';
import { parseDuration } from './duration.js';
import type { Schedule, ScheduleStep, Track } from './schedule.js';
import { templateIds } from './templates.js';
import { type Parsed, parseWith } from './validation.js';

export const maxSteps = 20;
export const maxDelayMs = 365 * 86_400_000;

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const noLineBreaks = (value: string) => !/[\r\n]/.test(value);

const windowSchema = z.strictObject({
  days: z
    .array(z.int().min(0).max(6), 'must be a list of weekdays, 0 (Sunday) to 6 (Saturday)')
    .min(1, 'must name at least one weekday')
    .refine((days) => new Set(days).size === days.length, 'must not repeat a weekday'),
  hours: z
    .strictObject({ from: z.int().min(0).max(23), to: z.int().min(1).max(24) })
    .refine((hours) => hours.from < hours.to, 'must start before it ends'),
});

const stepSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes')
    .optional(),
  delay: z.string('must be a duration such as 90m, 36h or 2d').refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms >= 0 && ms <= maxDelayMs;
  }, 'must be a duration from 0m to 365d, such as 90m, 36h or 2d'),
  template: z.enum(templateIds, `must be one of ${templateIds.join(', ')}`),
  subject: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .refine(noLineBreaks, 'must not contain line breaks')
    .optional(),
  window: windowSchema.optional(),
});

export const draftSchema = z.strictObject({
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
  steps: z
    .array(stepSchema)
    .min(1, 'must have at least one step')
    .max(maxSteps, `must have at most ${maxSteps} steps`),
});

export type ScheduleDraft = z.infer<typeof draftSchema>;

/**
 * A step keeps its id across versions: that id is what the send ledger records, so a contact never
 * gets a step twice and a removed step is simply skipped. A step given without one is named after
 * its template (`welcome`, `nurture-how-to`), numbered when the template repeats.
 */
const withIds = (steps: ScheduleDraft['steps']): ScheduleStep[] => {
  const taken = new Set(steps.flatMap((step) => (step.id ? [step.id] : [])));
  return steps.map(({ id, ...step }) => {
    let stepId = id;
    for (let n = 1; !stepId; n++) {
      const candidate = n === 1 ? step.template : `${step.template}-${n}`;
      if (!taken.has(candidate)) stepId = candidate;
    }
    taken.add(stepId);
    const result: ScheduleStep = { id: stepId, delay: step.delay, template: step.template };
    if (step.subject !== undefined) result.subject = step.subject;
    if (step.window) result.window = step.window;
    return result;
  });
};

/** Validates a marketer's draft and turns it into the next version of the track's schedule. */
export const parseDraft = (input: unknown, track: Track, current: Schedule, now: Date): Parsed<Schedule> => {
  const parsed = parseWith(draftSchema, input);
  if (!parsed.ok) return parsed;
  const ids = parsed.value.steps.flatMap((step, index) => (step.id ? [{ id: step.id, index }] : []));
  const issues = ids
    .filter(({ id }, i) => ids.findIndex((other) => other.id === id) !== i)
    .map(({ index }) => ({ path: `steps.${index}.id`, message: 'is already used by another step' }));
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    value: {
      track,
      version: current.version + 1,
      timezone: parsed.value.timezone ?? current.timezone,
      steps: withIds(parsed.value.steps),
      updatedAt: now.toISOString(),
    },
  };
};
