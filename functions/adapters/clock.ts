/**
 * The one source of "now" for handlers. In AWS it is the wall clock; the local runtime swaps in
 * its scaled or manual clock so journeys can be sped up in a demo and driven by hand in tests.
 */
export interface Clock {
  now(): Date;
}

const wallClock: Clock = { now: () => new Date() };
let current: Clock = wallClock;

export const clock: Clock = { now: () => current.now() };

export const useClock = (replacement: Clock): void => {
  current = replacement;
};
