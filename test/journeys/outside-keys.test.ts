import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';

/**
 * Names that are also properties of every plain JavaScript object, sent where the admin API takes
 * the marketers' own strings as keys (the rules' label tables): each is either kept exactly as
 * given or refused with a 400 naming it — never dropped, never a 500.
 */
const pollutionKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const tables = ['channels', 'forms', 'offers'] as const;

const runtime = useRuntime({ env: journeyEnv });

type Rules = { version: number; points: Record<(typeof tables)[number], Record<string, number>> };

const currentRules = async () => {
  const response = await runtime.call('/v1/rules', { admin: true });
  return (await response.json()) as Rules & Record<string, unknown>;
};

/** The body as text, so `__proto__` arrives as JSON.parse reads it: an own key. */
const withLabel = (rules: Rules, table: (typeof tables)[number], key: string, points: number) => {
  const entries = Object.entries(rules.points[table]).map(
    ([name, value]) => `${JSON.stringify(name)}:${value}`,
  );
  const tableText = `{${[...entries, `${JSON.stringify(key)}:${points}`].join(',')}}`;
  const marker = '"@table@"';
  const body = JSON.stringify({ ...rules, points: { ...rules.points, [table]: '@table@' } });
  return body.replace(marker, tableText);
};

/** PUTs the rules as this text, on top of `version`. */
const putRulesText = (version: number, body: string) =>
  runtime.call('/v1/rules', {
    method: 'PUT',
    admin: true,
    headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
    body,
  });

describe('keys the admin API takes from marketers', () => {
  it('keeps or refuses by name every label named like an object property', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pollutionKeys),
        fc.constantFrom(...tables),
        fc.integer({ min: 1, max: 100 }),
        async (key, table, points) => {
          const before = await currentRules();
          const response = await putRulesText(before.version, withLabel(before, table, key, points));
          if (response.status === 400) {
            const body = (await response.json()) as { error: { issues: { path: string }[] } };
            expect(body.error.issues.map((issue) => issue.path)).toContain(`points.${table}.${key}`);
            expect((await currentRules()).version).toBe(before.version);
            return;
          }
          // Accepted: the rules are published, the job waking the contacts they rescore runs on.
          expect(response.status).toBe(202);
          const after = await currentRules();
          expect(Object.hasOwn(after.points[table], key)).toBe(true);
          expect(after.points[table][key]).toBe(points);
        },
      ),
      { numRuns: 24 },
    );
  });

  it('refuses __proto__ as a label by name', async () => {
    const before = await currentRules();
    const response = await putRulesText(before.version, withLabel(before, 'channels', '__proto__', 5));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'validation_failed', issues: [{ path: 'points.channels.__proto__' }] },
    });
  });

  it('publishes constructor as a label and reads it back', async () => {
    const before = await currentRules();
    const response = await putRulesText(before.version, withLabel(before, 'forms', 'constructor', 17));
    expect(response.status).toBe(202);
    expect((await currentRules()).points.forms.constructor).toBe(17);
  });
});
