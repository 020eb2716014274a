import * as z from 'zod';
import { parseDuration } from './duration.js';
import { subjectIssues, type TemplateKind } from './email-template.js';
import { publicationFields } from './publication.js';
import type { Schedule, ScheduleStep, Track } from './schedule.js';
import { seedTemplates } from './template-seeds.js';
import { type FieldIssue, type Parsed, parseWith } from './validation.js';

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

const timeZoneSchema = z
  .string('must be an IANA time zone such as Europe/Berlin')
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');

/** CR and LF above all (a header injection), and any other control or line-separator character. */
const oneLine = (value: string) => !/[\p{Cc}\u2028\u2029]/u.test(value);

const windowSchema = z.strictObject({
  days: z
    .array(z.int().min(0).max(6), 'must be a list of weekdays, 0 (Sunday) to 6 (Saturday)')
    .min(1, 'must name at least one weekday')
    .refine((days) => new Set(days).size === days.length, 'must not repeat a weekday'),
  hours: z
    .strictObject({ from: z.int().min(0).max(23), to: z.int().min(1).max(24) })
    .refine((hours) => hours.from < hours.to, 'must start before it ends'),
  timezone: timeZoneSchema.optional(),
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
  template: z.string('must be the name of a template').min(1, 'must be the name of a template'),
  subject: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .refine(oneLine, 'must be one line: no line breaks or control characters')
    .optional(),
  window: windowSchema.optional(),
});

export const draftSchema = z.strictObject({
  // Read-only: what GET answered may come back; see `readOnlyIssues`.
  track: z.string().optional(),
  version: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
  catchUp: z.unknown().optional(),
  // The job a publish answered beside the schedule: read-only, ignored.
  job: z.unknown().optional(),
  ...publicationFields,
  timezone: timeZoneSchema.optional(),
  steps: z
    .array(stepSchema)
    .min(1, 'must have at least one step')
    .max(maxSteps, `must have at most ${maxSteps} steps`),
});

export type ScheduleDraft = z.infer<typeof draftSchema>;

/**
 * Rules that span steps or need more than the step, read from the raw input so they are reported
 * together with the per-field ones: ids are unique, only the first step may have no delay (a zero
 * delay later would send two emails at the same moment), each template exists and is marketing,
 * and a subject is valid Liquid.
 */
const crossStepIssues = (input: unknown, templates: ReadonlyMap<string, TemplateKind>): FieldIssue[] => {
  const steps =
    typeof input === 'object' && input !== null ? (input as { steps?: unknown }).steps : undefined;
  if (!Array.isArray(steps)) return [];
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  steps.forEach((step: unknown, index) => {
    if (typeof step !== 'object' || step === null) return;
    const { id, delay, template, subject } = step as {
      id?: unknown;
      delay?: unknown;
      template?: unknown;
      subject?: unknown;
    };
    if (typeof template === 'string' && template !== '') {
      const kind = templates.get(template);
      if (kind === undefined) {
        issues.push({
          path: `steps.${index}.template`,
          message: `is not a template; templates are ${[...templates.keys()].join(', ')}`,
        });
      } else if (kind !== 'marketing') {
        issues.push({
          path: `steps.${index}.template`,
          message: `is a ${kind} template; a schedule sends marketing email, with its unsubscribe link`,
        });
      }
    }
    // A subject is Liquid like the template's own: `{{ first_name | default: "there" }}` renders.
    if (typeof subject === 'string') issues.push(...subjectIssues(subject, `steps.${index}.subject`));
    if (typeof id === 'string') {
      if (seen.has(id))
        issues.push({ path: `steps.${index}.id`, message: 'is already used by another step' });
      seen.add(id);
    }
    if (index > 0 && typeof delay === 'string' && parseDuration(delay) === 0) {
      issues.push({
        path: `steps.${index}.delay`,
        message: 'must be more than 0 after the first step, or two emails go out at the same moment',
      });
    }
  });
  return issues;
};

/** Each template's step ids in the newest version that used the template, in step order. */
const idsByTemplate = (history: readonly Schedule[]): Map<string, string[]> => {
  const known = new Map<string, string[]>();
  for (const version of [...history].sort((a, b) => b.version - a.version)) {
    const here = new Map<string, string[]>();
    for (const step of version.steps) here.set(step.template, [...(here.get(step.template) ?? []), step.id]);
    for (const [template, ids] of here) if (!known.has(template)) known.set(template, ids);
  }
  return known;
};

/**
 * A step's id is its identity across versions: it is what the send ledger records, so a contact
 * never gets a step twice and a removed step is simply skipped. A step given without one takes the
 * id its template had in the newest version that used it (the second unnamed step of a template
 * the id of its second step there, and so on), so omitting ids never turns an email a contact
 * already had into a new step. A template new to the track is named after the template
 * (`nurture-how-to`), then `nurture-how-to-2`, `-3` when that is taken. To send a template again
 * as a new step, give the step a new id.
 */
const withIds = (steps: ScheduleDraft['steps'], history: readonly Schedule[]): ScheduleStep[] => {
  const taken = new Set(steps.flatMap((step) => (step.id ? [step.id] : [])));
  const known = idsByTemplate(history);
  return steps.map(({ id, ...step }) => {
    let stepId = id ?? known.get(step.template)?.find((candidate) => !taken.has(candidate));
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

/**
 * What GET answered may come back as it was: read-only fields are ignored when they agree with
 * the schedule and refused when they contradict it (another track, a version it never had).
 */
const readOnlyIssues = (input: unknown, track: Track, current: Schedule): FieldIssue[] => {
  if (typeof input !== 'object' || input === null) return [];
  const given = input as { track?: unknown; version?: unknown };
  const issues: FieldIssue[] = [];
  if (given.track !== undefined && given.track !== track) {
    issues.push({ path: 'track', message: `is ${track} for this schedule; publish to that track instead` });
  }
  // An older version's number is expected: rolling back is a PUT of that version's content.
  const version = given.version;
  if (
    version !== undefined &&
    !(Number.isInteger(version) && Number(version) >= 0 && Number(version) <= current.version)
  ) {
    issues.push({ path: 'version', message: `must be a version of this schedule, 0 to ${current.version}` });
  }
  return issues;
};

const seedKinds: ReadonlyMap<string, TemplateKind> = new Map(
  [...seedTemplates.values()].map((template) => [template.name, template.kind]),
);

/**
 * Validates a marketer's draft and turns it into the next version of the track's schedule.
 * `history` holds the track's versions (the current one included) that unnamed steps take their
 * ids from; `templates` each template's kind.
 */
export const parseDraft = (
  input: unknown,
  track: Track,
  current: Schedule,
  now: Date,
  history: readonly Schedule[] = [current],
  templates: ReadonlyMap<string, TemplateKind> = seedKinds,
): Parsed<Schedule> => {
  const parsed = parseWith(draftSchema, input);
  const crossStep = [...crossStepIssues(input, templates), ...readOnlyIssues(input, track, current)];
  if (!parsed.ok) {
    const reported = new Set(parsed.issues.map((issue) => issue.path));
    return {
      ok: false,
      issues: [...parsed.issues, ...crossStep.filter((issue) => !reported.has(issue.path))],
    };
  }
  if (crossStep.length > 0) return { ok: false, issues: crossStep };
  return {
    ok: true,
    value: {
      track,
      version: current.version + 1,
      timezone: parsed.value.timezone ?? current.timezone,
      steps: withIds(parsed.value.steps, [current, ...history]),
      updatedAt: now.toISOString(),
      ...(parsed.value.note ? { note: parsed.value.note } : {}),
    },
  };
};
