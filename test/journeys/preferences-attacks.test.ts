import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import {
  busEventsOf as busEvents,
  handoffMailsFor as handoffMails,
  mailTo as mailsOf,
  signUpWithLink,
} from '../support/mail-links.js';
import { allTableItems, contactIdFor } from '../support/table-keys.js';

/**
 * The preferences page as an attacker and a confused prospect use it: forwarded and reused links,
 * markup in what it shows, odd bodies, racing posts, and what an unsubscribe must keep shut.
 */
const runtime = useRuntime({ env: journeyEnv });

interface ContactBody {
  stage: string;
  buyingStage?: string;
  pausedUntil?: string;
  tracksOff?: string[];
  consentRecords: { action: string; method: string }[];
}

const mailTo = (contactId: string) => mailsOf(runtime, contactId);

const signUp = async (label: string, fields: Record<string, unknown> = {}) => {
  const { email, contactId, link } = await signUpWithLink(runtime, uniqueEmail(`attack.${label}`), fields);
  return { email, contactId, link };
};

const contactView = async (contactId: string): Promise<ContactBody> => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as ContactBody;
};

const post = (link: string, contentType: string, body: string, accept = 'application/json') =>
  runtime.call(link, { method: 'POST', headers: { 'content-type': contentType, accept }, body });

const postJson = (link: string, json: unknown) => runtime.call(link, { method: 'POST', json });

const itemsOf = async (contactId: string) =>
  (await allTableItems(runtime)).filter((item) => String(item.pk).includes(contactId));

const handoffMailsFor = (contactId: string) => handoffMails(runtime, contactId);

const busEventsOf = (contactId: string, detailType: string) => busEvents(runtime, contactId, detailType);

describe('the preferences link, attacked', () => {
  it('of an erased contact controls nothing of a new contact at the same address', async () => {
    const { email, contactId, link } = await signUp('erased');
    expect((await runtime.call(`/v1/contacts/${contactId}`, { method: 'DELETE', admin: true })).status).toBe(
      204,
    );
    await runtime.settle();
    const again = await runtime.call('/v1/contacts', { method: 'POST', json: { email, consent: true } });
    expect(again.status).toBe(202);
    await runtime.settle();
    const newId = await contactIdFor(runtime, email);
    expect(newId).toBeDefined();
    expect(newId).not.toBe(contactId);
    const before = await allTableItems(runtime);

    const page = await runtime.call(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('no longer on our lists');
    for (const body of [
      { action: 'pause', days: 90 },
      { action: 'track', track: 'nurture', send: 'no' },
      { action: 'buying_stage', buyingStage: 'ready_to_talk' },
    ]) {
      expect((await postJson(link, body)).status).toBe(404);
    }
    const unsubscribe = await postJson(link, { action: 'unsubscribe' });
    expect(unsubscribe.status).toBe(200);
    await runtime.settle();
    expect(await allTableItems(runtime)).toEqual(before);
    expect((await contactView(newId ?? '')).stage).not.toBe('unsubscribed');
  });

  it('reflects no markup: not a stored name, not the query, not the token', async () => {
    const { link } = await signUp('markup', {
      firstName: '<script>alert(1)</script>',
      lastName: '"><img src=x onerror=alert(2)>',
      company: 'Evil <b>Corp</b>',
    });
    const pages = [
      await runtime.call(`${link}&x=%3Cscript%3Ealert(3)%3C%2Fscript%3E`, {
        headers: { accept: 'text/html' },
      }),
      await runtime.call(`/v1/preferences?t=%22%3E%3Cscript%3Ealert(4)%3C%2Fscript%3E`, {
        headers: { accept: 'text/html' },
      }),
      await post(link, 'application/x-www-form-urlencoded', 'action=%3Cscript%3E', 'text/html'),
      await post(link, 'application/x-www-form-urlencoded', 'action=pause&days=%3Cscript%3E', 'text/html'),
    ];
    for (const response of pages) {
      const html = await response.text();
      expect(html).not.toMatch(/<script|<img|onerror|<b>/i);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('shows a forwarded link only a masked address and the choices: no name, company, stage or score', async () => {
    const { email, link } = await signUp('disclose', {
      firstName: 'Priya',
      lastName: 'Venkataraman',
      company: 'Zyxwv Industries',
      jobTitle: 'Chief Widget Officer',
      phone: '+44 20 7946 0000',
      buyingStage: 'comparing',
    });
    const html = await (await runtime.call(link, { headers: { accept: 'text/html' } })).text();
    for (const secret of [email, 'Priya', 'Venkataraman', 'Zyxwv', 'Widget', '7946', 'score']) {
      expect(html).not.toContain(secret);
    }
    const answer = await postJson(link, { action: 'track', track: 'customer', send: 'no' });
    const body = JSON.stringify(await answer.json());
    for (const secret of [email, 'Priya', 'Zyxwv', 'score', '"stage"']) expect(body).not.toContain(secret);
  });

  it('refuses other media types, malformed, non-object and oversize bodies, and duplicated fields, changing nothing', async () => {
    const { contactId, link } = await signUp('bodies');
    const before = await itemsOf(contactId);
    const cases: [string, string, number, string | undefined][] = [
      ['text/plain', 'action=unsubscribe', 415, undefined],
      ['application/json', '{"action":', 400, undefined],
      ['application/json', 'null', 400, '(body)'],
      ['application/json', '["unsubscribe"]', 400, '(body)'],
      ['application/json', '{"action":["pause","unsubscribe"]}', 400, 'action'],
      ['application/json', '{"action":"pause","days":[30]}', 400, 'days'],
      ['application/json', `{"action":"resume","pad":"${'x'.repeat(20_000)}"}`, 413, undefined],
      // Two answers to one question: which did the person mean? Neither is acted on.
      ['application/x-www-form-urlencoded', 'action=pause&days=30&action=unsubscribe', 400, 'action'],
      ['application/x-www-form-urlencoded', 'action=pause&days=30&days=90', 400, 'days'],
      [
        'application/x-www-form-urlencoded',
        'action=track&track=nurture&send=no&track=customer',
        400,
        'track',
      ],
    ];
    for (const [type, body, status, field] of cases) {
      const response = await post(link, type, body);
      expect({ body: body.slice(0, 60), status: response.status }).toEqual({
        body: body.slice(0, 60),
        status,
      });
      if (field) {
        const { error } = (await response.json()) as { error: { issues: { path: string }[] } };
        expect(error.issues.map((issue) => issue.path)).toEqual([field]);
      }
    }
    await runtime.settle();
    expect(await itemsOf(contactId)).toEqual(before);
    expect((await contactView(contactId)).stage).not.toBe('unsubscribed');
  });

  it('does not act on a HEAD or any method but GET and POST', async () => {
    const { contactId, link } = await signUp('methods');
    const before = await itemsOf(contactId);
    for (const method of ['HEAD', 'PUT', 'DELETE', 'PATCH']) {
      const response = await runtime.call(link, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'HEAD' ? {} : { body: '{"action":"unsubscribe"}' }),
      });
      expect(response.status).toBe(405);
    }
    await runtime.settle();
    expect(await itemsOf(contactId)).toEqual(before);
  });

  it('ends racing posts in one consistent state, with a record for each change that happened', async () => {
    const { contactId, link } = await signUp('race');
    const answers = await Promise.all([
      postJson(link, { action: 'pause', days: 30 }),
      postJson(link, { action: 'pause', days: 30 }),
      postJson(link, { action: 'track', track: 'nurture', send: 'no' }),
      postJson(link, { action: 'track', track: 'nurture', send: 'no' }),
      postJson(link, { action: 'track', track: 'recycle', send: 'no' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    await runtime.settle();
    const view = await contactView(contactId);
    expect(view.pausedUntil).toBeDefined();
    expect([...(view.tracksOff ?? [])].sort()).toEqual(['nurture', 'recycle']);
    const count = (action: string) => view.consentRecords.filter((record) => record.action === action).length;
    expect(count('paused')).toBe(1);
    expect(count('track_off')).toBe(2);
  });

  it('hands a contact to sales once when it says ready to talk several times at once', async () => {
    const { contactId, link } = await signUp('ready-race');
    const answers = await Promise.all(
      [1, 2, 3].map(() => postJson(link, { action: 'buying_stage', buyingStage: 'ready_to_talk' })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await runtime.settle();
    await runtime.advance('1h');
    expect((await contactView(contactId)).stage).toBe('sales_lead');
    expect(await busEventsOf(contactId, 'Sales Lead Ready')).toHaveLength(1);
    expect(await handoffMailsFor(contactId)).toHaveLength(1);
  });

  it('asks sales again when a contact sales passed back says once more it is ready to talk', async () => {
    const { contactId, link } = await signUp('recycled-ready');
    expect((await postJson(link, { action: 'buying_stage', buyingStage: 'ready_to_talk' })).status).toBe(200);
    await runtime.settle();
    expect((await contactView(contactId)).stage).toBe('sales_lead');
    const rejected = await runtime.call(`/v1/contacts/${contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'sales_rejected', reason: 'no_budget' },
    });
    expect(rejected.status).toBeLessThan(300);
    await runtime.settle();
    expect((await contactView(contactId)).stage).toBe('recycled');

    const again = await postJson(link, { action: 'buying_stage', buyingStage: 'ready_to_talk' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { changed: boolean }).changed).toBe(true);
    await runtime.settle();
    expect((await contactView(contactId)).stage).toBe('sales_lead');
    expect(await handoffMailsFor(contactId)).toHaveLength(2);
  });

  it('after an unsubscribe, no choice brings marketing email back, even racing it', async () => {
    const { contactId, link } = await signUp('unsub-then');
    expect((await postJson(link, { action: 'pause', days: 30 })).status).toBe(200);
    expect((await postJson(link, { action: 'track', track: 'nurture', send: 'no' })).status).toBe(200);
    await runtime.settle();
    const racing = await Promise.all([
      postJson(link, { action: 'unsubscribe' }),
      postJson(link, { action: 'resume' }),
      postJson(link, { action: 'track', track: 'nurture', send: 'yes' }),
    ]);
    expect(racing[0]?.status).toBe(200);
    await runtime.settle();
    const before = await itemsOf(contactId);
    for (const body of [
      { action: 'resume' },
      { action: 'track', track: 'nurture', send: 'yes' },
      { action: 'pause', days: 30 },
      { action: 'buying_stage', buyingStage: 'ready_to_talk' },
    ]) {
      expect((await postJson(link, body)).status).toBe(409);
    }
    await runtime.settle();
    expect(await itemsOf(contactId)).toEqual(before);
    await runtime.advance('60d');
    expect((await contactView(contactId)).stage).toBe('unsubscribed');
    expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome']);
    expect(await handoffMailsFor(contactId)).toHaveLength(0);
  });

  it('keeps a 90-day pause whole (past any timer limit), and sends the due step right after it ends', async () => {
    const { contactId, link } = await signUp('pause90');
    expect((await postJson(link, { action: 'pause', days: 90 })).status).toBe(200);
    await runtime.settle();
    const until = Date.parse((await contactView(contactId)).pausedUntil ?? '');
    for (const step of ['30d', '30d', '29d']) {
      await runtime.advance(step);
      expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome']);
    }
    await runtime.advance('2d');
    const [, next, ...more] = await mailTo(contactId);
    expect(more).toEqual([]);
    expect(next?.step).toBe('case-study');
    const sentAt = Date.parse(next?.sentAt ?? '');
    expect(sentAt).toBeGreaterThanOrEqual(until);
    expect(sentAt - until).toBeLessThan(86_400_000);
  });

  it('takes at most 20 changes a day from one link, then 429 with nothing changed; unsubscribing still works', async () => {
    const { contactId, link } = await signUp('flipper');
    for (let n = 0; n < 20; n++) {
      const answer = await postJson(link, {
        action: 'track',
        track: 'nurture',
        send: n % 2 === 0 ? 'no' : 'yes',
      });
      expect(answer.status).toBe(200);
    }
    await runtime.settle();
    const before = await itemsOf(contactId);
    const refused = await postJson(link, { action: 'track', track: 'nurture', send: 'no' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_changes' } });
    const page = await post(link, 'application/x-www-form-urlencoded', 'action=pause&days=30', 'text/html');
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('Too many changes today');
    await runtime.settle();
    expect(await itemsOf(contactId)).toEqual(before);

    // A new day takes changes again, and the way out never closes.
    await runtime.advance('1d');
    expect((await postJson(link, { action: 'pause', days: 30 })).status).toBe(200);
    for (let n = 0; n < 19; n++) {
      await postJson(link, { action: 'track', track: 'recycle', send: n % 2 === 0 ? 'no' : 'yes' });
    }
    expect((await postJson(link, { action: 'resume' })).status).toBe(429);
    expect((await postJson(link, { action: 'unsubscribe' })).status).toBe(200);
    expect((await contactView(contactId)).stage).toBe('unsubscribed');
  }, 90_000);
});
