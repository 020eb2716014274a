import { describe, expect, it } from 'vitest';
import { type Contact, mayEmail, pauseLeftMs, wantsTrack } from '../../functions/domain/contact.js';
import {
  parsePreferenceRequest,
  pauseEnd,
  preferenceChange,
  preferencesView,
  repeatedFormFields,
} from '../../functions/domain/preferences.js';

const day = 86_400_000;
const now = new Date('2027-03-01T10:30:00.000Z');
const touch: Contact['firstTouch'] = {
  touchId: 't1',
  contactId: 'c1',
  receivedAt: now.toISOString(),
  where: { channel: 'direct' },
  what: { kind: 'form' },
  why: {},
};
const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: 'c1',
  email: 'pat@example.com',
  emailNormalised: 'pat@example.com',
  stage: 'engagement',
  score: 10,
  consent: { marketing: true, updatedAt: now.toISOString() },
  firstTouch: touch,
  latestTouch: touch,
  touchCount: 1,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  ...overrides,
});

describe('parsePreferenceRequest', () => {
  it('reads the page form and JSON alike', () => {
    expect(parsePreferenceRequest({ action: 'pause', days: '30' })).toEqual({
      ok: true,
      value: { action: 'pause', days: 30 },
    });
    expect(parsePreferenceRequest({ action: 'pause', days: 90 })).toEqual({
      ok: true,
      value: { action: 'pause', days: 90 },
    });
    expect(parsePreferenceRequest({ action: 'track', track: 'recycle', send: 'no' })).toEqual({
      ok: true,
      value: { action: 'track', track: 'recycle', send: false },
    });
    expect(parsePreferenceRequest({ action: 'track', track: 'recycle', send: true })).toMatchObject({
      value: { send: true },
    });
  });

  it('names each invalid field', () => {
    const issues = (input: unknown) => {
      const parsed = parsePreferenceRequest(input);
      return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
    };
    expect(issues({ action: 'pause', days: 45 })).toEqual(['days']);
    expect(issues({ action: 'buying_stage', buyingStage: 'hot' })).toEqual(['buyingStage']);
    expect(issues({ action: 'track', track: 'news', send: 'maybe' })).toEqual(['track', 'send']);
    expect(issues({ action: 'everything' })).toEqual(['action']);
    expect(issues({})).toEqual(['action']);
  });
});

describe('a pause', () => {
  it('ends at the midnight (UTC) after its days, so the same click on the same day asks the same', () => {
    expect(pauseEnd(now, 30)).toBe('2027-04-01T00:00:00.000Z');
    expect(pauseEnd(new Date('2027-03-01T23:59:00.000Z'), 30)).toBe('2027-04-01T00:00:00.000Z');
  });

  it('stops marketing email until it ends', () => {
    const paused = contact({ pausedUntil: pauseEnd(now, 30) });
    expect(mayEmail(paused, now)).toBe(false);
    expect(pauseLeftMs(paused, now)).toBeGreaterThan(30 * day);
    const ended = new Date(Date.parse(pauseEnd(now, 30)));
    expect(mayEmail(paused, ended)).toBe(true);
    expect(pauseLeftMs(paused, ended)).toBe(0);
    expect(preferencesView(paused, ended).pausedUntil).toBeNull();
  });
});

describe('preferenceChange', () => {
  it('pauses, with a record of until when, and changes nothing the second time', () => {
    const change = preferenceChange(contact(), { action: 'pause', days: 30 }, now);
    expect(change).toEqual({
      update: { pausedUntil: '2027-04-01T00:00:00.000Z' },
      record: {
        at: now.toISOString(),
        action: 'paused',
        method: 'preferences_page',
        until: '2027-04-01T00:00:00.000Z',
      },
      detail: { change: 'paused' },
    });
    const paused = contact({ pausedUntil: '2027-04-01T00:00:00.000Z' });
    expect(
      preferenceChange(paused, { action: 'pause', days: 30 }, new Date(now.getTime() + 3_600_000)),
    ).toBeUndefined();
  });

  it('resumes a pause in force only', () => {
    const paused = contact({ pausedUntil: '2027-04-01T00:00:00.000Z' });
    expect(preferenceChange(paused, { action: 'resume' }, now)?.update).toEqual({ pausedUntil: null });
    expect(preferenceChange(contact(), { action: 'resume' }, now)).toBeUndefined();
    expect(
      preferenceChange(paused, { action: 'resume' }, new Date('2027-04-02T00:00:00.000Z')),
    ).toBeUndefined();
  });

  it('turns a track off and on, once each', () => {
    const off = preferenceChange(contact(), { action: 'track', track: 'nurture', send: false }, now);
    expect(off?.update).toEqual({ tracksOff: ['nurture'] });
    expect(off?.record).toMatchObject({ action: 'track_off', track: 'nurture' });
    const without = contact({ tracksOff: ['nurture', 'customer'] });
    expect(wantsTrack(without, 'nurture')).toBe(false);
    expect(wantsTrack(without, 'recycle')).toBe(true);
    expect(
      preferenceChange(without, { action: 'track', track: 'nurture', send: false }, now),
    ).toBeUndefined();
    expect(preferenceChange(without, { action: 'track', track: 'nurture', send: true }, now)?.update).toEqual(
      {
        tracksOff: ['customer'],
      },
    );
  });

  it('declares a buying stage for the journey to weigh, without a consent record', () => {
    const change = preferenceChange(contact(), { action: 'buying_stage', buyingStage: 'comparing' }, now);
    expect(change).toEqual({ update: { buyingStage: 'comparing' }, detail: { buyingStage: 'comparing' } });
    const comparing = contact({ buyingStage: 'comparing' });
    expect(
      preferenceChange(comparing, { action: 'buying_stage', buyingStage: 'comparing' }, now),
    ).toBeUndefined();
  });

  it('asks for sales again when a contact back in nurture says it is ready, and not while sales has it', () => {
    const ready = { action: 'buying_stage', buyingStage: 'ready_to_talk' } as const;
    expect(preferenceChange(contact({ buyingStage: 'ready_to_talk' }), ready, now)).toBeDefined();
    expect(
      preferenceChange(contact({ buyingStage: 'ready_to_talk', stage: 'sales_lead' }), ready, now),
    ).toBeUndefined();
    // Sales passed it back: saying it again asks sales again.
    expect(
      preferenceChange(contact({ buyingStage: 'ready_to_talk', stage: 'recycled' }), ready, now),
    ).toEqual({
      update: { buyingStage: 'ready_to_talk' },
      detail: { buyingStage: 'ready_to_talk' },
    });
    expect(
      preferenceChange(contact({ buyingStage: 'ready_to_talk', stage: 'customer' }), ready, now),
    ).toBeUndefined();
  });
});

describe('repeatedFormFields', () => {
  it('names a field given twice with different values, and lets a harmless repeat through', () => {
    const form = new URLSearchParams('action=pause&days=30&action=unsubscribe&track=a&track=a&days=90');
    expect(repeatedFormFields(form)).toEqual([
      { path: 'action', message: 'is given more than once with different values' },
      { path: 'days', message: 'is given more than once with different values' },
    ]);
    expect(repeatedFormFields(new URLSearchParams('action=resume&action=resume'))).toEqual([]);
  });
});
