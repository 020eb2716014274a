import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `path` whole or not at all: the data goes to a temp file, synced to disk, then renamed over
 * `path`, so neither a kill nor a power cut leaves it half written or empty. With `mode`, the file
 * has exactly that mode (a temp file a kill left behind keeps the one it had).
 */
export const writeFileDurably = (path: string, data: string | Uint8Array, mode?: number): void => {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    if (mode !== undefined) fchmodSync(fd, mode);
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
};
