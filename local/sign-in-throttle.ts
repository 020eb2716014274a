/**
 * Slows down password guessing the way Amazon Cognito's user pools do: after `freeFailures` failed
 * sign-ins in a row, a key (a user name, or a client) is locked out for 1 s, doubling with each
 * further failure up to about 15 minutes; attempts during a lockout are refused without counting,
 * a success clears the key, and 15 minutes without a failure forget it. Real time, not the
 * runtime's clock: a scaled clock would let a lockout pass in a blink.
 */
const maxLockoutMs = 15 * 60_000;
const forgetAfterMs = 15 * 60_000;
/** Keys kept at most; the longest idle go first (a flood of made-up user names stays bounded). */
const maxKeys = 10_000;

interface Failures {
  count: number;
  lastFailure: number;
  lockedUntil: number;
}

export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly freeFailures: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long `key` is still locked out, in ms; 0 when it may try. */
  lockedFor(key: string): number {
    const entry = this.current(key);
    return entry ? Math.max(0, entry.lockedUntil - this.now()) : 0;
  }

  failed(key: string): void {
    const now = this.now();
    const count = (this.current(key)?.count ?? 0) + 1;
    const over = count - this.freeFailures;
    const lockedUntil = over >= 0 ? now + Math.min(maxLockoutMs, 1000 * 2 ** over) : 0;
    // Deleted first so the map stays in order of last failure, oldest first.
    this.failures.delete(key);
    this.failures.set(key, { count, lastFailure: now, lockedUntil });
    for (const oldest of this.failures.keys()) {
      if (this.failures.size <= maxKeys) break;
      this.failures.delete(oldest);
    }
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  private current(key: string): Failures | undefined {
    const entry = this.failures.get(key);
    if (entry && this.now() - Math.max(entry.lastFailure, entry.lockedUntil) > forgetAfterMs) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }
}
