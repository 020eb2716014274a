import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { OutboxEntry } from '../../local/ses-endpoint.js';
import { writeLocalUsers } from './local-users.js';

const repoRoot = resolve(import.meta.dirname, '../..');

export interface RunningRuntime {
  url: string;
  adminToken: string;
  dataDir: string;
  /** Fetch relative to the runtime; `admin: true` adds the bearer token. */
  call(path: string, init?: RequestInit & { admin?: boolean; json?: unknown }): Promise<Response>;
  /** Moves the manual clock forward, firing what falls due and waiting for the journeys to settle. */
  advance(by: string): Promise<void>;
  /** Waits until the journeys have done what the last request set off. */
  settle(): Promise<void>;
  outbox(): Promise<OutboxItem[]>;
  restart(): Promise<void>;
  /** SIGKILLs the runtime's process group (it and its DynamoDB Local JVM), as a crash would; needs `ownProcessGroup`. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** As `GET /_local/outbox` lists them. */
export type OutboxItem = OutboxEntry;

/**
 * What suites about the journey that follows a lead use: single opt-in for every form (the
 * consent of the submission counts at once, as a deployment may choose) and no per-client limit
 * (a suite posts many leads from one address). Suites about the public edge start without it.
 */
export const journeyEnv = { LEADFLOW_SINGLE_OPT_IN_FORMS: '*', LEADFLOW_INTAKE_RATE: '0' } as const;

/**
 * Starts `bin/local.ts` the way `npm start` does, on a free port with a fresh data dir and the
 * manual clock, and waits for it to say where it listens. `env` adds to its environment.
 * `ownProcessGroup` starts it in a process group of its own, for `kill()`; without it, a Ctrl+C
 * in the terminal reaches the runtime too and stops it cleanly.
 */
export const startRuntime = async (
  options: { dataDir?: string; env?: Record<string, string>; ownProcessGroup?: boolean } = {},
): Promise<RunningRuntime> => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'leadflow-test-'));
  const adminToken = randomBytes(16).toString('hex');
  let child: ChildProcess;
  let url = '';

  const launch = async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/local.ts', '--port', '0', '--data', dataDir, '--clock', 'manual'],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          LEADFLOW_ADMIN_TOKEN: adminToken,
          POWERTOOLS_LOG_LEVEL: 'WARN',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: options.ownProcessGroup ?? false,
      },
    );
    let output = '';
    url = await new Promise<string>((started, failed) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Landing page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
        if (match?.[1]) started(match[1]);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) => failed(new Error(`The local runtime exited (${code}):\n${output}`)));
    });
  };

  const call: RunningRuntime['call'] = (path, init = {}) => {
    const { admin, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (admin) headers.set('authorization', `Bearer ${adminToken}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${url}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  };

  const signal = async (send: () => void) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    send();
    await exited;
  };
  const stopChild = () => signal(() => child.kill('SIGTERM'));

  await launch();
  return {
    url,
    adminToken,
    dataDir,
    call,
    advance: async (by) => {
      const response = await call('/_local/clock/advance', { method: 'POST', json: { by } });
      if (!response.ok) throw new Error(`clock advance failed: ${response.status} ${await response.text()}`);
    },
    settle: async () => {
      await call('/_local/settle', { method: 'POST' });
    },
    outbox: async () => (await (await call('/_local/outbox')).json()) as OutboxItem[],
    restart: async () => {
      await stopChild();
      await launch();
    },
    kill: async () => {
      const { pid } = child;
      if (!options.ownProcessGroup || pid === undefined) {
        throw new Error('kill() needs a runtime started with { ownProcessGroup: true }');
      }
      await signal(() => process.kill(-pid, 'SIGKILL'));
    },
    stop: async () => {
      await stopChild();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** The runtime of a suite: `useRuntime()`'s handle, usable in the suite's tests and hooks. */
export interface SuiteRuntime extends RunningRuntime {
  /** The runtime's clock (`GET /_local/clock`). */
  now(): Promise<Date>;
}

/**
 * One runtime for the suite that calls it (at the top of the file): started before its tests in a
 * data dir of its own, stopped after them and its data dir removed. `users` lists one local user
 * per group first (`writeLocalUsers`). The data dir is known at once, so a suite may name paths in
 * it; everything else reads the runtime once started.
 */
export const useRuntime = (
  options: { env?: Record<string, string>; ownProcessGroup?: boolean; users?: boolean } = {},
): SuiteRuntime => {
  const { users, ...start } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-test-'));
  let current: RunningRuntime | undefined;
  beforeAll(async () => {
    if (users) writeLocalUsers(dataDir);
    current = await startRuntime({ ...start, dataDir });
  });
  afterAll(async () => {
    await current?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const running = (): RunningRuntime => {
    if (!current) throw new Error('the runtime is not started yet: useRuntime() starts it in beforeAll');
    return current;
  };
  return {
    get url() {
      return running().url;
    },
    get adminToken() {
      return running().adminToken;
    },
    dataDir,
    call: (path, init) => running().call(path, init),
    advance: (by) => running().advance(by),
    settle: () => running().settle(),
    outbox: () => running().outbox(),
    restart: () => running().restart(),
    kill: () => running().kill(),
    stop: () => running().stop(),
    now: async () => {
      const { now } = (await (await running().call('/_local/clock')).json()) as { now: string };
      return new Date(now);
    },
  };
};
