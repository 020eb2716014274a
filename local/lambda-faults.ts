import type { LocalLambda } from './stepfunctions-endpoint.js';

/**
 * Faults the emulated Lambda service can inject, so tests (and curious users) can watch the
 * journey survive them: the invocation fails before the function runs, or after it ran, as when
 * Lambda loses a result and Step Functions retries work already done.
 */
export interface LambdaFault {
  function: string;
  when: 'before' | 'after';
  /** How many of the next invocations fail. */
  times: number;
  /** Only invocations for this contact (`contactId` in the payload). */
  contactId?: string;
}

class LambdaServiceError extends Error {
  override name = 'Lambda.ServiceException';
}

export class LambdaFaults {
  private readonly armed: LambdaFault[] = [];

  arm(fault: LambdaFault): void {
    this.armed.push({ ...fault });
  }

  /** Wraps the named function so armed faults fire on its next invocations. */
  wrap(name: string, lambda: LocalLambda): LocalLambda {
    return async (payload) => {
      const contactId = (payload as { contactId?: unknown } | null)?.contactId;
      this.trip(name, 'before', contactId);
      const result = await lambda(payload);
      this.trip(name, 'after', contactId);
      return result;
    };
  }

  private trip(name: string, when: LambdaFault['when'], contactId: unknown): void {
    const fault = this.armed.find(
      (armed) =>
        armed.function === name &&
        armed.when === when &&
        (armed.contactId === undefined || armed.contactId === contactId),
    );
    if (!fault) return;
    fault.times--;
    if (fault.times <= 0) this.armed.splice(this.armed.indexOf(fault), 1);
    throw new LambdaServiceError(`Injected fault ${when} ${name} ran`);
  }
}
