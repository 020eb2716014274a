/**
 * A record keyed by outside strings (a form id, an offer type, a custom field's name): it has no
 * prototype, so `__proto__`, `constructor` or `toString` is only ever a key, never a built-in.
 * It serialises to JSON like any object.
 */
export const dictionary = <T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> => {
  const record: Record<string, T> = Object.create(null);
  for (const [key, value] of entries) record[key] = value;
  return record;
};
