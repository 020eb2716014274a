import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import {
  busEventsOf as busEvents,
  handoffMailsFor as handoffMails,
  mailTo as mailsOf,
  parseMail,
  signUpWithLink,
} from '../support/mail-links.js';
import { allTableItems } from '../support/table-keys.js';

const day = 86_400_000;
const runtime = useRuntime({ env: journeyEnv });

interface ContactBody {
  stage: string;
  score: number;
  buyingStage?: string;
  pausedUntil?: string;
  tracksOff?: string[];
  emailTracks: Record<string, boolean>;
  consentRecords: { action: string; method: string; until?: string; track?: string }[];
}

/** A consenting lead (single opt-in here), with its welcome email sent and nothing else. */
const signUp = async (label: string, fields: Record<string, unknown> = {}) => {
  const { mails, ...lead } = await signUpWithLink(runtime, uniqueEmail(`prefs.${label}`), fields);
  expect(mails).toHaveLength(1);
  return lead;
};

const mailTo = (contactId: string) => mailsOf(runtime, contactId);

const parse = parseMail;

const unsubscribeHeaderOf = (mail: Awaited<ReturnType<typeof parse>>) =>
  mail.headerLines.find((header) => header.key === 'list-unsubscribe')?.line ?? '';

/** The contact's records of one action; records made at one instant of the manual clock come in any order. */
const recordsOf = (view: ContactBody, action: string) =>
  view.consentRecords.filter((record) => record.action === action);

const contactView = async (contactId: string): Promise<ContactBody> => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as ContactBody;
};

/** The page's own form post: form-encoded, from a browser. */
const postForm = async (link: string, fields: Record<string, string>) => {
  const response = await runtime.call(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });
  await runtime.settle();
  return response;
};

const postJson = async (link: string, json: Record<string, unknown>) => {
  const response = await runtime.call(link, { method: 'POST', json });
  await runtime.settle();
  return response;
};

const busEventsOf = (contactId: string, detailType: string) => busEvents(runtime, contactId, detailType);

const handoffMailsFor = (contactId: string) => handoffMails(runtime, contactId);

/** A token with one character of its payload changed: still well-formed, no longer ours. */
const tampered = (link: string) => {
  const url = new URL(link, runtime.url);
  const token = url.searchParams.get('t') ?? '';
  url.searchParams.set('t', `${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}`);
  return `${url.pathname}${url.search}`;
};

describe('the preferences link', () => {
  it('is in every marketing email, beside unsubscribe, and its GET shows the choices and changes nothing', async () => {
    const { email, welcome, link } = await signUp('shown');
    const mail = await parse(welcome);
    expect(String(mail.html)).toContain('Manage preferences');
    expect(mail.text).toContain(new URL(link, runtime.url).href);
    // The one-click header stays the unsubscribe link.
    expect(unsubscribeHeaderOf(mail)).toMatch(/\/v1\/unsubscribe\?t=/);

    const before = await allTableItems(runtime);
    // A mail scanner's prefetch, twice.
    for (const accept of ['text/html', '*/*']) {
      const response = await runtime.call(link, { headers: { accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      expect(html).not.toContain(email);
      expect(html).toContain('p***@example.com');
      expect(html).toContain('<form method="post" action="?t=');
      for (const choice of [
        'Ready to talk to sales',
        'Pause for 30 days',
        'Pause for 90 days',
        'Unsubscribe',
      ]) {
        expect(html).toContain(choice);
      }
      expect(html).toContain('Guides and customer stories while you evaluate');
      expect(html).toContain('An occasional check-in after a while');
      expect(html).toContain('News and tips for customers');
    }
    await runtime.settle();
    expect(await allTableItems(runtime)).toEqual(before);
  });

  it('refuses a tampered, forged, foreign or missing token with a clear error, and changes nothing', async () => {
    const { contactId, welcome, link } = await signUp('forged');
    const unsubscribeLink = /<(http[^>]+)>/.exec(unsubscribeHeaderOf(await parse(welcome)))?.[1] ?? '';
    const unsubscribeToken = new URL(unsubscribeLink).searchParams.get('t');
    const before = await allTableItems(runtime);
    const bad = [
      tampered(link),
      `${link}x`,
      // A genuine unsubscribe token is for unsubscribing only.
      `/v1/preferences?t=${unsubscribeToken}`,
      '/v1/preferences',
    ];
    for (const path of bad) {
      const page = await runtime.call(path, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('This preferences link is not valid');
      const posted = await runtime.call(path, { method: 'POST', json: { action: 'unsubscribe' } });
      expect(posted.status).toBe(400);
      expect(((await posted.json()) as { error: { code: string; issues: unknown[] } }).error).toEqual({
        code: 'invalid_token',
        message: expect.any(String),
        issues: [{ path: 't', message: expect.any(String) }],
      });
      const form = await postForm(path, { action: 'buying_stage', buyingStage: 'ready_to_talk' });
      expect(form.status).toBe(400);
    }
    await runtime.settle();
    expect(await allTableItems(runtime)).toEqual(before);
    expect((await contactView(contactId)).stage).toBe('name');
  });

  it('pauses email for 30 days: nothing goes out meanwhile, and the journey picks up when the pause ends', async () => {
    const { contactId, link } = await signUp('paused');
    const response = await postForm(link, { action: 'pause', days: '30' });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('Preferences saved');
    expect(page).toMatch(/paused until \d{1,2} \w+ \d{4}/);
    expect(page).toContain('Resume now');

    const paused = await contactView(contactId);
    const until = Date.parse(paused.pausedUntil ?? '');
    expect(until).toBeGreaterThan(Date.now() - day);
    expect(recordsOf(paused, 'paused')).toEqual([
      expect.objectContaining({ method: 'preferences_page', until: paused.pausedUntil }),
    ]);

    await runtime.advance('29d');
    expect(await mailTo(contactId)).toHaveLength(1);
    await runtime.advance('3d');
    const [, next, ...more] = await mailTo(contactId);
    expect(more).toEqual([]);
    // The case study fell due during the pause: it goes when the pause ends, not a month later.
    expect(next).toMatchObject({ track: 'nurture', step: 'case-study' });
    const sentAt = Date.parse(next?.sentAt ?? '');
    expect(sentAt).toBeGreaterThanOrEqual(until);
    expect(sentAt - until).toBeLessThan(day);
  });

  it('resumes at once when the contact says so', async () => {
    const { contactId, link } = await signUp('resumed');
    expect((await postJson(link, { action: 'pause', days: 90 })).status).toBe(200);
    await runtime.advance('10d');
    expect(await mailTo(contactId)).toHaveLength(1);

    const resumed = await postForm(link, { action: 'resume' });
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toContain('back on');
    expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome', 'case-study']);
    const view = await contactView(contactId);
    expect(view.pausedUntil).toBeUndefined();
    expect(recordsOf(view, 'paused')).toHaveLength(1);
    expect(recordsOf(view, 'resumed')).toEqual([expect.objectContaining({ method: 'preferences_page' })]);
  });

  it('sends nothing on a track the contact turned off, and picks up where it was when it is back on', async () => {
    const { contactId, link } = await signUp('tracks');
    const off = await postJson(link, { action: 'track', track: 'nurture', send: false });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({
      changed: true,
      preferences: {
        buyingStage: null,
        pausedUntil: null,
        tracks: { nurture: false, recycle: true, customer: true },
      },
    });
    const view = await contactView(contactId);
    expect(view.tracksOff).toEqual(['nurture']);
    expect(view.emailTracks).toEqual({ nurture: false, recycle: true, customer: true });
    expect(recordsOf(view, 'track_off')).toEqual([expect.objectContaining({ track: 'nurture' })]);

    await runtime.advance('30d');
    expect(await mailTo(contactId)).toHaveLength(1);
    expect(await (await runtime.call(link, { headers: { accept: 'text/html' } })).text()).toContain(
      'Guides and customer stories while you evaluate: turned off',
    );

    const on = await postForm(link, { action: 'track', track: 'nurture', send: 'yes' });
    expect(on.status).toBe(200);
    expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome', 'case-study']);
    expect((await contactView(contactId)).emailTracks.nurture).toBe(true);
  });

  it('hands a contact ready to talk to sales once, as a form would, without scoring it', async () => {
    const { contactId, link } = await signUp('ready', { lastName: 'Ng', company: 'Acme Corp' });
    const { score } = await contactView(contactId);

    const response = await postForm(link, { action: 'buying_stage', buyingStage: 'ready_to_talk' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('sales team will be in touch');
    const view = await contactView(contactId);
    expect(view).toMatchObject({ stage: 'sales_lead', buyingStage: 'ready_to_talk', score });
    expect(await busEventsOf(contactId, 'Sales Lead Ready')).toHaveLength(1);
    expect(await handoffMailsFor(contactId)).toHaveLength(1);

    // Said again, it changes nothing and tells sales nothing more.
    const again = await postJson(link, { action: 'buying_stage', buyingStage: 'ready_to_talk' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { changed: boolean }).changed).toBe(false);
    await runtime.advance('1h');
    expect(await busEventsOf(contactId, 'Sales Lead Ready')).toHaveLength(1);
    expect(await handoffMailsFor(contactId)).toHaveLength(1);
    expect(await contactView(contactId)).toMatchObject({ stage: 'sales_lead', score });
  });

  it('unsubscribes as the unsubscribe link does', async () => {
    const { contactId, link } = await signUp('unsubscribed');
    const response = await postForm(link, { action: 'unsubscribe' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    const view = await contactView(contactId);
    expect(view.stage).toBe('unsubscribed');
    expect(recordsOf(view, 'withdrawn')).toEqual([expect.objectContaining({ method: 'preferences_page' })]);

    await runtime.advance('30d');
    expect(await mailTo(contactId)).toHaveLength(1);
    expect(await (await runtime.call(link, { headers: { accept: 'text/html' } })).text()).toContain(
      'is unsubscribed',
    );
    const pause = await postJson(link, { action: 'pause', days: 30 });
    expect(pause.status).toBe(409);
  });

  it('refuses an invalid value with 400 naming the field, and changes nothing', async () => {
    const { link } = await signUp('invalid');
    const before = await allTableItems(runtime);
    const cases: [Record<string, string | number>, string][] = [
      [{ action: 'pause', days: 45 }, 'days'],
      [{ action: 'buying_stage', buyingStage: 'hot' }, 'buyingStage'],
      [{ action: 'track', track: 'newsletter', send: 'no' }, 'track'],
      [{ action: 'track', track: 'nurture', send: 'maybe' }, 'send'],
      [{ action: 'stop_everything' }, 'action'],
    ];
    for (const [body, field] of cases) {
      const response = await postJson(link, body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
      expect(error.code).toBe('validation_failed');
      expect(error.issues.map((issue) => issue.path)).toEqual([field]);
    }
    const page = await postForm(link, { action: 'pause', days: '7' });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('days: must be one of 30, 90');
    expect(await allTableItems(runtime)).toEqual(before);
  });

  it('does nothing twice when the same choice is posted again', async () => {
    const { contactId, link } = await signUp('twice');
    expect((await postForm(link, { action: 'pause', days: '30' })).status).toBe(200);
    expect((await postForm(link, { action: 'track', track: 'customer', send: 'no' })).status).toBe(200);
    const before = await allTableItems(runtime);

    const pause = await postForm(link, { action: 'pause', days: '30' });
    expect(pause.status).toBe(200);
    expect(await pause.text()).toContain('No change');
    const track = await postJson(link, { action: 'track', track: 'customer', send: 'no' });
    expect(((await track.json()) as { changed: boolean }).changed).toBe(false);
    const resume = await postJson(link, { action: 'resume' });
    expect(((await resume.json()) as { changed: boolean }).changed).toBe(true);
    const resumeAgain = await postJson(link, { action: 'resume' });
    expect(((await resumeAgain.json()) as { changed: boolean }).changed).toBe(false);

    const view = await contactView(contactId);
    for (const action of ['paused', 'track_off', 'resumed']) expect(recordsOf(view, action)).toHaveLength(1);
    // Only the resume wrote anything after the first round.
    const after = await allTableItems(runtime);
    const keys = (items: Record<string, unknown>[]) => new Set(items.map((item) => `${item.pk} ${item.sk}`));
    const added = [...keys(after)].filter((key) => !keys(before).has(key));
    expect(added).toEqual([expect.stringMatching(/^CONTACT#.* CONSENT#/)]);
  });
});
