import * as z from 'zod';
import { slugOf } from './labels.js';
import { publicationFields } from './publication.js';
import { defaultRules, fitFields, type QualificationRules } from './qualification.js';
import { type FieldIssue, keyedByOutsideStrings, type Parsed, parseWith } from './validation.js';

const oneLine = (value: string) => !/[\p{Cc}\u2028\u2029]/u.test(value);

const points = z.int('must be a whole number of points').min(-100).max(100);
/** Intake keeps an unlisted label as its slug, in any script (`führung`): each can be named here. */
const label = z
  .string()
  .regex(
    /^[\p{Ll}\p{Lo}\p{Lm}\p{N}][\p{Ll}\p{Lo}\p{Lm}\p{M}\p{N}_-]{0,39}$/u,
    'must be lower-case letters, digits, dashes and underscores',
  );
const weights = (what: string) =>
  keyedByOutsideStrings(
    z
      .record(label, points)
      .refine((table) => Object.keys(table).length <= 60, `must list at most 60 ${what}`),
  );

/** A profile field (`company`, `jobTitle`, …) or a form's custom field (`fields.industry`). */
const field = z
  .string('must be a profile field or fields.<name>')
  .refine(
    (name) => fitFields.includes(name) || /^fields\.[A-Za-z0-9_-]{1,40}$/.test(name),
    `must be one of ${fitFields.join(', ')} or fields.<name>`,
  );
const word = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters')
  .refine(oneLine, 'must be one line');

const condition = z.discriminatedUnion(
  'test',
  [
    z.strictObject({ field, test: z.enum(['present', 'absent']) }),
    z.strictObject({ field, test: z.literal('equals'), value: word }),
    z.strictObject({
      field,
      test: z.literal('containsAny'),
      // The editor lists the words with commas between them: a comma inside one would come
      // back from it as two words, and the rule would match far more than it did.
      values: z
        .array(
          word.refine((value) => !value.includes(','), 'must not contain a comma: list each word on its own'),
        )
        .min(1, 'must list at least one word')
        .max(30, 'must list at most 30 words'),
    }),
    z.strictObject({
      field: z.literal('email', 'must be email: free mail is a property of the address'),
      test: z.enum(['freeMail', 'notFreeMail']),
    }),
  ],
  'must have a test: present, absent, equals, containsAny, freeMail or notFreeMail',
);

const fitRule = z.strictObject({
  name: word.max(60, 'must be at most 60 characters'),
  mark: z.enum(['target', 'disqualified'], 'must be target or disqualified'),
  when: z
    .array(condition)
    .min(1, 'must have at least one condition')
    .max(10, 'must have at most 10 conditions'),
});

export const rulesDraftSchema = z.strictObject({
  // Read-only: what GET answered may come back; see `readOnlyIssues`.
  version: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
  // The job a publish answered beside the rules: read-only, ignored.
  job: z.unknown().optional(),
  ...publicationFields,
  points: z.strictObject({
    events: z.strictObject({ engaged: points, submitted: points }),
    channels: weights('channels'),
    forms: weights('forms'),
    offers: weights('offers'),
  }),
  decay: z.strictObject({ halfLifeDays: z.int('must be a whole number of days').min(0).max(3650) }),
  thresholds: z.strictObject({
    lead: z.int('must be a whole number').min(1).max(1000),
    salesLead: z.int('must be a whole number').min(1).max(1000),
  }),
  fit: z.array(fitRule).max(20, 'must have at most 20 rules'),
  salesAnswerWithinDays: z.int('must be a whole number of days').min(1).max(90),
  // Absent (a draft written before the field): the default offers.
  handoffOffers: z.array(label).max(30, 'must list at most 30 offers').optional(),
});

/**
 * The rules are one stored item (DynamoDB: 400 KB), read at every journey step: the fields allow
 * more than that in all (20 rules × 10 conditions × 30 words of 80 characters), so the whole is bounded.
 */
export const maxRulesBytes = 200_000;

/** Rules that span fields: the thresholds in order, rule names unique, labels naming one thing once. */
const crossFieldIssues = (draft: z.infer<typeof rulesDraftSchema>): FieldIssue[] => {
  const issues: FieldIssue[] = [];
  for (const table of ['channels', 'forms', 'offers'] as const) {
    const named = new Map<string, string>();
    for (const name of Object.keys(draft.points[table])) {
      const slug = slugOf(name) ?? name;
      const first = named.get(slug);
      if (first === undefined) named.set(slug, name);
      else
        issues.push({
          path: `points.${table}.${name}`,
          message: `names the same ${table.slice(0, -1)} as ${first}`,
        });
    }
  }
  const { points, decay, thresholds, fit, salesAnswerWithinDays } = draft;
  const bytes = Buffer.byteLength(JSON.stringify({ points, decay, thresholds, fit, salesAnswerWithinDays }));
  if (bytes > maxRulesBytes) {
    issues.push({
      path: 'fit',
      message: `must be shorter: the rules must be at most ${maxRulesBytes} bytes in all, these are ${bytes} (fewer or shorter words)`,
    });
  }
  if (draft.thresholds.salesLead <= draft.thresholds.lead) {
    issues.push({ path: 'thresholds.salesLead', message: 'must be above the lead threshold' });
  }
  const offers = new Set<string>();
  draft.handoffOffers?.forEach((offer, index) => {
    const slug = slugOf(offer) ?? offer;
    if (offers.has(slug)) issues.push({ path: `handoffOffers.${index}`, message: 'is already listed' });
    offers.add(slug);
  });
  const seen = new Set<string>();
  draft.fit.forEach((rule, index) => {
    if (seen.has(rule.name))
      issues.push({ path: `fit.${index}.name`, message: 'is already used by another rule' });
    seen.add(rule.name);
  });
  return issues;
};

/** A version number from GET may come back (a rollback is a PUT of an older version's content). */
const readOnlyIssues = (input: unknown, current: QualificationRules): FieldIssue[] => {
  const version = (input as { version?: unknown } | null)?.version;
  if (
    version === undefined ||
    (Number.isInteger(version) && Number(version) >= 0 && Number(version) <= current.version)
  ) {
    return [];
  }
  return [{ path: 'version', message: `must be a version of the rules, 0 to ${current.version}` }];
};

/** Validates a draft of the rules and turns it into the next version. */
export const parseRulesDraft = (
  input: unknown,
  current: QualificationRules,
  now: Date,
): Parsed<QualificationRules> => {
  const parsed = parseWith(rulesDraftSchema, input);
  const readOnly = typeof input === 'object' && input !== null ? readOnlyIssues(input, current) : [];
  if (!parsed.ok) return { ok: false, issues: [...parsed.issues, ...readOnly] };
  const issues = [...crossFieldIssues(parsed.value), ...readOnly];
  if (issues.length > 0) return { ok: false, issues };
  const {
    version: _version,
    updatedAt: _updatedAt,
    publishedBy: _by,
    job: _job,
    note,
    ...rules
  } = parsed.value;
  return {
    ok: true,
    value: {
      version: current.version + 1,
      updatedAt: now.toISOString(),
      ...rules,
      points: {
        events: rules.points.events,
        // Null-prototype tables: the labels are the marketers' own strings.
        channels: Object.assign(Object.create(null), rules.points.channels),
        forms: Object.assign(Object.create(null), rules.points.forms),
        offers: Object.assign(Object.create(null), rules.points.offers),
      },
      fit: rules.fit as QualificationRules['fit'],
      handoffOffers: rules.handoffOffers ?? defaultRules.handoffOffers,
      ...(note ? { note } : {}),
    },
  };
};
