import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { passwordOf, writeLocalUsers } from '../support/local-users.js';
import { rawRequest } from '../support/raw-http.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-sign-in-hardening-'));
let runtime: RunningRuntime;

beforeAll(async () => {
  writeLocalUsers(dataDir);
  runtime = await startRuntime({ dataDir });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const port = () => new URL(runtime.url).port;
const modeOf = (name: string) => statSync(join(dataDir, name)).mode & 0o777;

const authorizeParams = (redirectUri: string) => {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'leadflow-admin-local',
    redirect_uri: redirectUri,
    state: 'xyz',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return { params, verifier };
};

/** The sign-in form posted as the page posts it. */
const postSignIn = (username: string, password: string, redirectUri = `${runtime.url}/admin`) =>
  runtime.call('/_local/idp/oauth2/authorize', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...Object.fromEntries(authorizeParams(redirectUri).params),
      username,
      password,
    }).toString(),
    redirect: 'manual',
  });

describe('the sign-in key and the users file', () => {
  it('are readable by their owner only: the key made at start, and a users file that was not', () => {
    expect(modeOf('idp-key.json')).toBe(0o600);
    expect(modeOf('users.json')).toBe(0o600);
  });
});

describe('the redirect_uri of a sign-in', () => {
  it('may be the admin page at localhost:PORT, and the code it brings back works there', async () => {
    const redirectUri = `http://localhost:${port()}/admin`;
    const { params, verifier } = authorizeParams(redirectUri);
    expect((await runtime.call(`/_local/idp/oauth2/authorize?${params}`)).status).toBe(200);
    const signedIn = await runtime.call('/_local/idp/oauth2/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...Object.fromEntries(params),
        username: 'sales',
        password: passwordOf('sales'),
      }).toString(),
      redirect: 'manual',
    });
    expect(signedIn.status).toBe(302);
    const back = new URL(signedIn.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(redirectUri);
    // The page at localhost:PORT exchanges it with the runtime at 127.0.0.1, across origins.
    const token = await rawRequest(runtime.url, '/_local/idp/oauth2/token', {
      method: 'POST',
      headers: {
        origin: `http://localhost:${port()}`,
        'sec-fetch-site': 'cross-site',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'leadflow-admin-local',
        code: back.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    expect(token.status, token.body).toBe(200);
    expect(token.headers.get('access-control-allow-origin')).toBe(`http://localhost:${port()}`);
    expect(JSON.parse(token.body).id_token).toEqual(expect.any(String));
  });

  it.each([
    () => `http://127.0.0.1:${Number(port()) + 1}/admin`,
    () => `http://localhost:${Number(port()) + 1}/admin`,
    () => `https://localhost:${port()}/admin`,
    () => `http://localhost.evil.example:${port()}/admin`,
    () => `http://127.0.0.1:${port()}@evil.example/admin`,
    () => `http://evil.example/admin?back=http://127.0.0.1:${port()}/`,
    () => `http://localhost:${port()}`,
  ])('may be nothing else (%#)', async (redirectUri) => {
    const { params } = authorizeParams(redirectUri());
    const page = await runtime.call(`/_local/idp/oauth2/authorize?${params}`);
    expect(page.status).toBe(400);
    expect(((await page.json()) as { error_description: string }).error_description).toBe(
      'redirect_uri must be on this runtime',
    );
    const posted = await postSignIn('sales', passwordOf('sales'), redirectUri());
    expect(posted.status).toBe(400);
  });
});

/**
 * Fails sign-ins through `attempt` until the lockout it earns is at least 4 s, so the next request
 * surely lands inside it however slow this machine is: the lockout starts at 1 s after a run of
 * failures and doubles with each failure after it has passed.
 */
const lockOut = async (attempt: () => Promise<Response>) => {
  const waits: number[] = [];
  for (let tries = 0; tries < 40; tries++) {
    const answer = await attempt();
    if (answer.status === 401) continue;
    expect(answer.status).toBe(429);
    expect(await answer.text()).toContain('Too many failed sign-ins. Try again in');
    const seconds = Number(answer.headers.get('retry-after'));
    waits.push(seconds);
    if (seconds >= 4) return waits;
    await sleep(seconds * 1000);
  }
  throw new Error(`no lockout of 4 s or more; Retry-After was ${waits.join(', ')}`);
};

/** The right password is refused while locked out, and taken once the lockout has passed. */
const lockedOutThenSignsIn = async (username: 'sales' | 'marketing') => {
  const refused = await postSignIn(username, passwordOf(username));
  expect(refused.status).toBe(429);
  const seconds = Number(refused.headers.get('retry-after'));
  expect(seconds).toBeGreaterThanOrEqual(1);
  await sleep(seconds * 1000);
  expect((await postSignIn(username, passwordOf(username))).status).toBe(302);
};

describe('failed sign-ins', () => {
  it('lock a user name out, 1 s after 5 failures and doubling, with 429 and Retry-After', async () => {
    for (let failure = 1; failure <= 4; failure++) {
      expect((await postSignIn('marketing', 'not-it')).status).toBe(401);
    }
    const waits = await lockOut(() => postSignIn('marketing', 'not-it'));
    // Each lockout seen is twice the one before, or more when one passed before the next request.
    for (const [index, seconds] of waits.entries()) {
      expect(Math.log2(seconds) % 1).toBe(0);
      if (index > 0) expect(seconds).toBeGreaterThan(waits[index - 1] ?? 0);
    }
    // Other users are not locked out by it.
    expect((await postSignIn('sales', passwordOf('sales'))).status).toBe(302);
    await lockedOutThenSignsIn('marketing');
  });

  it('lock a client out that tries many user names', async () => {
    let guess = 0;
    await lockOut(() => postSignIn(`guess-${guess++}`, 'not-it'));
    // No single name failed more than once: the client's own count locked it out.
    expect(guess).toBeGreaterThan(20);
    await lockedOutThenSignsIn('sales');
  });
});

describe('a key file left readable by an older version', () => {
  const kids = async () =>
    (
      (await (await runtime.call('/_local/idp/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }
    ).keys.map((key) => key.kid);
  let before: string[];

  // A restart starts DynamoDB Local again: in a hook, which has the time for it.
  beforeAll(async () => {
    before = await kids();
    chmodSync(join(dataDir, 'idp-key.json'), 0o644);
    await runtime.restart();
  });

  it('is made readable by its owner only at the next start, and is the same key', async () => {
    expect(modeOf('idp-key.json')).toBe(0o600);
    expect(await kids()).toEqual(before);
  });
});
