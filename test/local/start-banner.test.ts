import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * `npm start` as a person runs it in a terminal: the real command, its real output. The suite's
 * own quieting (vitest's env) is taken away, so what is quiet here is quiet for a user too.
 */
const repoRoot = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-start-banner-'));
const bootTimeout = 180_000;

interface Started {
  child: ChildProcess;
  url: string;
  /** Everything printed so far, stdout and stderr as the terminal interleaves them. */
  output: () => string;
  /** Ctrl+C: the terminal signals the whole foreground process group. */
  stop: () => Promise<void>;
}

let running: Started | undefined;

const npmStart = async (args: string[]): Promise<Started> => {
  const {
    POWERTOOLS_LOG_LEVEL: _level,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _warning,
    ...userEnv
  } = process.env;
  const child = spawn('npm', ['start', '--', '--port', '0', '--data', dataDir, ...args], {
    cwd: repoRoot,
    env: userEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(-child.pid, 'SIGINT');
    await exited;
  };
  const url = await new Promise<string>((started, failed) => {
    const timer = setTimeout(() => failed(new Error(`no banner in time:\n${output}`)), bootTimeout);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Landing page\s+(http:\/\/127\.0\.0\.1:\d+)\/[\s\S]*Stop with Ctrl\+C\./.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        started(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => failed(new Error(`npm start exited (${code}):\n${output}`)));
  });
  running = { child, url, output: () => output, stop };
  return running;
};

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** The banner: from its first line to "Stop with Ctrl+C.". */
const bannerOf = (output: string) =>
  /Leadflow is running locally\.[\s\S]*?Stop with Ctrl\+C\./.exec(output)?.[0] ?? '';

const passwordsIn = (banner: string) =>
  new Map(
    [...banner.matchAll(/^\s+(\w+)\s+password (\S+)\s+\(shown once\)$/gm)].map(
      ([, user, password]) => [user ?? '', password ?? ''] as const,
    ),
  );

/** The local sign-in form, posted as the admin page's sign-in posts it: 302 signs in, 401 does not. */
const signIn = async (url: string, username: string, password: string) => {
  const verifier = randomBytes(32).toString('base64url');
  const response = await fetch(`${url}/_local/idp/oauth2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      response_type: 'code',
      client_id: 'leadflow-admin-local',
      redirect_uri: `${url}/admin`,
      state: 'banner',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      username,
      password,
    }).toString(),
    redirect: 'manual',
  });
  return response.status;
};

/** A lead whose journey logs at INFO all the way to a sales handoff. */
const submitLead = async (url: string, email: string) => {
  const response = await fetch(`${url}/v1/contacts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, consent: true, buyingStage: 'ready_to_talk' }),
  });
  expect(response.status).toBe(202);
  await fetch(`${url}/_local/settle`, { method: 'POST' });
};

const infoLine = /"level":"INFO"/;
const nodeWarning = /will require node >=22|NodeVersionSupportWarning/;

describe('npm start', () => {
  let firstPasswords = new Map<string, string>();

  it(
    'prints one banner with the names to sign in as, their passwords once, and what a local day does to the sales SLA',
    async () => {
      const { url, output } = await npmStart(['--day-every', '2s']);
      await submitLead(url, 'banner-first@example.com');

      const banner = bannerOf(output());
      expect(banner).toMatch(/Sign in as\s+marketing, sales, admin/);
      firstPasswords = passwordsIn(banner);
      expect([...firstPasswords.keys()]).toEqual(['marketing', 'sales', 'admin']);
      for (const [user, password] of firstPasswords) expect(await signIn(url, user, password)).toBe(302);
      expect(banner).toContain("a day lasts 2 s: a sales lead's 5-day answer time is 10 s");
      // Nothing after it buries it: a lead's whole journey logs no INFO line, and the SDK's
      // notice about Node 22 is nowhere, banner or not.
      expect(output().trimEnd().endsWith('Stop with Ctrl+C.')).toBe(true);
      expect(output()).not.toMatch(infoLine);
      expect(output()).not.toMatch(nodeWarning);
    },
    bootTimeout + 60_000,
  );

  it(
    'names the users again on the next start, shows no password, and says how to get new ones',
    async () => {
      const { url, output } = await npmStart([]);
      const banner = bannerOf(output());
      expect(banner).toMatch(/Sign in as\s+marketing, sales, admin/);
      expect(passwordsIn(banner).size).toBe(0);
      expect(banner).toContain('npm start -- --reset-passwords');
      expect(banner).toContain("a day lasts 5 s: a sales lead's 5-day answer time is 25 s");
      expect(await signIn(url, 'sales', firstPasswords.get('sales') ?? '')).toBe(302);
    },
    bootTimeout + 60_000,
  );

  it(
    'with --reset-passwords gives every user a new password, shown once; with --verbose streams the INFO logs',
    async () => {
      const { url, output } = await npmStart(['--reset-passwords', '--verbose', '--clock', 'manual']);
      const reset = passwordsIn(bannerOf(output()));
      expect([...reset.keys()]).toEqual(['marketing', 'sales', 'admin']);
      for (const [user, password] of reset) {
        expect(password).not.toBe(firstPasswords.get(user));
        expect(await signIn(url, user, password)).toBe(302);
        expect(await signIn(url, user, firstPasswords.get(user) ?? '')).toBe(401);
      }
      expect(bannerOf(output())).toMatch(
        /manual: .*a sales lead's 5-day answer time passes only as you advance it/,
      );
      await submitLead(url, 'banner-verbose@example.com');
      expect(output()).toMatch(infoLine);
      expect(output()).not.toMatch(nodeWarning);
    },
    bootTimeout + 60_000,
  );
});
