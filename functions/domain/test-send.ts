/**
 * Who a test send may go to, and how often. A test send puts any HTML a marketer writes into any
 * inbox from the company's SES identity: without bounds, a phishing relay and a reputation risk.
 * It goes to the signed-in user's own address (the ID token's `email` claim), or to an address at
 * one of the staff domains the deployment lists, and at most `testSendsPerHour` times per user.
 */

/** More than anyone reviews by hand in an hour; few enough that a stolen session sends little. */
export const testSendsPerHour = 20;
export const testSendWindowMs = 3_600_000;

/** The staff domains as configured (`TEST_SEND_DOMAINS`): comma- or space-separated, `@` optional. */
export const parseStaffDomains = (value: string | undefined): ReadonlySet<string> =>
  new Set(
    (value ?? '')
      .split(/[\s,]+/)
      .map((domain) => domain.trim().replace(/^@/, '').toLowerCase())
      .filter((domain) => domain !== ''),
  );

/** Whether `to` may get a test send from a caller whose own address is `callerEmail`. */
export const mayReceiveTestSend = (
  to: string,
  callerEmail: string | undefined,
  staffDomains: ReadonlySet<string>,
): boolean => {
  const address = to.trim().toLowerCase();
  if (callerEmail !== undefined && callerEmail.trim().toLowerCase() === address) return true;
  const at = address.lastIndexOf('@');
  return at > 0 && staffDomains.has(address.slice(at + 1));
};

/** Why a recipient was refused, naming what would be allowed. */
export const testRecipientRule = (callerEmail: string | undefined, staffDomains: ReadonlySet<string>) => {
  const allowed = [
    ...(callerEmail ? [`your own address (${callerEmail})`] : []),
    ...(staffDomains.size > 0 ? [`an address at ${[...staffDomains].join(', ')}`] : []),
  ];
  return allowed.length > 0
    ? `must be ${allowed.join(' or ')}`
    : 'must be your own address: sign in as a user with an email address, or list staff domains in TEST_SEND_DOMAINS';
};
