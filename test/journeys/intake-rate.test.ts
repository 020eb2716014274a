import { describe, expect, it } from 'vitest';
import { rateWindow } from '../../functions/domain/intake-rate.js';
import { postContact } from '../support/leads.js';
import { useRuntime } from '../support/local-runtime.js';
import { contactIdFor, tableKeys } from '../support/table-keys.js';

const runtime = useRuntime({ env: { LEADFLOW_INTAKE_RATE: '3' } });

const submit = (body: unknown) => postContact(runtime, body);

const clockNow = () => runtime.now();

/** Each test starts in a fresh minute, with no submissions counted yet. */
const nextMinute = () => runtime.advance('1m');

describe('per-client limit on POST /v1/contacts (LEADFLOW_INTAKE_RATE=3)', () => {
  it('accepts 3 submissions a minute, refuses the 4th with 429 and Retry-After, writing nothing, and accepts again the next minute', async () => {
    for (const n of [1, 2, 3]) {
      expect((await submit({ email: `rate-${n}@example.com` })).status).toBe(202);
    }
    await runtime.settle();
    const before = await tableKeys(runtime);

    const refused = await submit({ email: 'rate-4@example.com', consent: true });

    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(rateWindow(await clockNow()).retryAfterSeconds));
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: expect.any(String), issues: [] },
    });
    await runtime.settle();
    expect(await tableKeys(runtime)).toEqual(before);
    expect(await contactIdFor(runtime, 'rate-4@example.com')).toBeUndefined();

    await runtime.advance('1m');

    expect((await submit({ email: 'rate-4@example.com' })).status).toBe(202);
    expect(await contactIdFor(runtime, 'rate-4@example.com')).toBeDefined();
  });

  it('counts honeypot hits and refused bodies too', async () => {
    await nextMinute();
    expect((await submit({ email: 'bot@example.com', website: 'http://spam.example' })).status).toBe(202);
    expect((await submit({ email: 'not-an-address' })).status).toBe(400);
    expect((await submit({ email: 'bot@example.com', website: 'http://spam.example' })).status).toBe(202);

    const refused = await submit({ email: 'bot@example.com', website: 'http://spam.example' });

    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses before reading the body: past the limit, a bad body is still a 429', async () => {
    await nextMinute();
    for (const n of [1, 2, 3]) expect((await submit({ email: `edge-${n}@example.com` })).status).toBe(202);

    const refused = await runtime.call('/v1/contacts', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });

    expect(refused.status).toBe(429);
  });
});
