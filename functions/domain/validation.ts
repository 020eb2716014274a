import * as z from 'zod';

/** One invalid field, as the contract's error body lists it. */
export interface FieldIssue {
  path: string;
  message: string;
}

const messageOf = (issue: z.core.$ZodIssue): string => {
  // A bad key in a record is reported with the key check's own message nested inside.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return issue.message;
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Validates with a zod schema and reports every problem by field path. */
export const parseWith = <T>(schema: z.ZodType<T>, input: unknown): Parsed<T> => {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.flatMap((issue) => {
      const path = issue.path.map(String);
      // Each unknown field is named as the field it is, so a form can point at it.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'is not a known field' }));
      }
      return [{ path: path.join('.') || '(body)', message: messageOf(issue) }];
    }),
  };
};

/**
 * A table keyed by the caller's own strings (rule labels, mappings). zod builds a record's output
 * as a plain object, where an own `__proto__` key is silently dropped: refuse it by name instead.
 */
export const keyedByOutsideStrings = <T extends z.ZodType>(record: T) =>
  z
    .unknown()
    .superRefine((value, context) => {
      if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
        context.addIssue({ code: 'custom', path: ['__proto__'], message: 'is a name no table may use' });
      }
    })
    .pipe(record);
