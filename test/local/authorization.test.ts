import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, importJWK, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxPathParameterLength } from '../../functions/http/admin-router.js';
import { apiRoutes, type Role, roles } from '../../lib/api-routes.js';
import { type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { passwordOf, writeLocalUsers } from '../support/local-users.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-authz-'));
let runtime: RunningRuntime;

beforeAll(async () => {
  writeLocalUsers(dataDir);
  runtime = await startRuntime({ dataDir });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The sign-in form's answer: an authorization code, for the verifier behind its challenge. */
const authorize = async (username: string, password: string) => {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'leadflow-admin-local',
    redirect_uri: `${runtime.url}/admin`,
    state: 'xyz',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const page = await runtime.call(`/_local/idp/oauth2/authorize?${params}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post">');
  const answer = await runtime.call('/_local/idp/oauth2/authorize', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...Object.fromEntries(params), username, password }).toString(),
    redirect: 'manual',
  });
  if (answer.status !== 302) throw new Error(`sign-in answered ${answer.status}`);
  const back = new URL(answer.headers.get('location') ?? '');
  expect(back.searchParams.get('state')).toBe('xyz');
  return { code: back.searchParams.get('code') ?? '', verifier };
};

const exchange = (code: string, verifier: string) =>
  runtime.call('/_local/idp/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'leadflow-admin-local',
      code,
      redirect_uri: `${runtime.url}/admin`,
      code_verifier: verifier,
    }).toString(),
  });

/** The admin page's sign-in: the authorization-code flow with PKCE, as against Cognito's hosted UI. */
const signIn = async (username: string, password: string): Promise<string> => {
  const { code, verifier } = await authorize(username, password);
  const token = await exchange(code, verifier);
  expect(token.status).toBe(200);
  return ((await token.json()) as { id_token: string }).id_token;
};

/** A request each admin route can take without changing anything that matters. */
const requestFor = (method: string, path: string): RequestInit & { path: string } => ({
  path: path.replace('{id}', 'no-such-contact').replace('{track}', 'nurture').replace('{name}', 'welcome'),
  method,
  ...(method === 'POST' || method === 'PUT'
    ? { body: '{}', headers: { 'content-type': 'application/json' } }
    : {}),
});

const call = (token: string, method: string, path: string) => {
  const { path: target, ...init } = requestFor(method, path);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return runtime.call(target, { ...init, headers });
};

const adminRoutes = apiRoutes.filter((route) => route.auth === 'admin');

describe('signing in', () => {
  it('refuses a wrong password, and a code used twice or without its verifier', async () => {
    await expect(signIn('sales', 'not-it')).rejects.toThrow('401');
    const { code, verifier } = await authorize('sales', passwordOf('sales'));
    expect((await exchange(code, 'not-the-verifier')).status).toBe(400);
    // The failed attempt spent the code, as a used one is spent.
    expect((await exchange(code, verifier)).status).toBe(400);
    const fresh = await authorize('sales', passwordOf('sales'));
    expect((await exchange(fresh.code, fresh.verifier)).status).toBe(200);
    expect((await exchange(fresh.code, fresh.verifier)).status).toBe(400);
  });
});

describe('every admin route, for every group', () => {
  const tokens = new Map<Role, string>();
  beforeAll(async () => {
    for (const role of roles) tokens.set(role, await signIn(role, passwordOf(role)));
  });

  it.each(roles)('%s: allowed where the route lists the group, 403 elsewhere', async (role) => {
    const table: string[] = [];
    for (const route of adminRoutes) {
      const response = await call(tokens.get(role) ?? '', route.method, route.path);
      const allowed = route.roles?.includes(role) ?? false;
      table.push(`${route.method} ${route.path}: ${response.status}`);
      if (allowed) {
        expect([401, 403], `${route.method} ${route.path}`).not.toContain(response.status);
      } else {
        expect(response.status, `${route.method} ${route.path}`).toBe(403);
        const body = (await response.json()) as { error: { code: string } };
        expect(body.error.code).toBe('forbidden');
      }
    }
    expect(table).toHaveLength(adminRoutes.length);
  });

  it('refuses a path parameter longer than any id by its name, changing nothing', async () => {
    const withParameter = adminRoutes.filter((route) => route.path.includes('{'));
    expect(withParameter.length).toBeGreaterThan(3);
    for (const route of withParameter) {
      const name = /\{(\w+)\}/.exec(route.path)?.[1] ?? '';
      const path = route.path.replace(`{${name}}`, 'x'.repeat(maxPathParameterLength + 1));
      const response = await call(tokens.get('admin') ?? '', route.method, path);
      expect(response.status, `${route.method} ${route.path}`).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'validation_failed', issues: [{ path: name }] },
      });
    }
  });
});

describe('tokens the JWT authorizer refuses', () => {
  const storedKey = () => JSON.parse(readFileSync(join(dataDir, 'idp-key.json'), 'utf8')) as JWK;
  const claims = { 'cognito:groups': ['admin'], email: 'admin@example.com', token_use: 'id' };
  const { token_use: _, ...withoutTokenUse } = claims;
  const issuer = () => `${runtime.url}/_local/idp`;

  /** A token as the local sign-in makes one (the header names the key), but for `change`. */
  const forged = async (
    change: (jwt: SignJWT) => SignJWT,
    options: { key?: CryptoKey; payload?: Record<string, unknown>; kid?: boolean; expires?: boolean } = {},
  ) => {
    const { payload = claims, kid = true, expires = true } = options;
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid: storedKey().kid } : {}) })
      .setSubject('someone')
      .setIssuedAt()
      .setIssuer(issuer())
      .setAudience('leadflow-admin-local');
    return change(expires ? jwt.setExpirationTime('1h') : jwt).sign(
      options.key ?? (await importJWK(storedKey(), 'RS256')),
    );
  };

  it.each([
    ['expired', () => forged((jwt) => jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 60))],
    ['that never expires (no exp)', () => forged((jwt) => jwt, { expires: false })],
    ['issued an hour from now', () => forged((jwt) => jwt.setIssuedAt(Math.floor(Date.now() / 1000) + 3600))],
    ['that is an access token', () => forged((jwt) => jwt, { payload: { ...claims, token_use: 'access' } })],
    ['that says not what it is (no token_use)', () => forged((jwt) => jwt, { payload: withoutTokenUse })],
    ['whose header names no key (no kid)', () => forged((jwt) => jwt, { kid: false })],
    ['for another audience', () => forged((jwt) => jwt.setAudience('someone-else'))],
    ['from another issuer', () => forged((jwt) => jwt.setIssuer('https://cognito-idp.example.com/other'))],
    [
      'signed by another key',
      async () => forged((jwt) => jwt, { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    [
      'unsigned',
      async () =>
        new UnsecuredJWT(claims)
          .setSubject('someone')
          .setIssuer(issuer())
          .setAudience('leadflow-admin-local')
          .setExpirationTime('1h')
          .encode(),
    ],
  ])('refuses a token %s with 401', async (_, make) => {
    const token = await make();
    for (const route of adminRoutes) {
      expect((await call(token, route.method, route.path)).status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it('takes a well-made token of the same key', async () => {
    expect((await call(await forged((jwt) => jwt), 'GET', '/v1/schedules')).status).toBe(200);
  });
});
