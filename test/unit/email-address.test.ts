import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskEmail, normaliseEmail } from '../../functions/domain/email-address.js';

describe('normaliseEmail', () => {
  it('trims and lower-cases, so one address is one contact however it was typed', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM\t')).toBe('jane.doe@example.com');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        (email) => normaliseEmail(normaliseEmail(email)) === normaliseEmail(email),
      ),
    );
  });
});

describe('maskEmail', () => {
  it('keeps the first letter and the domain only', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
  });

  it('never reveals the local part beyond its first character', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const local = email.slice(0, email.lastIndexOf('@'));
        const masked = maskEmail(email);
        return local.length < 2 || !masked.includes(local);
      }),
    );
  });

  it('masks something that is not an address entirely', () => {
    expect(maskEmail('nobody')).toBe('***');
  });
});
