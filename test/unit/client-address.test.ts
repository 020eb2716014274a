import { describe, expect, it } from 'vitest';
import { hashClientAddress } from '../../functions/domain/client-address.js';

describe('hashClientAddress', () => {
  it('is stable per address and secret, and differs for another address or secret', () => {
    const hash = hashClientAddress('203.0.113.7', 'secret-a');
    expect(hashClientAddress('203.0.113.7', 'secret-a')).toBe(hash);
    expect(hashClientAddress('203.0.113.8', 'secret-a')).not.toBe(hash);
    expect(hashClientAddress('203.0.113.7', 'secret-b')).not.toBe(hash);
  });

  it('keeps nothing of the address readable', () => {
    expect(hashClientAddress('203.0.113.7', 'secret-a')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
