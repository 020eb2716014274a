/**
 * A request URL as it may be logged: the signed-link token (`t=`) of a confirm, unsubscribe or
 * preferences link acts for the contact, so it never reaches a log.
 */
export const redactedUrl = (url: string | undefined): string =>
  (url ?? '').replace(/([?&]t=)[^&#]*/gi, '$1[redacted]');
