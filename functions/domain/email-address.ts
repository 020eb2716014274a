import { domainToASCII } from 'node:url';

/**
 * An address as people type it: RFC 5322 local parts (`o'brien`, `a&b=c/d#e!f%g`, a quoted
 * string), RFC 6531 Unicode local parts and internationalised domains (`u@bücher.de`). The domain
 * must be a real host name once in punycode: labels of letters, digits and hyphens, and a
 * top-level name. Address literals (`a@[10.0.0.1]`) and comments are not taken: no form needs them.
 */
const atom = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;
const quoted = /^"(?:[^"\\\p{Cc}]|\\[^\p{Cc}])*"$/u;
const hostLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const topLevel = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

const splitAddress = (email: string): { local: string; domain: string } | undefined => {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  return { local: email.slice(0, at), domain: email.slice(at + 1) };
};

/**
 * RFC 5322 lets a quoted local part hold spaces and any text, so an address can carry a sentence
 * and a link into the sales inbox's subject, the bus and a CRM. No mailbox provider hands out such
 * addresses: a quoted local part is taken only without spaces or a link in it.
 */
const carriesText = (local: string): boolean => /\s|:\/\/|www\.|[<>]/iu.test(local);

const isLocalPart = (local: string): boolean =>
  local.length <= 64 &&
  ((quoted.test(local) && !carriesText(local)) || local.split('.').every((part) => atom.test(part)));

/** The domain in punycode, lower-cased, or undefined when it is no host name. */
const asciiDomain = (domain: string): string | undefined => {
  const ascii = domainToASCII(domain.normalize('NFC'));
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  const top = labels.at(-1) ?? '';
  return labels.length >= 2 && labels.every((label) => hostLabel.test(label)) && topLevel.test(top)
    ? ascii
    : undefined;
};

export const isEmailAddress = (email: string): boolean => {
  const parts = splitAddress(email.normalize('NFC'));
  return parts !== undefined && isLocalPart(parts.local) && asciiDomain(parts.domain) !== undefined;
};

/**
 * Dedupe key: one contact per address, whatever case, Unicode composition or spelling of its
 * domain (`bücher.de` and `xn--bcher-kva.de` are one host) it arrived with.
 */
export const normaliseEmail = (email: string): string => {
  const trimmed = email.trim().normalize('NFC');
  const parts = splitAddress(trimmed);
  if (!parts) return trimmed.toLowerCase();
  return `${parts.local.toLowerCase()}@${asciiDomain(parts.domain) ?? parts.domain.toLowerCase()}`;
};

/** `jane.doe@example.com` → `j***@example.com`, so logs identify a contact without holding its address. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${[...email][0]}***${email.slice(at)}`;
};

/** An address inside other text: a quoted or plain local part, `@` (or `%40` in a URL), a dotted domain. */
const addressesInText = /(?:"[^"\r\n]*"|[^\s@<>"'(),;:]+)(?:@|%40)[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/gi;

export const mentionsAddress = (text: string): boolean => {
  addressesInText.lastIndex = 0;
  return addressesInText.test(text);
};

/** Text from outside (an SES error names the recipient in the sandbox) with every address masked. */
export const withoutAddresses = (text: string): string => text.replace(addressesInText, maskEmail);
