/**
 * What one email's render may cost and produce. A template is code a marketer writes and every
 * send runs: without bounds, a 72-character nested `{% for %}` holds a Lambda (or the whole local
 * runtime) for seconds, and a 54-character loop renders a third of a megabyte of HTML. The bounds
 * are counted, not timed, wherever they can be, so a template that publishes renders the same way
 * at every send; the clock is only the backstop for what no counter sees. See the README's
 * "Template limits" for why each number.
 */
export const renderLimits = {
  /** Characters of Liquid parsed per field: above every field the API accepts (200 KB of body). */
  parseChars: 256 * 1024,
  /**
   * Template nodes (text runs, `{{ }}` outputs, tags) rendered per email, loops counted per turn.
   * A seeded email renders in a few hundred; 20,000 is a loop of a few thousand turns, tens of
   * milliseconds, where the nested loop needed 4 million.
   */
  steps: 20_000,
  /** liquidjs's own count of what filters and ranges allocate (characters, array items), per email. */
  memory: 250_000,
  /**
   * Wall-clock backstop per email, for a node that is itself expensive (a huge condition in a
   * loop), which no counter above weighs. Far above a real render (a few milliseconds; the worst
   * the counters allow is tens), so a cold or busy function never trips it on an honest template.
   */
  timeMs: 1000,
} as const;

/** Gmail clips a message past 102 KB, hiding what follows, the unsubscribe footer included. */
export const maxHtmlBytes = 100 * 1024;
/** The plain-text part, which the same clients show whole or not at all. */
export const maxTextBytes = 100 * 1024;
/**
 * A subject or preheader as rendered. RFC 5322 bounds a header line at 998 characters, and a
 * longer Subject is folded into RFC 2047 encoded words, so the wire takes any length; what a
 * reader sees is 40 to 90 characters. 250 is the 200-character field plus room for merge fields.
 */
export const maxLineChars = 250;

export type RenderedField = 'subject' | 'preheader' | 'body' | 'text';

/**
 * A render stopped by a limit: names the field, so publish and preview can point at it, and is
 * the error a stalled journey step shows.
 */
export class TemplateLimitError extends Error {
  override readonly name = 'TemplateLimitError';
  constructor(
    readonly field: RenderedField,
    /** What went wrong, without the field: `renders past 100 KB of HTML…`. */
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** Which limit a render ran into, in words a marketer can act on. */
export const limitMessages = {
  steps: `does too much work: loops may render at most ${renderLimits.steps.toLocaleString('en')} parts per email`,
  memory: `builds too much text or too long a range: at most ${renderLimits.memory.toLocaleString('en')} characters or items per email`,
  time: `takes longer than ${renderLimits.timeMs} ms to render`,
  body: `renders past ${maxHtmlBytes / 1024} KB of HTML; Gmail clips messages past 102 KB, hiding the unsubscribe footer`,
  text: `renders past ${maxTextBytes / 1024} KB of text`,
  line: `renders past ${maxLineChars} characters`,
} as const;

/**
 * What one email's render has spent so far: shared by its subject, preheader, HTML and text, so
 * the limits bound the email, not each field. `now` is a monotonic clock in milliseconds.
 */
export class RenderBudget {
  private steps = 0;
  private memory = 0;
  private readonly deadline: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    readonly limits: { steps: number; memory: number; timeMs: number } = renderLimits,
  ) {
    this.deadline = now() + limits.timeMs;
  }

  /** Counts one rendered node; answers the limit it crossed, if any. */
  step(): 'steps' | 'time' | undefined {
    this.steps++;
    if (this.steps > this.limits.steps) return 'steps';
    // The clock is read every 64 nodes: cheap, and a node is microseconds.
    if ((this.steps & 63) === 0 && this.now() > this.deadline) return 'time';
    return undefined;
  }

  /** Counts what liquidjs says a filter or range allocates; answers whether that crossed the limit. */
  allocate(count: number): 'memory' | undefined {
    // As liquidjs's own limiter: a count that is not a positive number (a range of text) costs nothing.
    if (+count > 0) this.memory += +count;
    return this.memory > this.limits.memory ? 'memory' : undefined;
  }
}
