import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'leadflow-clock-'));
const day = 86_400_000;
const savedReading = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { now: number }).now;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the virtual clock across a kill (no stop)', () => {
  it('manual: saves its position at each timer an advance fires, before the timer runs', () => {
    const stateFile = join(dir, 'manual.json');
    const clock = new VirtualClock({ mode: 'manual', stateFile });
    const start = clock.nowMs();
    const seen: number[] = [];
    for (const at of [start + day, start + 2 * day]) clock.at(at, () => seen.push(savedReading(stateFile)));

    clock.advance(3 * day);

    expect(seen).toEqual([start + day, start + 2 * day]);
    expect(new VirtualClock({ mode: 'manual', stateFile }).nowMs()).toBe(start + 3 * day);
  });

  it('scaled: a restart never reads earlier than any reading given out', async () => {
    const stateFile = join(dir, 'scaled.json');
    const clock = new VirtualClock({ mode: 'scaled', scale: 86_400, stateFile });
    let last = clock.nowMs();
    for (let i = 0; i < 5; i++) {
      await new Promise((wait) => setTimeout(wait, 30));
      last = clock.nowMs();
    }

    const restarted = new VirtualClock({ mode: 'scaled', scale: 86_400, stateFile });

    expect(restarted.nowMs()).toBeGreaterThanOrEqual(last);
    restarted.stop();
    clock.stop();
  });
});
