import { describe, expect, it } from 'vitest';
import { contactTimeZone, nextInWindow, nextTouch } from '../../functions/domain/journey.js';
import { defaultDeliveryLimits, defaultSchedules, type Schedule } from '../../functions/domain/schedule.js';
import { maxSteps, parseDraft } from '../../functions/domain/schedule-draft.js';

const now = new Date('2026-11-23T10:00:00.000Z');

describe('parseDraft', () => {
  it('makes the next version, unnamed steps taking their template’s id and given ids kept', () => {
    const parsed = parseDraft(
      {
        timezone: 'Europe/Berlin',
        steps: [
          { delay: '0m', template: 'welcome' },
          { id: 'case-study', delay: '3d', template: 'nurture-case-study' },
          { delay: '2d', template: 'nurture-how-to' },
          { delay: '2d', template: 'nurture-how-to', subject: 'One more tip' },
        ],
      },
      'nurture',
      defaultSchedules.nurture,
      now,
    );

    expect(parsed).toEqual({
      ok: true,
      value: {
        track: 'nurture',
        version: 1,
        timezone: 'Europe/Berlin',
        updatedAt: now.toISOString(),
        steps: [
          { id: 'welcome', delay: '0m', template: 'welcome' },
          { id: 'case-study', delay: '3d', template: 'nurture-case-study' },
          { id: 'how-to', delay: '2d', template: 'nurture-how-to' },
          { id: 'nurture-how-to', delay: '2d', template: 'nurture-how-to', subject: 'One more tip' },
        ],
      },
    });
  });

  it('keeps the current time zone when the draft names none', () => {
    const parsed = parseDraft(
      { steps: [{ delay: '1d', template: 'welcome' }] },
      'nurture',
      defaultSchedules.nurture,
      now,
    );
    expect(parsed.ok && parsed.value.timezone).toBe('UTC');
  });
});

describe('step ids across versions', () => {
  const stepIds = (input: unknown, history: Schedule[]) => {
    const [current] = history;
    if (!current) throw new Error('history must hold the current version');
    const parsed = parseDraft(input, current.track, current, now, history);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return parsed.value.steps.map((step) => step.id);
  };
  const unnamed = (...templates: string[]) => ({
    steps: templates.map((template, i) => ({ delay: i === 0 ? '0m' : '2d', template })),
  });

  it('gives an unnamed step the id its template has now, so no contact gets it again', () => {
    expect(
      stepIds(unnamed('welcome', 'nurture-case-study', 'nurture-how-to'), [defaultSchedules.nurture]),
    ).toEqual(['welcome', 'case-study', 'how-to']);
  });

  it('gives a step re-added without an id the id it had in the newest version that used it', () => {
    const withoutHowTo: Schedule = {
      ...defaultSchedules.nurture,
      version: 1,
      steps: defaultSchedules.nurture.steps.filter((step) => step.id !== 'how-to'),
    };
    expect(stepIds(unnamed('welcome', 'nurture-how-to'), [withoutHowTo, defaultSchedules.nurture])).toEqual([
      'welcome',
      'how-to',
    ]);
  });

  it('names a template new to the track after the template, numbered when it repeats', () => {
    expect(
      stepIds(unnamed('welcome', 'recycle-checkin', 'recycle-checkin', 'recycle-checkin'), [
        defaultSchedules.nurture,
      ]),
    ).toEqual(['welcome', 'recycle-checkin', 'recycle-checkin-2', 'recycle-checkin-3']);
  });

  it('lets an explicit new id make a template a new step, and never hands a taken id to another', () => {
    const draft = {
      steps: [
        { delay: '0m', template: 'welcome' },
        { id: 'welcome-again', delay: '2d', template: 'welcome' },
        { id: 'how-to', delay: '2d', template: 'nurture-checklist' },
        { delay: '2d', template: 'nurture-how-to' },
      ],
    };
    expect(stepIds(draft, [defaultSchedules.nurture])).toEqual([
      'welcome',
      'welcome-again',
      'how-to',
      'nurture-how-to',
    ]);
  });
});

describe('draft validation', () => {
  const step = { delay: '1d', template: 'welcome' };
  const issuesOf = (input: unknown) => {
    const parsed = parseDraft(input, 'nurture', defaultSchedules.nurture, now);
    return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
  };

  it.each([
    ['a body that is not an object', 'steps', '(body)'],
    ['no steps field', {}, 'steps'],
    ['an empty schedule', { steps: [] }, 'steps'],
    ['too many steps', { steps: Array.from({ length: maxSteps + 1 }, () => step) }, 'steps'],
    ['an unknown template', { steps: [{ ...step, template: 'spam-blast' }] }, 'steps.0.template'],
    ['a missing template', { steps: [{ delay: '1d' }] }, 'steps.0.template'],
    ['a missing delay', { steps: [{ template: 'welcome' }] }, 'steps.0.delay'],
    ['a negative delay', { steps: [{ ...step, delay: '-2d' }] }, 'steps.0.delay'],
    ['a delay past 365 days', { steps: [{ ...step, delay: '366d' }] }, 'steps.0.delay'],
    ['a delay in years of weeks', { steps: [{ ...step, delay: '60w' }] }, 'steps.0.delay'],
    ['a delay that is not one', { steps: [{ ...step, delay: 'soon' }] }, 'steps.0.delay'],
    ['a numeric delay', { steps: [{ ...step, delay: 86400 }] }, 'steps.0.delay'],
    ['a zero delay after the first step', { steps: [step, { ...step, delay: '0m' }] }, 'steps.1.delay'],
    ['a bad schedule time zone', { timezone: 'Mars/Olympus', steps: [step] }, 'timezone'],
    ['an unknown field', { steps: [step], owner: 'me' }, 'owner'],
    ['an unknown step field', { steps: [{ ...step, cc: 'x@y.z' }] }, 'steps.0.cc'],
    ['a bad step id', { steps: [{ ...step, id: 'Case Study!' }] }, 'steps.0.id'],
    [
      'a repeated step id',
      {
        steps: [
          { ...step, id: 'a' },
          { ...step, id: 'a', template: 'nurture-how-to' },
        ],
      },
      'steps.1.id',
    ],
    ['a CR/LF in a subject', { steps: [{ ...step, subject: 'Hi\r\nBcc: x@y.z' }] }, 'steps.0.subject'],
    ['a lone LF in a subject', { steps: [{ ...step, subject: 'Hi\nthere' }] }, 'steps.0.subject'],
    ['a blank subject', { steps: [{ ...step, subject: '   ' }] }, 'steps.0.subject'],
    ['an overlong subject', { steps: [{ ...step, subject: 'x'.repeat(201) }] }, 'steps.0.subject'],
    [
      'a window weekday past Saturday',
      { steps: [{ ...step, window: { days: [1, 7], hours: { from: 9, to: 17 } } }] },
      'steps.0.window.days.1',
    ],
    [
      'a window with no weekday',
      { steps: [{ ...step, window: { days: [], hours: { from: 9, to: 17 } } }] },
      'steps.0.window.days',
    ],
    [
      'a window repeating a weekday',
      { steps: [{ ...step, window: { days: [1, 1], hours: { from: 9, to: 17 } } }] },
      'steps.0.window.days',
    ],
    [
      'a window that ends before it starts',
      { steps: [{ ...step, window: { days: [1], hours: { from: 17, to: 9 } } }] },
      'steps.0.window.hours',
    ],
    [
      'a window hour past midnight',
      { steps: [{ ...step, window: { days: [1], hours: { from: 9, to: 25 } } }] },
      'steps.0.window.hours.to',
    ],
    ['a window without hours', { steps: [{ ...step, window: { days: [1] } }] }, 'steps.0.window.hours'],
    [
      'a bad window time zone',
      { steps: [{ ...step, window: { days: [1], hours: { from: 9, to: 17 }, timezone: 'Berlin' } }] },
      'steps.0.window.timezone',
    ],
  ])('refuses %s, naming the field', (_case, input, path) => {
    expect(issuesOf(input)).toContain(path);
  });

  it('accepts a zero delay on the first step, the limits themselves, and a window in its own zone', () => {
    const window = { days: [1, 2, 3, 4, 5], hours: { from: 0, to: 24 }, timezone: 'America/New_York' };
    const steps = [
      { delay: '0m', template: 'welcome' },
      { delay: '365d', template: 'nurture-how-to', subject: '  Trimmed  ', window },
      ...Array.from({ length: maxSteps - 2 }, (_, i) => ({ id: `s${i}`, delay: '1d', template: 'welcome' })),
    ];
    const parsed = parseDraft({ steps }, 'nurture', defaultSchedules.nurture, now);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value.steps[1]).toEqual({
      id: 'how-to',
      delay: '365d',
      template: 'nurture-how-to',
      subject: 'Trimmed',
      window,
    });
  });

  it('reports every invalid field at once, cross-step rules included', () => {
    expect(
      issuesOf({
        timezone: 'Nowhere/Land',
        steps: [
          { id: 'a', delay: '0m', template: 'nope' },
          { id: 'a', delay: '0m', template: 'welcome' },
        ],
      }),
    ).toEqual(['timezone', 'steps.0.template', 'steps.1.id', 'steps.1.delay']);
  });
});

describe('nextTouch after an edit', () => {
  const schedule = defaultSchedules.nurture;
  const anchorAt = new Date(now.getTime() - 86_400_000).toISOString();

  it('skips a step inserted behind the furthest step sent', () => {
    const touch = nextTouch(schedule, new Set(['welcome', 'how-to']), anchorAt, now, true);
    expect(touch.send).toBeUndefined();
    expect(touch.waitMs).toBe(6 * 86_400_000);
  });

  it('sends at once a step whose delay has already passed', () => {
    const shortened = {
      ...schedule,
      steps: schedule.steps.map((s) => (s.id === 'case-study' ? { ...s, delay: '12h' } : s)),
    };
    expect(nextTouch(shortened, new Set(['welcome']), anchorAt, now, true).send?.id).toBe('case-study');
  });

  it('spreads the catch-up sends of an edit over its window, each contact at a fixed offset', () => {
    const shortened = {
      ...schedule,
      steps: schedule.steps.map((s) => (s.id === 'case-study' ? { ...s, delay: '12h' } : s)),
      catchUp: { from: now.toISOString(), spreadMs: 10 * 60_000 },
    };
    const waits = ['a', 'b', 'c', 'd', 'e', 'f'].map(
      (contactId) =>
        nextTouch(shortened, new Set(['welcome']), anchorAt, now, true, {
          contactId,
          recentSends: [],
          limits: defaultDeliveryLimits,
        }).waitMs,
    );
    for (const wait of waits) expect(wait).toBeLessThan(10 * 60_000);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it('holds a step that would break the frequency cap until the oldest send leaves the window', () => {
    const day = 86_400_000;
    const recentSends = [6, 4, 1].map((daysAgo) => new Date(now.getTime() - daysAgo * day).toISOString());
    const dueNow = {
      ...schedule,
      steps: schedule.steps.map((s) => (s.id === 'case-study' ? { ...s, delay: '1h' } : s)),
    };
    const bounds = { contactId: 'a', recentSends, limits: defaultDeliveryLimits };

    const touch = nextTouch(dueNow, new Set(['welcome']), anchorAt, now, true, bounds);

    expect(touch.send).toBeUndefined();
    expect(touch.waitMs).toBe(1 * day);
    expect(
      nextTouch(dueNow, new Set(['welcome']), anchorAt, now, true, { ...bounds, recentSends: [] }).send?.id,
    ).toBe('case-study');
  });
});

describe('send windows', () => {
  const weekdaysNineToFive = { days: [1, 2, 3, 4, 5], hours: { from: 9, to: 17 } };

  it('keeps a time inside the window', () => {
    const monday10 = Date.parse('2026-11-23T10:00:00.000Z');
    expect(nextInWindow(monday10, weekdaysNineToFive, 'UTC')).toBe(monday10);
  });

  it('moves a Saturday send to Monday 9:00 in the schedule’s time zone', () => {
    const saturday = Date.parse('2026-11-28T12:00:00.000Z');
    expect(new Date(nextInWindow(saturday, weekdaysNineToFive, 'Europe/Berlin')).toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
  });

  it('holds a due step until its window opens', () => {
    const schedule = {
      ...defaultSchedules.nurture,
      steps: [{ id: 'welcome', delay: '0m', template: 'welcome', window: weekdaysNineToFive }],
    };
    const friday18 = new Date('2026-11-27T18:00:00.000Z');
    const touch = nextTouch(schedule, new Set(), friday18.toISOString(), friday18, true);
    expect(touch.send).toBeUndefined();
    expect(touch.waitMs).toBe(Date.parse('2026-11-30T09:00:00.000Z') - friday18.getTime());
  });

  it('reads the window in the contact’s own time zone when it gave one', () => {
    const schedule = {
      ...defaultSchedules.nurture,
      steps: [{ id: 'welcome', delay: '0m', template: 'welcome', window: weekdaysNineToFive }],
    };
    const monday8utc = new Date('2026-11-30T08:00:00.000Z');
    const timeZone = contactTimeZone({ timezone: 'America/New_York' });
    const touch = nextTouch(schedule, new Set(), monday8utc.toISOString(), monday8utc, true, {
      contactId: 'a',
      timeZone,
      recentSends: [],
      limits: defaultDeliveryLimits,
    });
    expect(timeZone).toBe('America/New_York');
    expect(contactTimeZone({ timezone: 'Mars/Olympus' })).toBeUndefined();
    expect(touch.waitMs).toBe(Date.parse('2026-11-30T14:00:00.000Z') - monday8utc.getTime());
  });
});
