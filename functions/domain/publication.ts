import * as z from 'zod';

/** Who published a version of a schedule, template or rules, and why: shown beside each version. */
export interface Publication {
  publishedBy?: { sub: string; email?: string };
  /** The publisher's short change note. */
  note?: string;
}

/**
 * The fields a draft may carry about its publication: a change note, and `publishedBy` as GET
 * answered it (read-only: the caller's own identity is what is recorded).
 */
export const publicationFields = {
  note: z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .refine(
      (note) => !/[\p{Cc}\u2028\u2029]/u.test(note),
      'must be one line: no line breaks or control characters',
    )
    .optional(),
  publishedBy: z.unknown().optional(),
};

/** Who a new version records as its publisher: the signed-in caller. */
export const publisher = (caller: {
  sub: string;
  email?: string | undefined;
}): Publication['publishedBy'] => ({
  sub: caller.sub,
  ...(caller.email ? { email: caller.email } : {}),
});
