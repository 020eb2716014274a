import { existsSync, readFileSync } from 'node:fs';
import type { Clock } from '../functions/adapters/clock.js';
import { writeFileDurably } from './durable-file.js';

/**
 * The local runtime's virtual time. `scaled` runs it faster than the wall clock (a virtual day
 * in a few real seconds) so a demo shows journeys unfold; `manual` stands still until a test
 * advances it. Timers fire in virtual time, in order, so "the timeout is the timed transition"
 * works the same at any speed. The reading is saved in the data dir before anything can be stamped
 * with it: a restart, even after the process was killed, never turns the clock back behind the
 * events it already stamped.
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
  /** The reading on disk: no reading given out is later. */
  private savedMark: number;
  /**
   * How far ahead of the reading the scaled clock saves its mark: a real second's worth, so it
   * writes about once a second rather than at every reading. Restarting after a kill may skip
   * ahead by up to that much; it never goes back.
   */
  private readonly lease: number;
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
    this.savedMark = saved ?? Number.NEGATIVE_INFINITY;
    this.lease = this.scale * 1_000;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    const reading = this.anchorVirtual + (Date.now() - this.anchorReal) * this.scale;
    if (reading > this.savedMark) this.saveMark(reading + this.lease);
    return reading;
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
      this.moveTo(timer.at);
      timer.fire();
    }
    this.moveTo(target);
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
      this.moveTo(timer.at);
      timer.fire();
      await settle();
    }
    this.moveTo(target);
    return this.now();
  }

  /** A clean stop saves the reading itself: nothing is stamped after it, so the next start resumes there. */
  stop(): void {
    clearTimeout(this.wakeUp);
    this.timers = [];
    this.saveMark(this.nowMs());
  }

  /** Manual mode: saved as it moves, so a kill partway through an advance keeps the time reached. */
  private moveTo(virtual: number): void {
    this.anchorVirtual = Math.max(this.anchorVirtual, virtual);
    this.nowMs(); // a reading past the saved mark saves it
  }

  private saveMark(mark: number): void {
    this.savedMark = mark;
    if (this.stateFile) writeFileDurably(this.stateFile, JSON.stringify({ now: mark }));
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
