/**
 * The send ledger claims a step before SES is called and marks it sent after. A step that dies in
 * between leaves its claim `sending`: SES either has the message (its `Send` event then marks the
 * entry sent) or never got it. Past the window in which a `Send` event arrives, a claim still
 * `sending` was never sent, and is resent once under the same key.
 *
 * The one window left: SES accepted the message, its `Send` event was lost, and the step died
 * before marking it. Then the resend is a second copy. It is bounded (one resend per key, so at
 * most two copies) and counted (the entry keeps `resentAt`, and the resend is logged).
 */
export const sendConfirmationWindowMs = 15 * 60_000;

export interface LedgerClaim {
  claimedAt: string;
  resentAt?: string | undefined;
}

export interface Reconciliation<T extends LedgerClaim> {
  /** Never confirmed past the window: send again, once. */
  resend: T[];
  /** Resent, and that too never confirmed: leave it, and say so. */
  abandon: T[];
  /** The soonest a younger claim's window ends: the journey looks again then. */
  recheckInMs?: number;
}

export const reconcileClaims = <T extends LedgerClaim>(
  claims: readonly T[],
  now: Date,
): Reconciliation<T> => {
  const result: Reconciliation<T> = { resend: [], abandon: [] };
  for (const claim of claims) {
    const windowEnds = Date.parse(claim.claimedAt) + sendConfirmationWindowMs;
    if (windowEnds > now.getTime()) {
      result.recheckInMs = Math.min(
        result.recheckInMs ?? Number.POSITIVE_INFINITY,
        windowEnds - now.getTime(),
      );
    } else if (claim.resentAt) result.abandon.push(claim);
    else result.resend.push(claim);
  }
  return result;
};
