import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `path` whole or not at all: the data goes to a temp file, synced to disk, then renamed over
 * `path`, so neither a kill nor a power cut leaves it half written or empty.
 */
export const writeFileDurably = (path: string, data: string | Uint8Array): void => {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
};
