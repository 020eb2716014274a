import { describe, expect, it } from 'vitest';
import { hashClientAddress } from '../../functions/domain/client-address.js';
import { hashErasedAddress, keptConsentRecord, keptUntil } from '../../functions/domain/erasure.js';

describe('what erasure keeps', () => {
  it('files records under a keyed hash of the address, apart from client hashes of the same text', () => {
    const hash = hashErasedAddress('ann@example.com', 'secret-a');
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashErasedAddress('ann@example.com', 'secret-a')).toBe(hash);
    expect(hashErasedAddress('ann@example.com', 'secret-b')).not.toBe(hash);
    expect(hashClientAddress('ann@example.com', 'secret-a')).not.toBe(hash);
  });

  it('keeps a consent record without the contact, its touch or the page query', () => {
    const kept = keptConsentRecord({
      recordId: 'r1',
      contactId: 'c1',
      touchId: 't1',
      at: '2026-11-30T10:00:00.000Z',
      action: 'granted',
      method: 'single_opt_in',
      form: 'pricing',
      landingPage: 'https://leadflow.example/pricing?email=ann%40example.com#top',
      wording: 'Yes, email me',
      clientHash: 'h',
    });

    expect(kept).toEqual({
      recordId: 'r1',
      at: '2026-11-30T10:00:00.000Z',
      action: 'granted',
      method: 'single_opt_in',
      form: 'pricing',
      landingPage: 'https://leadflow.example/pricing',
      wording: 'Yes, email me',
      clientHash: 'h',
    });
  });

  it('keeps them for three years', () => {
    expect(keptUntil(new Date('2026-01-01T00:00:00Z'))).toBe(Date.parse('2028-12-31T00:00:00Z') / 1000);
  });
});
