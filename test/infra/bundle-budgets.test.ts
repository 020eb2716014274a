import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedFunction, synthesizeFunctions } from '../support/synthesized-functions.js';

const kb = 1024;

/**
 * What each function may weigh, minified, without its source map. A cold start loads and
 * evaluates all of it, and Lambda bills the init time; the public intake and the journey's
 * parking step run the most often, cold, so they get the tightest budgets.
 */
const budgets = new Map<string, number>([
  ['Journey/Await', 400 * kb],
  // The goal is 400 KB. It still sends the double opt-in email (liquidjs, html-to-text, the
  // SES client) and qualifies on the free-mail list (134 KB of domains) inside the request.
  ['IntakeApi/Handler', 1024 * kb],
  ['Journey/Advance', 1024 * kb],
  ['AdminApi/Handler', 1024 * kb],
  ['Mailer/UnsubscribeHandler', 1024 * kb],
  ['Mailer/EventsHandler', 1024 * kb],
  ['FanOutJobs/Pages', 1024 * kb],
  ['FanOutJobs/Batch', 1024 * kb],
  // MJML itself (its parser, CSS inliner, minifier and beautifier, lodash) bundles to 1.2 MB; only
  // template publishes and previews load it, which is why they have a function of their own.
  ['AdminApi/Templates', 2304 * kb],
]);

let functions: SynthesizedFunction[];

beforeAll(() => {
  functions = synthesizeFunctions();
}, 180_000);

describe('bundle budgets', () => {
  it('has a budget for every function the stack deploys', () => {
    expect(functions.map((fn) => fn.name).sort()).toEqual([...budgets.keys()].sort());
  });

  it.each([...budgets])('%s weighs at most its budget', (name, budget) => {
    const fn = functions.find((candidate) => candidate.name === name);
    if (!fn) throw new Error(`no function ${name} in the synthesized stack`);
    expect(
      fn.codeBytes,
      `${name}: ${Math.round(fn.codeBytes / kb)} KB, budget ${budget / kb} KB`,
    ).toBeLessThanOrEqual(budget);
  });

  it('leaves MJML to the templates function', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const fn of functions) {
      const code = await readFile(fn.bundlePath, 'utf8');
      // mjml-core's own error text: present exactly where MJML is bundled.
      expect(code.includes('Malformed MJML'), fn.name).toBe(fn.name === 'AdminApi/Templates');
    }
  });
});
