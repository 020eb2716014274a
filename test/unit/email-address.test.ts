import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEmailAddress, maskEmail, normaliseEmail } from '../../functions/domain/email-address.js';

describe('isEmailAddress', () => {
  it.each([
    'u@bücher.de',
    'u@xn--bcher-kva.de',
    'josé@example.com',
    'δοκιμή@παράδειγμα.δοκιμή',
    '用户@例子.广告',
    "o'brien@example.ie",
    'a&b=c/d#e!f%g@example.com',
    'user+tag@example.co.uk',
    '"john..doe"@example.com',
    'x@sub-domain.example.museum',
  ])('takes %s', (email) => {
    expect(isEmailAddress(email)).toBe(true);
  });

  it.each([
    'plain',
    '@example.com',
    'a@',
    'a@localhost',
    'a..b@example.com',
    '.a@example.com',
    'a@-example.com',
    'a@exa mple.com',
    'a b@example.com',
    'a@[10.0.0.1]',
    `${'x'.repeat(65)}@example.com`,
    'a@example.c0m',
    // Quoted text and links: they would reach the sales inbox's subject as written.
    '"john doe"@example.com',
    '"Reset your SSO password at https://evil.example/sso"@gmail.com',
    '"see:www.evil.example"@gmail.com',
    '"<b>"@gmail.com',
  ])('refuses %s', (email) => {
    expect(isEmailAddress(email)).toBe(false);
  });

  it('takes every address fast-check generates', () => {
    fc.assert(fc.property(fc.emailAddress(), (email) => isEmailAddress(email)));
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases, so one address is one contact however it was typed', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM\t')).toBe('jane.doe@example.com');
  });

  it('spells an internationalised domain in punycode and composes Unicode, so each spelling dedupes', () => {
    expect(normaliseEmail('U@Bücher.de')).toBe('u@xn--bcher-kva.de');
    expect(normaliseEmail('u@xn--bcher-kva.de')).toBe('u@xn--bcher-kva.de');
    expect(normaliseEmail('Jose\u0301@example.com')).toBe(normaliseEmail('José@EXAMPLE.com'));
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
        const at = email.lastIndexOf('@');
        const masked = maskEmail(email);
        // The local part's letters may also stand in the domain (`aa@a.aa`): compare the parts.
        const maskedAt = masked.lastIndexOf('@');
        return (
          masked.slice(0, maskedAt) === `${[...email][0]}***` && masked.slice(maskedAt) === email.slice(at)
        );
      }),
    );
  });

  it('masks something that is not an address entirely', () => {
    expect(maskEmail('nobody')).toBe('***');
  });
});
