import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offerCatalogue } from '../../functions/domain/offers.js';
import { seedTemplates } from '../../functions/domain/template-seeds.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { mailTo, parseMail } from '../support/mail-links.js';

let runtime: RunningRuntime;

beforeAll(async () => {
  runtime = await startRuntime({ env: journeyEnv });
});

afterAll(async () => {
  await runtime?.stop();
});

/** What a person clicking the link sees: a page, not an API error. */
const expectPage = async (path: string) => {
  const response = await fetch(`${runtime.url}${path}`, { headers: { accept: 'text/html' } });
  expect(response.status, path).toBe(200);
  expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
  expect(await response.text(), path).toMatch(/^<!doctype html>/i);
};

describe('the demo content the local emails and offers link to', () => {
  it('opens a page for the asset a requested-content email sends', async () => {
    const contactId = await submitLead(runtime, {
      email: 'reader@example.com',
      consent: true,
      offer: { type: 'white_paper', id: 'pipeline-report-2027' },
    });
    const requested = (await mailTo(runtime, contactId)).find((mail) => mail.step !== 'welcome');
    if (!requested) throw new Error('no requested-content email');
    const links = [...String((await parseMail(requested)).html).matchAll(/href="([^"]+)"/g)]
      .map(([, href]) => new URL((href ?? '').replaceAll('&amp;', '&')))
      .filter((url) => url.origin === runtime.url && !url.pathname.startsWith('/v1/'));
    expect(links.map((url) => url.pathname)).toContain('/resources/2027-pipeline-report');
    for (const url of links) await expectPage(url.pathname);
  });

  it('opens a page for every offer in the catalogue and every site link in a seeded email', async () => {
    const paths = new Set([
      ...[...offerCatalogue.values()].map(({ link }) => link).filter((link) => link.startsWith('/')),
      ...[...seedTemplates.values()].flatMap(({ html }) =>
        [...html.matchAll(/\{\{ site_url \}\}(\/[^"]*)"/g)].map(([, path]) => path ?? ''),
      ),
    ]);
    expect(paths.size).toBeGreaterThan(5);
    for (const path of paths) await expectPage(path);
  });

  it('still answers a path nobody links to with the JSON 404', async () => {
    const response = await fetch(`${runtime.url}/resources/nothing-here`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
