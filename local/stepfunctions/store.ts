import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRecord } from './model.js';

/** How long history changes may wait before they reach the disk; starts and ends are written at once. */
const flushDelayMs = 200;

/**
 * Executions on disk, one JSON file each under `dir`. A running journey adds events all the time,
 * so those writes are batched; a start or an end is written straight away, and files are replaced
 * atomically so a runtime killed mid-write leaves the previous version, never half a file.
 */
export class ExecutionStore {
  private readonly dirty = new Set<ExecutionRecord>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  load(): ExecutionRecord[] {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => {
        const path = join(this.dir, file);
        try {
          return JSON.parse(readFileSync(path, 'utf8')) as ExecutionRecord;
        } catch (error) {
          throw new Error(`Cannot read the saved Step Functions execution ${path}`, { cause: error });
        }
      });
  }

  save(record: ExecutionRecord): void {
    this.dirty.delete(record);
    const path = join(this.dir, fileName(record));
    writeFileSync(`${path}.tmp`, JSON.stringify(record));
    renameSync(`${path}.tmp`, path);
  }

  /** Marks a record changed; it is saved within `flushDelayMs`. */
  touch(record: ExecutionRecord): void {
    this.dirty.add(record);
    this.flushTimer ??= setTimeout(() => this.flush(), flushDelayMs).unref();
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const record of [...this.dirty]) this.save(record);
  }
}

/** `<state machine>:<execution>`: neither name may hold a colon, so the file name is unambiguous. */
const fileName = (record: ExecutionRecord): string => {
  const stateMachineName = record.stateMachineArn.split(':').at(-1) ?? '';
  return `${encodeURIComponent(`${stateMachineName}:${record.name}`)}.json`;
};
