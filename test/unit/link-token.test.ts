import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  linkWithToken,
  preferencesLinkValidMs,
  signConfirmToken,
  signPreferencesToken,
  signUnsubscribeToken,
  verifyConfirmToken,
  verifyPreferencesToken,
  verifyUnsubscribeToken,
} from '../../functions/domain/link-token.js';

const secret = randomBytes(32);
const contactId = '7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b';
const base64urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

describe('unsubscribe tokens', () => {
  it('round-trips the contact id', () => {
    expect(verifyUnsubscribeToken(signUnsubscribeToken(contactId, secret), secret)).toBe(contactId);
  });

  it('round-trips any contact id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        expect(verifyUnsubscribeToken(signUnsubscribeToken(id, secret), secret)).toBe(id);
      }),
    );
  });

  it('is URL-safe', () => {
    expect(signUnsubscribeToken(contactId, secret)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('rejects a token with any one character changed', () => {
    const token = signUnsubscribeToken(contactId, secret);
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...base64urlAlphabet),
        (position, replacement) => {
          fc.pre(token[position] !== replacement);
          const altered = token.slice(0, position) + replacement + token.slice(position + 1);
          expect(verifyUnsubscribeToken(altered, secret)).toBeUndefined();
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('rejects truncated and extended tokens', () => {
    const token = signUnsubscribeToken(contactId, secret);
    for (let length = 0; length < token.length; length++) {
      expect(verifyUnsubscribeToken(token.slice(0, length), secret)).toBeUndefined();
    }
    expect(verifyUnsubscribeToken(`${token}A`, secret)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${token}.`, secret)).toBeUndefined();
  });

  it('rejects a token signed with another secret', () => {
    const other = signUnsubscribeToken(contactId, randomBytes(32));
    expect(verifyUnsubscribeToken(other, secret)).toBeUndefined();
  });

  it('rejects another contact id under a valid signature', () => {
    const [, signature] = signUnsubscribeToken(contactId, secret).split('.');
    const forged = `${Buffer.from('someone-else').toString('base64url')}.${signature}`;
    expect(verifyUnsubscribeToken(forged, secret)).toBeUndefined();
  });

  it('rejects arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        expect(verifyUnsubscribeToken(input, secret)).toBeUndefined();
      }),
    );
  });

  it('puts the token in the link as t', () => {
    const link = linkWithToken('https://api.example.com/v1/unsubscribe', 'abc.def');
    expect(link).toBe('https://api.example.com/v1/unsubscribe?t=abc.def');
    expect(new URL(link).searchParams.get('t')).toBe('abc.def');
  });
});

describe('confirmation tokens', () => {
  const subject = { contactId, touchId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' };

  it('round-trips the contact and the request it confirms', () => {
    expect(verifyConfirmToken(signConfirmToken(subject, secret), secret)).toEqual(subject);
  });

  it('are not unsubscribe tokens, nor the other way round', () => {
    const unsubscribe = signUnsubscribeToken(`${subject.contactId} ${subject.touchId}`, secret);
    expect(verifyConfirmToken(unsubscribe, secret)).toBeUndefined();
    expect(verifyUnsubscribeToken(signConfirmToken(subject, secret), secret)).toBeUndefined();
  });

  it('refuse another secret', () => {
    expect(verifyConfirmToken(signConfirmToken(subject, secret), randomBytes(32))).toBeUndefined();
  });
});

describe('preferences tokens', () => {
  const issuedAt = new Date('2027-03-01T10:00:00.000Z');
  const later = (ms: number) => new Date(issuedAt.getTime() + ms);

  it('round-trip the contact, and expire when their time is up', () => {
    const token = signPreferencesToken(contactId, issuedAt, secret);
    expect(verifyPreferencesToken(token, secret, issuedAt)).toEqual({ contactId, expired: false });
    expect(verifyPreferencesToken(token, secret, later(preferencesLinkValidMs))).toEqual({
      contactId,
      expired: false,
    });
    expect(verifyPreferencesToken(token, secret, later(preferencesLinkValidMs + 1))).toEqual({
      contactId,
      expired: true,
    });
  });

  it('are neither unsubscribe nor confirmation tokens, nor the other way round', () => {
    const token = signPreferencesToken(contactId, issuedAt, secret);
    expect(verifyUnsubscribeToken(token, secret)).toBeUndefined();
    expect(verifyConfirmToken(token, secret)).toBeUndefined();
    expect(verifyPreferencesToken(signUnsubscribeToken(contactId, secret), secret, issuedAt)).toBeUndefined();
  });

  it('refuse another secret, and any one character changed', () => {
    const token = signPreferencesToken(contactId, issuedAt, secret);
    expect(verifyPreferencesToken(token, randomBytes(32), issuedAt)).toBeUndefined();
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...base64urlAlphabet),
        (position, replacement) => {
          fc.pre(token[position] !== replacement);
          const altered = token.slice(0, position) + replacement + token.slice(position + 1);
          expect(verifyPreferencesToken(altered, secret, issuedAt)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });
});
