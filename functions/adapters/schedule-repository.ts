import { defaultSchedules, type Schedule, type Track } from '../domain/schedule.js';
import { schedulePk } from './table-keys.js';
import { VersionedStore } from './versioned-store.js';

/**
 * Schedules by track, versioned by the shared store. Until the first publish, a track runs its
 * built-in default as version 0.
 */
export class ScheduleRepository {
  private readonly store: VersionedStore<Schedule>;

  constructor(tableName: string) {
    this.store = new VersionedStore<Schedule>(tableName, 'schedule');
  }

  async current(track: Track): Promise<Schedule> {
    return (await this.store.current(schedulePk(track))) ?? defaultSchedules[track];
  }

  /** Newest first, the built-in default last. */
  async versions(track: Track): Promise<Schedule[]> {
    return [...(await this.store.versions(schedulePk(track))), defaultSchedules[track]];
  }

  /** False when another publish got there first (see `VersionedStore.publish`). */
  publish(schedule: Schedule, expectedVersion: number): Promise<boolean> {
    return this.store.publish(schedulePk(schedule.track), schedule, expectedVersion);
  }
}
