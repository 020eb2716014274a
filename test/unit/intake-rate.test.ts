import { describe, expect, it } from 'vitest';
import { isOverLimit, parseRateLimit, rateWindow, rateWindowMs } from '../../functions/domain/intake-rate.js';

describe('rateWindow', () => {
  it('puts a moment in its minute, with the seconds left as Retry-After and the minute’s end as TTL', () => {
    expect(rateWindow(new Date('2026-11-03T10:15:42.300Z'))).toEqual({
      start: '2026-11-03T10:15:00.000Z',
      expiresAt: Date.parse('2026-11-03T10:16:00.000Z') / 1000,
      retryAfterSeconds: 18,
    });
  });

  it('starts a new window on the minute, with a whole minute to wait', () => {
    const onTheMinute = rateWindow(new Date('2026-11-03T10:16:00.000Z'));
    expect(onTheMinute.start).toBe('2026-11-03T10:16:00.000Z');
    expect(onTheMinute.retryAfterSeconds).toBe(60);
  });

  it('never asks to retry in 0 seconds, even in the window’s last millisecond', () => {
    expect(rateWindow(new Date('2026-11-03T10:15:59.999Z')).retryAfterSeconds).toBe(1);
  });

  it('gives every moment of a window the same start, and the next window another', () => {
    const start = Date.parse('2026-11-03T10:15:00.000Z');
    const starts = [0, 1, 30_000, rateWindowMs - 1].map((ms) => rateWindow(new Date(start + ms)).start);
    expect(new Set(starts).size).toBe(1);
    expect(rateWindow(new Date(start + rateWindowMs)).start).not.toBe(starts[0]);
  });
});

describe('isOverLimit', () => {
  it('lets the limit’s own count through and refuses the one after', () => {
    expect(isOverLimit(3, 3)).toBe(false);
    expect(isOverLimit(4, 3)).toBe(true);
  });

  it('never refuses when the limit is 0', () => {
    expect(isOverLimit(1_000_000, 0)).toBe(false);
  });
});

describe('parseRateLimit', () => {
  it('takes whole numbers, as text or number, 0 included', () => {
    expect(parseRateLimit('0')).toBe(0);
    expect(parseRateLimit(' 25 ')).toBe(25);
    expect(parseRateLimit(10)).toBe(10);
  });

  it.each(['', '-1', '2.5', '1e3', 'ten', '10/m'])('refuses %j', (text) => {
    expect(parseRateLimit(text)).toBeUndefined();
  });

  it.each([-1, 2.5, Number.NaN, true, null, ['5']])('refuses %j', (value) => {
    expect(parseRateLimit(value)).toBeUndefined();
  });
});
