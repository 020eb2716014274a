import { parseDuration } from './duration.js';
import type { Publication } from './publication.js';

/**
 * A track's schedule: the emails it sends and the delay before each, counted from the previous
 * touch on the track. Step ids are stable across versions, so an edit never makes a contact
 * receive a step it already had, and a removed step is simply skipped.
 */
export const tracks = ['nurture', 'recycle', 'customer'] as const;
export type Track = (typeof tracks)[number];

export interface SendWindow {
  /** 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** Local hours [from, to) in which an email may go out. */
  hours: { from: number; to: number };
  /**
   * IANA zone the window is read in. When absent, the contact's own zone (if its landing page sent
   * one), else the schedule's.
   */
  timezone?: string;
}

export interface ScheduleStep {
  id: string;
  /** Since the previous touch on this track, e.g. `0m`, `3d`, `36h`. */
  delay: string;
  template: string;
  subject?: string;
  window?: SendWindow;
}

export interface Schedule extends Publication {
  track: Track;
  version: number;
  /** IANA zone the send windows are read in when the contact's own is unknown. */
  timezone: string;
  steps: ScheduleStep[];
  updatedAt: string;
  /**
   * Set when a published edit made steps fall due at once for contacts in flight: those sends go
   * out spread over `spreadMs` from `from`, each contact at its own fixed offset.
   */
  catchUp?: { from: string; spreadMs: number };
}

/** Limits that hold whatever a schedule says. */
export interface DeliveryLimits {
  /** At most `emails` marketing emails to one contact in any `perMs`. */
  frequencyCap: { emails: number; perMs: number };
  /** Sends an edit may release at once, per minute, across the contacts it reaches. */
  catchUpSendsPerMinute: number;
}

export const defaultDeliveryLimits: DeliveryLimits = {
  frequencyCap: { emails: 3, perMs: 7 * 86_400_000 },
  catchUpSendsPerMinute: 60,
};

/** How long the catch-up sends of an edit reaching `contactsInFlight` contacts are spread over. */
export const catchUpSpreadMs = (contactsInFlight: number, limits: DeliveryLimits): number =>
  Math.ceil(contactsInFlight / limits.catchUpSendsPerMinute) * 60_000;

export const stepDelayMs = (step: ScheduleStep): number => parseDuration(step.delay) ?? 0;

export const defaultSchedules: Record<Track, Schedule> = {
  nurture: {
    track: 'nurture',
    version: 0,
    timezone: 'UTC',
    updatedAt: '1970-01-01T00:00:00.000Z',
    steps: [
      { id: 'welcome', delay: '0m', template: 'welcome' },
      { id: 'case-study', delay: '3d', template: 'nurture-case-study' },
      { id: 'how-to', delay: '4d', template: 'nurture-how-to' },
      { id: 'checklist', delay: '7d', template: 'nurture-checklist' },
      { id: 'demo-invite', delay: '7d', template: 'nurture-demo-invite' },
    ],
  },
  recycle: {
    track: 'recycle',
    version: 0,
    timezone: 'UTC',
    updatedAt: '1970-01-01T00:00:00.000Z',
    // A cool-off before the first recycle email: sales just let the contact go.
    steps: [
      { id: 'check-in', delay: '14d', template: 'recycle-checkin' },
      { id: 'new-content', delay: '14d', template: 'recycle-new-content' },
      { id: 'still-interested', delay: '30d', template: 'recycle-still-interested' },
    ],
  },
  customer: {
    track: 'customer',
    version: 0,
    timezone: 'UTC',
    updatedAt: '1970-01-01T00:00:00.000Z',
    steps: [
      { id: 'thanks', delay: '0m', template: 'customer-thanks' },
      { id: 'feedback', delay: '14d', template: 'customer-feedback' },
      { id: 'upgrade', delay: '60d', template: 'customer-upgrade' },
      { id: 'referral', delay: '90d', template: 'customer-referral' },
    ],
  },
};
