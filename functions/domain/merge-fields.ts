/**
 * What a contact typed is rendered into our emails only when it cannot carry a message of its
 * own: an attacker who submits someone else's address with `firstName: "URGENT: verify at
 * evil.example"` must not get our domain to deliver that text. Large senders neutralise merge
 * fields the same way: short, plain, and without links, addresses or domain-like tokens;
 * anything else falls back to the template's default ("there").
 */
export const maxMergeFieldLength = 40;

const urlLike = /[a-z][a-z0-9+.-]*:\/\/|www\./i;
const emailLike = /\S@\S/;
/** `evil.example`, `bit.ly`, `pay-pal.com/x`: a dot between word characters then a letter run. */
const domainLike = /[\p{L}\p{N}-]\.[\p{L}]{2,}/u;
/** Angle brackets, braces and the like have no place in a name and feed template injection. */
const markup = /[<>{}[\]\\`|]/;

/** The value as it may appear in an email, or undefined when it must not appear at all. */
export const safeMergeField = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/\s+/g, ' ').trim();
  if (text === '' || text.length > maxMergeFieldLength) return undefined;
  if (urlLike.test(text) || emailLike.test(text) || domainLike.test(text) || markup.test(text))
    return undefined;
  return text;
};
