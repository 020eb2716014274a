import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Clock } from '../functions/adapters/clock.js';

/**
 * The local runtime's virtual time. `scaled` runs it faster than the wall clock (a virtual day
 * in a few real seconds) so a demo shows journeys unfold; `manual` stands still until a test
 * advances it. Timers fire in virtual time, in order, so "the timeout is the timed transition"
 * works the same at any speed. The reading is saved in the data dir: a restart never turns the
 * clock back behind the events it already stamped.
 */
export type ClockMode = 'scaled' | 'manual';

interface Timer {
  id: number;
  at: number;
  fire: () => void;
}

export interface VirtualClockOptions {
  mode: ClockMode;
  /** Virtual milliseconds per real millisecond in scaled mode. @default 17280 (a day in 5 s) */
  scale?: number;
  /** Where the reading is saved between runs. */
  stateFile?: string;
}

export const defaultScale = 86_400 / 5;

export class VirtualClock implements Clock {
  readonly mode: ClockMode;
  readonly scale: number;
  private readonly stateFile: string | undefined;
  private anchorVirtual: number;
  private anchorReal: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private wakeUp: NodeJS.Timeout | undefined;

  constructor(options: VirtualClockOptions) {
    this.mode = options.mode;
    this.scale = options.mode === 'manual' ? 0 : (options.scale ?? defaultScale);
    this.stateFile = options.stateFile;
    const saved = this.stateFile && existsSync(this.stateFile) ? readSaved(this.stateFile) : undefined;
    this.anchorVirtual = Math.max(saved ?? 0, Date.now());
    this.anchorReal = Date.now();
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return this.anchorVirtual + (Date.now() - this.anchorReal) * this.scale;
  }

  /** Runs `fire` once virtual time reaches `at` (epoch ms). Returns a cancel function. */
  at(at: number, fire: () => void): () => void {
    const timer = { id: this.nextId++, at, fire };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    this.schedule();
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
      this.schedule();
    };
  }

  /** Manual mode: moves time forward, firing every timer that falls due, earliest first. */
  advance(ms: number): Date {
    if (this.mode !== 'manual') throw new Error('Only a manual clock can be advanced');
    if (!(ms >= 0)) throw new Error('A clock only moves forward');
    const target = this.nowMs() + ms;
    for (let timer = this.timers[0]; timer && timer.at <= target; timer = this.timers[0]) {
      this.timers.shift();
      this.anchorVirtual = Math.max(this.anchorVirtual, timer.at);
      timer.fire();
    }
    this.anchorVirtual = target;
    this.save();
    return this.now();
  }

  /**
   * Manual mode, as a journey would live it: jumps to each timer that falls due within `ms`, fires
   * it, and waits for the work it set off to `settle` before the next, so timers that work sets
   * inside the span fire too.
   */
  async advanceSettled(ms: number, settle: () => Promise<void>): Promise<Date> {
    if (this.mode !== 'manual') throw new Error('Only a manual clock can be advanced');
    if (!(ms >= 0)) throw new Error('A clock only moves forward');
    const target = this.nowMs() + ms;
    await settle();
    for (let timer = this.timers[0]; timer && timer.at <= target; timer = this.timers[0]) {
      this.timers.shift();
      this.anchorVirtual = Math.max(this.anchorVirtual, timer.at);
      timer.fire();
      await settle();
    }
    this.anchorVirtual = target;
    this.save();
    return this.now();
  }

  save(): void {
    if (this.stateFile) writeFileSync(this.stateFile, JSON.stringify({ now: this.nowMs() }));
  }

  stop(): void {
    clearTimeout(this.wakeUp);
    this.timers = [];
    this.save();
  }

  private schedule(): void {
    clearTimeout(this.wakeUp);
    const first = this.timers[0];
    if (this.mode === 'manual' || !first) return;
    // setTimeout overflows past ~24.8 days of real time; wake up at least that often.
    const realDelay = Math.min(Math.max(0, (first.at - this.nowMs()) / this.scale), 2 ** 31 - 1);
    this.wakeUp = setTimeout(() => this.fireDue(), realDelay);
    this.wakeUp.unref();
  }

  private fireDue(): void {
    const now = this.nowMs();
    while (this.timers[0] && this.timers[0].at <= now) this.timers.shift()?.fire();
    this.schedule();
  }
}

const readSaved = (file: string): number | undefined => {
  try {
    const { now } = JSON.parse(readFileSync(file, 'utf8')) as { now?: unknown };
    return typeof now === 'number' ? now : undefined;
  } catch {
    return undefined;
  }
};
