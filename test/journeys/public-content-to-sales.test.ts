import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { submitLead } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { tableKeys } from '../support/table-keys.js';

/** What an anonymous visitor types, on its way to the sales inbox and to chat through the bus. */
const runtime = useRuntime({ env: journeyEnv });

interface BusEvent {
  detailType: string;
  detail: { contactId: string } & Record<string, unknown>;
}

/** The Slack recipe's input transformer, as docs/events.md gives it. */
const slackRecipe = async () => {
  const doc = await readFile(resolve(import.meta.dirname, '../../docs/events.md'), 'utf8');
  const section = doc.slice(doc.indexOf('**Slack, a message per sales lead.**'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block) throw new Error('docs/events.md has no Slack input transformer');
  return JSON.parse(block) as { InputPathsMap: Record<string, string>; InputTemplate: string };
};

/** As EventBridge fills a JSON template: each value JSON-escaped where its placeholder stands. */
const transform = (recipe: Awaited<ReturnType<typeof slackRecipe>>, event: BusEvent): string => {
  let text = recipe.InputTemplate;
  for (const [name, path] of Object.entries(recipe.InputPathsMap)) {
    const value = path
      .split('.')
      .slice(2)
      .reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], event.detail);
    text = text.replaceAll(`<${name}>`, JSON.stringify(String(value ?? '')).slice(1, -1));
  }
  return text;
};

/** Every string Slack would read as mrkdwn: the fallback `text` and any `mrkdwn` text object. */
const markupStrings = (message: unknown): string[] => {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const object = node as Record<string, unknown>;
    if (typeof object.text === 'string' && object.type !== 'plain_text') found.push(object.text);
    for (const value of Object.values(object)) walk(value);
  };
  walk(message);
  return found;
};

describe('text from the public, shown to sales', () => {
  it('a company written as Slack markup reaches Slack through the recipe as plain text', async () => {
    const company = '<!channel> <https://evil.example/login|Open this lead in Leadflow> & co';
    const email = `slack-${Date.now()}@acme.example`;
    const contactId = await submitLead(runtime, { email, company, buyingStage: 'ready_to_talk' });
    const events = (await (await runtime.call('/_local/events')).json()) as BusEvent[];
    const ready = events.find(
      (event) => event.detailType === 'Sales Lead Ready' && event.detail.contactId === contactId,
    );
    expect(ready).toBeDefined();
    if (!ready) return;
    const message = JSON.parse(transform(await slackRecipe(), ready)) as unknown;
    const markup = markupStrings(message).join('\n');
    expect(markup).not.toMatch(/<!|<https?:|evil\.example/);
    // The company is on the event as typed, and in the message, shown as written.
    expect(ready.detail.company).toBe(company);
    expect(JSON.stringify(message)).toContain(JSON.stringify(company).slice(1, -1));
  });

  it('refuses an address whose quoted name part carries a sentence and a link, and writes nothing', async () => {
    const before = await tableKeys(runtime);
    const response = await runtime.call('/v1/contacts', {
      method: 'POST',
      json: {
        email: '"Reset your SSO password at https://evil.example/sso"@gmail.com',
        buyingStage: 'ready_to_talk',
      },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'validation_failed', issues: [{ path: 'email' }] },
    });
    await runtime.settle();
    expect(await tableKeys(runtime)).toEqual(before);
    const mails = await runtime.outbox();
    expect(mails.some((mail) => mail.subject.includes('evil.example'))).toBe(false);
  });
});
