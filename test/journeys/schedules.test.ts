import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../functions/domain/schedule.js';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';

const runtime = useRuntime({ env: journeyEnv });

interface ErrorBody {
  error: { code: string; issues: { path: string; message: string }[] };
}

const getSchedule = async (track: string) => {
  const response = await runtime.call(`/v1/schedules/${track}`, { admin: true });
  expect(response.status).toBe(200);
  return { etag: response.headers.get('etag'), schedule: (await response.json()) as Schedule };
};

const put = (track: string, body: unknown, ifMatch?: string) =>
  runtime.call(`/v1/schedules/${track}`, {
    method: 'PUT',
    admin: true,
    json: body,
    ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
  });

const stepsOf = ({ steps }: Schedule) => steps.map(({ id, delay, template }) => ({ id, delay, template }));

const submit = () => submitLead(runtime, { email: uniqueEmail('flight'), consent: true });

const contactView = async (contactId: string) =>
  (await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json()) as Record<
    'stage' | 'score' | 'stageHistory' | 'touches' | 'journey',
    unknown
  >;

const stepsSent = async (contactId: string) =>
  (await runtime.outbox()).filter((mail) => mail.contactId === contactId).map((mail) => mail.step);

describe('the schedules API', () => {
  it.each([
    ['GET', '/v1/schedules'],
    ['GET', '/v1/schedules/nurture'],
    ['PUT', '/v1/schedules/nurture'],
    ['GET', '/v1/schedules/nurture/versions'],
    ['POST', '/v1/schedules/nurture/preview'],
    ['GET', '/v1/templates'],
  ])('needs the admin token for %s %s', async (method, path) => {
    const headers = { 'if-match': '"0"', authorization: 'Bearer not-the-token' };
    const body = method === 'GET' ? {} : { json: { steps: [{ delay: '1d', template: 'welcome' }] } };
    expect((await runtime.call(path, { method, ...body })).status).toBe(401);
    expect((await runtime.call(path, { method, headers, ...body })).status).toBe(401);
  });

  it('lists the three tracks at their built-in version 0', async () => {
    const response = await runtime.call('/v1/schedules', { admin: true });
    const { schedules } = (await response.json()) as { schedules: Schedule[] };

    expect(schedules.map(({ track, version }) => [track, version])).toEqual([
      ['nurture', 0],
      ['recycle', 0],
      ['customer', 0],
    ]);
  });

  it('answers 404 for an unknown track', async () => {
    expect((await runtime.call('/v1/schedules/weekly', { admin: true })).status).toBe(404);
    expect((await runtime.call('/v1/schedules/weekly/versions', { admin: true })).status).toBe(404);
    expect((await put('weekly', { steps: [{ delay: '1d', template: 'welcome' }] }, '"0"')).status).toBe(404);
  });

  it('answers a track with its version as the ETag, and takes If-Match quoted or not', async () => {
    const { etag, schedule } = await getSchedule('customer');
    expect(etag).toBe(`"${schedule.version}"`);

    const published = await put('customer', { steps: stepsOf(schedule) }, String(schedule.version));

    expect(published.status).toBe(202);
    expect((await getSchedule('customer')).etag).toBe(`"${schedule.version + 1}"`);
  });

  it('needs If-Match to publish (428) and refuses a stale version (409)', async () => {
    const { schedule } = await getSchedule('customer');
    const draft = { steps: stepsOf(schedule) };

    const without = await put('customer', draft);
    const published = await put('customer', draft, `"${schedule.version}"`);
    const stale = await put('customer', draft, `"${schedule.version}"`);

    expect(without.status).toBe(428);
    expect(((await without.json()) as ErrorBody).error.code).toBe('precondition_required');
    expect(published.status).toBe(202);
    expect(published.headers.get('etag')).toBe(`"${schedule.version + 1}"`);
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as ErrorBody).error.code).toBe('version_conflict');
  });

  it('takes back the very object GET answered, edited, and checks If-Match before the body', async () => {
    const { etag, schedule } = await getSchedule('customer');
    const edited = structuredClone(schedule);
    (edited.steps[0] as { delay: string }).delay = '10d';
    // Read-only fields as GET gave them: track, version, updatedAt (and catchUp, once published).
    const published = await put(
      'customer',
      { ...edited, note: 'Wait longer before the thank-you' },
      etag ?? '',
    );
    expect(published.status).toBe(202);
    const again = (await published.json()) as Schedule;
    expect(again.steps[0]?.delay).toBe('10d');
    // Who published it (the local admin token's user) and why.
    expect(again).toMatchObject({
      publishedBy: { sub: 'local-admin' },
      note: 'Wait longer before the thank-you',
    });
    const roundTrip = await put('customer', again, `"${again.version}"`);
    expect(roundTrip.status).toBe(202);

    // A stale If-Match is a conflict whatever the body holds, even the body GET gave.
    const stale = await put('customer', { ...again, steps: 'not even steps' }, etag ?? '');
    expect(stale.status).toBe(409);

    // A read-only field that contradicts the resource is refused by name.
    const current = (await getSchedule('customer')).schedule;
    const elsewhere = await put('customer', { ...current, track: 'nurture' }, `"${current.version}"`);
    expect(elsewhere.status).toBe(400);
    expect(((await elsewhere.json()) as ErrorBody).error.issues).toContainEqual(
      expect.objectContaining({ path: 'track' }),
    );
    const future = await put(
      'customer',
      { ...current, version: current.version + 5 },
      `"${current.version}"`,
    );
    expect(future.status).toBe(400);
    expect(((await future.json()) as ErrorBody).error.issues).toContainEqual(
      expect.objectContaining({ path: 'version' }),
    );
  });

  it.each([
    ['an unknown template', { steps: [{ delay: '1d', template: 'spam-blast' }] }, 'steps.0.template'],
    ['a negative delay', { steps: [{ delay: '-2d', template: 'welcome' }] }, 'steps.0.delay'],
    ['an absurd delay', { steps: [{ delay: '900d', template: 'welcome' }] }, 'steps.0.delay'],
    ['a delay that is not one', { steps: [{ delay: 'soon', template: 'welcome' }] }, 'steps.0.delay'],
    [
      'a zero delay after the first step',
      {
        steps: [
          { delay: '0m', template: 'welcome' },
          { delay: '0m', template: 'nurture-how-to' },
        ],
      },
      'steps.1.delay',
    ],
    ['an empty schedule', { steps: [] }, 'steps'],
    [
      'too many steps',
      { steps: Array.from({ length: 21 }, () => ({ delay: '1d', template: 'welcome' })) },
      'steps',
    ],
    [
      'a bad time zone',
      { timezone: 'Mars/Olympus', steps: [{ delay: '1d', template: 'welcome' }] },
      'timezone',
    ],
    [
      'a window that ends before it starts',
      { steps: [{ delay: '1d', template: 'welcome', window: { days: [1], hours: { from: 17, to: 9 } } }] },
      'steps.0.window.hours',
    ],
    [
      'a window in a time zone that is not one',
      {
        steps: [
          {
            delay: '1d',
            template: 'welcome',
            window: { days: [1], hours: { from: 9, to: 17 }, timezone: 'Moon/Base' },
          },
        ],
      },
      'steps.0.window.timezone',
    ],
    [
      'a line break in a subject',
      { steps: [{ delay: '1d', template: 'welcome', subject: 'Hi\r\nBcc: x@y.z' }] },
      'steps.0.subject',
    ],
    [
      'a repeated step id',
      {
        steps: [
          { id: 'a', delay: '1d', template: 'welcome' },
          { id: 'a', delay: '1d', template: 'nurture-how-to' },
        ],
      },
      'steps.1.id',
    ],
  ])('refuses %s, naming the field, and publishes nothing', async (_case, draft, path) => {
    const before = await getSchedule('recycle');

    const response = await put('recycle', draft, `"${before.schedule.version}"`);

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('validation_failed');
    expect(error.issues.map((issue) => issue.path)).toContain(path);
    expect(await getSchedule('recycle')).toEqual(before);
  });

  it('keeps every version, newest first, and rolls back by publishing an old version again', async () => {
    const { schedule: original } = await getSchedule('recycle');
    const edited = await put(
      'recycle',
      { steps: [{ id: 'check-in', delay: '7d', template: 'recycle-checkin', subject: 'Still there?' }] },
      `"${original.version}"`,
    );
    const editedVersion = ((await edited.json()) as Schedule).version;

    const rollback = await put('recycle', { steps: original.steps }, `"${editedVersion}"`);
    const { versions } = (await (
      await runtime.call('/v1/schedules/recycle/versions', { admin: true })
    ).json()) as {
      versions: Schedule[];
    };

    expect(rollback.status).toBe(202);
    const current = (await rollback.json()) as Schedule;
    expect(current.version).toBe(editedVersion + 1);
    expect(current.steps).toEqual(original.steps);
    expect(versions.map((version) => version.version)).toEqual([
      editedVersion + 1,
      editedVersion,
      original.version,
    ]);
    expect(versions[1]?.steps[0]?.subject).toBe('Still there?');
  });

  it('lists the templates a step may use', async () => {
    const { templates } = (await (await runtime.call('/v1/templates', { admin: true })).json()) as {
      templates: { name: string; kind: string }[];
    };
    expect(templates).toContainEqual(expect.objectContaining({ name: 'nurture-how-to', kind: 'marketing' }));
  });
});

describe('contacts in flight follow the newest version', () => {
  // One suite, one clock: each test edits the nurture track for contacts that are waiting on it.
  it('sends at once a step whose shortened delay has already passed, and later ones on the new timing', async () => {
    const contactId = await submit();
    await runtime.advance('1d');
    const { schedule } = await getSchedule('nurture');
    const steps = stepsOf(schedule).map((step) =>
      step.id === 'case-study' ? { ...step, delay: '12h' } : step,
    );

    const published = await put('nurture', { steps }, `"${schedule.version}"`);
    // Catch-up sends are spread over a minute per 60 contacts reached.
    await runtime.advance('1m');

    expect(published.status).toBe(202);
    expect(await stepsSent(contactId)).toEqual(['welcome', 'case-study']);
    await put('nurture', { steps: stepsOf(schedule) }, `"${schedule.version + 1}"`);
  });

  it('counts a lengthened delay from the previous touch', async () => {
    const contactId = await submit();
    const { schedule } = await getSchedule('nurture');
    const steps = stepsOf(schedule).map((step) =>
      step.id === 'case-study' ? { ...step, delay: '10d' } : step,
    );
    const before = await contactView(contactId);
    await put('nurture', { steps }, `"${schedule.version}"`);
    await runtime.settle();

    // The journey planned again: no touch, no score, no stage move, the delay's anchor unmoved.
    const after = await contactView(contactId);
    for (const field of ['stage', 'score', 'stageHistory', 'touches', 'journey'] as const) {
      expect(after[field]).toEqual(before[field]);
    }

    await runtime.advance('9d');
    expect(await stepsSent(contactId)).toEqual(['welcome']);
    await runtime.advance('1d');
    expect(await stepsSent(contactId)).toEqual(['welcome', 'case-study']);
    await put('nurture', { steps: stepsOf(schedule) }, `"${schedule.version + 1}"`);
  });

  it('skips a removed step and never sends a step twice', async () => {
    const contactId = await submit();
    const { schedule } = await getSchedule('nurture');
    const without = stepsOf(schedule).filter((step) => step.id !== 'case-study');
    await put('nurture', { steps: without }, `"${schedule.version}"`);
    await runtime.settle();

    await runtime.advance('60d');
    await put('nurture', { steps: stepsOf(schedule) }, `"${schedule.version + 1}"`);
    await runtime.settle();
    await runtime.advance('30d');

    const sent = await stepsSent(contactId);
    expect(sent).toEqual(without.map((step) => step.id));
    expect(new Set(sent).size).toBe(sent.length);
  });

  it('keeps step ids when a draft leaves them out, so a contact gets no step a second time', async () => {
    const contactId = await submit();
    await runtime.advance('3d');
    expect(await stepsSent(contactId)).toEqual(['welcome', 'case-study']);
    const { schedule } = await getSchedule('nurture');

    const published = await put(
      'nurture',
      { steps: schedule.steps.map(({ delay, template }) => ({ delay, template })) },
      `"${schedule.version}"`,
    );
    await runtime.settle();
    await runtime.advance('4d');

    expect(stepsOf((await published.json()) as Schedule)).toEqual(stepsOf(schedule));
    expect(await stepsSent(contactId)).toEqual(['welcome', 'case-study', 'how-to']);
  });

  it('never sends more than the frequency cap, 3 emails in any 7 days', async () => {
    const { schedule } = await getSchedule('nurture');
    const daily = [
      'welcome',
      'nurture-case-study',
      'nurture-how-to',
      'nurture-checklist',
      'nurture-demo-invite',
    ];
    await put(
      'nurture',
      { steps: daily.map((template, i) => ({ delay: i === 0 ? '0m' : '1d', template })) },
      `"${schedule.version}"`,
    );
    const contactId = await submit();
    const { createdAt } = (await (
      await runtime.call(`/v1/contacts/${contactId}`, { admin: true })
    ).json()) as {
      createdAt: string;
    };

    await runtime.advance('20d');

    const days = (await runtime.outbox())
      .filter((mail) => mail.contactId === contactId)
      .map((mail) => Math.round((Date.parse(mail.sentAt) - Date.parse(createdAt)) / 86_400_000));
    expect(days).toEqual([0, 1, 2, 7, 8]);
    await put('nurture', { steps: stepsOf(schedule) }, `"${schedule.version + 1}"`);
  });
});

describe('preview before publish', () => {
  it('predicts what publishing then really sends, and sends and changes nothing itself', async () => {
    const first = await submit();
    await runtime.advance('2d');
    await submit();
    await runtime.advance('2d');
    await submit();
    await runtime.advance('1h');
    const { schedule } = await getSchedule('nurture');
    // Shorter delays, and no checklist: the three new contacts have not had it yet.
    const draft = {
      steps: stepsOf(schedule)
        .filter((step) => step.id !== 'checklist')
        .map((step, i) => (i === 0 ? step : { ...step, delay: i < 3 ? '1d' : '2d' })),
    };
    const outboxBefore = await runtime.outbox();
    const contactBefore = await (await runtime.call(`/v1/contacts/${first}`, { admin: true })).json();

    const response = await runtime.call('/v1/schedules/nurture/preview', {
      method: 'POST',
      admin: true,
      json: draft,
    });
    const preview = (await response.json()) as {
      inFlight: number;
      dueNow: number;
      next7Days: number;
      next30Days: number;
      skippingSteps: number;
      examples: { label: string; current: { stepId: string } | null; draft: { stepId: string } | null }[];
    };
    await runtime.settle();

    expect(response.status).toBe(200);
    expect(await runtime.outbox()).toEqual(outboxBefore);
    expect(await (await runtime.call(`/v1/contacts/${first}`, { admin: true })).json()).toEqual(
      contactBefore,
    );
    expect((await getSchedule('nurture')).schedule.version).toBe(schedule.version);
    expect(preview.inFlight).toBeGreaterThanOrEqual(3);
    expect(preview.dueNow).toBeGreaterThan(0);
    expect(preview.skippingSteps).toBeGreaterThanOrEqual(3);
    expect(preview.skippingSteps).toBeLessThanOrEqual(preview.inFlight);
    expect(preview.examples.length).toBeGreaterThan(0);
    // Marketing sees when, not whom: no contact id to act as the contact with.
    expect(JSON.stringify(preview)).not.toContain(first);

    const publishedAt = Date.parse(
      ((await (await runtime.call('/_local/clock')).json()) as { now: string }).now,
    );
    await put('nurture', draft, `"${schedule.version}"`);
    const sentSince = async () =>
      (await runtime.outbox()).filter((mail) => Date.parse(mail.sentAt) >= publishedAt);
    const sendsSince = async () => (await sentSince()).length;
    const catchUpMinutes = Math.ceil(preview.inFlight / 60);
    await runtime.advance(`${catchUpMinutes}m`);
    const dueNow = await sendsSince();
    await runtime.advance(`${7 * 24 * 60 - catchUpMinutes}m`);
    const next7Days = await sendsSince();
    await runtime.advance('23d');
    const next30Days = await sendsSince();
    const skipped = (await sentSince()).filter(
      (mail) => mail.track === 'nurture' && mail.step === 'checklist',
    );

    expect({ dueNow, next7Days, next30Days }).toEqual({
      dueNow: preview.dueNow,
      next7Days: preview.next7Days,
      next30Days: preview.next30Days,
    });
    expect(skipped).toEqual([]);
    await put('nurture', { steps: stepsOf(schedule) }, `"${schedule.version + 1}"`);
    // Days of virtual time on a shared runtime: room for a busy machine.
  }, 60_000);
});
