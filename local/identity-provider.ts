import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { escapeHtml } from '../functions/domain/html.js';
import { type Role, roles } from '../lib/api-routes.js';
import { writeFileDurably } from './durable-file.js';
import type { LocalResponse, LocalRoute } from './router.js';
import { SignInThrottle } from './sign-in-throttle.js';

/**
 * The local runtime's stand-in for Amazon Cognito: the same OAuth 2.0 authorization-code flow
 * with PKCE as Cognito's hosted UI (`/oauth2/authorize`, `/oauth2/token`), and ID tokens with the
 * same claims (`sub`, `email`, `cognito:groups`, `iss`, `aud`, `exp`, `token_use`), signed RS256
 * with a key kept in the data dir and published as a JWKS. The admin page signs in the same way
 * against either. Users are listed in `<data dir>/users.json`, with scrypt password hashes.
 */
export const localClientId = 'leadflow-admin-local';
const tokenLifetimeSeconds = 3600;
const codeLifetimeMs = 5 * 60_000;
/** Failed sign-ins in a row before a lockout: Cognito's 5 per user; more per client, which tries many names. */
const freeFailuresPerUser = 5;
const freeFailuresPerClient = 20;

export interface LocalUser {
  username: string;
  email: string;
  groups: Role[];
  /** `scrypt:<salt>:<hash>`, base64url. */
  passwordHash: string;
}

interface IssuedCode {
  user: LocalUser;
  redirectUri: string;
  challenge: string;
  expires: number;
}

const hashPassword = (password: string, salt = randomBytes(16)) =>
  `scrypt:${salt.toString('base64url')}:${scryptSync(password, salt, 32).toString('base64url')}`;

const passwordMatches = (password: string, stored: string): boolean => {
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const given = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(given, expected);
};

/**
 * The signing key mints any role's token and the users file holds password hashes: like the admin
 * token, readable by their owner only, also when an older version left them open.
 */
const ownerOnly = 0o600;
const readPrivateFile = (file: string): string => {
  chmodSync(file, ownerOnly);
  return readFileSync(file, 'utf8');
};

/** A password set at this start, to show once. */
export type IssuedPassword = { username: string; password: string };
const newPassword = () => randomBytes(12).toString('base64url');

/**
 * The users file, created on first start with one user per group; their passwords shown once.
 * `resetPasswords` gives every user in it a new password, shown once the same way.
 */
const loadUsers = (
  file: string,
  resetPasswords: boolean,
): { users: LocalUser[]; issued?: IssuedPassword[] } => {
  if (existsSync(file)) {
    const { users } = JSON.parse(readPrivateFile(file)) as { users: LocalUser[] };
    const known = users.map((user) => ({ ...user, groups: roles.filter((r) => user.groups.includes(r)) }));
    if (!resetPasswords) return { users: known };
    const reset = known.map((user) => ({ user, password: newPassword() }));
    const withNew = reset.map(({ user, password }) => ({ ...user, passwordHash: hashPassword(password) }));
    writeFileDurably(file, `${JSON.stringify({ users: withNew }, null, 2)}\n`, ownerOnly);
    return {
      users: withNew,
      issued: reset.map(({ user, password }) => ({ username: user.username, password })),
    };
  }
  const issued = roles.map((role) => ({ username: role, password: newPassword() }));
  const users = issued.map(({ username, password }) => ({
    username,
    email: `${username}@leadflow.example`,
    groups: [username as Role],
    passwordHash: hashPassword(password),
  }));
  writeFileDurably(file, `${JSON.stringify({ users }, null, 2)}\n`, ownerOnly);
  return { users, issued };
};

const loadKey = async (file: string): Promise<JWK> => {
  if (existsSync(file)) return JSON.parse(readPrivateFile(file)) as JWK;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  writeFileDurably(file, JSON.stringify(jwk), ownerOnly);
  return jwk;
};

/** `formTargets`: where the form may post and be redirected to (browsers hold redirects to form-action). */
const html = (status: number, body: string, formTargets: readonly string[], headers = {}): LocalResponse => ({
  status,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formTargets.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    ...headers,
  },
  body,
});

const json = (status: number, body: unknown): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const oauthError = (error: string, description: string) =>
  json(400, { error, error_description: description });

export interface LocalIdentityProvider {
  issuer: string;
  clientId: string;
  /** The public keys, as `/.well-known/jwks.json` serves them. */
  jwks: { keys: JWK[] };
  /** The user names to sign in with. */
  usernames: string[];
  /** Passwords set at this start (users created, or `resetPasswords`): shown once. */
  issuedPasswords?: IssuedPassword[];
  usersFile: string;
  routes: LocalRoute[];
}

/**
 * `baseUrl` is the runtime's; the provider lives under `/_local/idp`. `ownOrigins` are the
 * runtime's pages' origins (127.0.0.1 and localhost), the only places sign-in returns to.
 */
export const startIdentityProvider = async (
  dataDir: string,
  baseUrl: string,
  ownOrigins: readonly string[],
  resetPasswords = false,
): Promise<LocalIdentityProvider> => {
  const usersFile = join(dataDir, 'users.json');
  const { users, issued: issuedPasswords } = loadUsers(usersFile, resetPasswords);
  const privateJwk = await loadKey(join(dataDir, 'idp-key.json'));
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const signingKey = await importJWK(privateJwk, 'RS256');
  const issuer = `${baseUrl}/_local/idp`;
  const codes = new Map<string, IssuedCode>();
  const userThrottle = new SignInThrottle(freeFailuresPerUser);
  const clientThrottle = new SignInThrottle(freeFailuresPerClient);

  const idToken = (user: LocalUser) =>
    new SignJWT({
      email: user.email,
      'cognito:groups': user.groups,
      'cognito:username': user.username,
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid ?? '' })
      .setSubject(createHash('sha256').update(`local:${user.username}`).digest('hex').slice(0, 32))
      .setIssuer(issuer)
      .setAudience(localClientId)
      .setIssuedAt()
      .setExpirationTime(`${tokenLifetimeSeconds}s`)
      .sign(signingKey);

  const signInPage = (params: URLSearchParams, status = 200, message = '', headers = {}) => {
    const hidden = [
      'response_type',
      'client_id',
      'redirect_uri',
      'state',
      'code_challenge',
      'code_challenge_method',
    ]
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`)
      .join('');
    return html(
      status,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in — Leadflow (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}</style></head>
<body><h1>Sign in</h1><p>Leadflow's local sign-in, standing in for Amazon Cognito. Users are in <code>${escapeHtml(usersFile)}</code>.</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post">${hidden}<label for="username">User name</label><input id="username" name="username" type="text" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></body></html>`,
      ownOrigins,
      headers,
    );
  };

  /** Written as the page's own origin spells it: no user info, no other spelling of the host. */
  const returnsToThisRuntime = (redirect: string) =>
    ownOrigins.some((origin) => redirect.startsWith(`${origin}/`)) &&
    URL.canParse(redirect) &&
    ownOrigins.includes(new URL(redirect).origin);

  /** The checks Cognito makes of an authorize request, here for the one local client. */
  const authorizeRequestIssue = (params: URLSearchParams): string | undefined => {
    if (params.get('response_type') !== 'code') return 'response_type must be code';
    if (params.get('client_id') !== localClientId) return 'unknown client_id';
    if (!returnsToThisRuntime(params.get('redirect_uri') ?? '')) {
      return 'redirect_uri must be on this runtime';
    }
    if (params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge')) {
      return 'PKCE with S256 is required';
    }
    return undefined;
  };

  /** The user's password, unless the user name or this client is locked out: then how long, in ms. */
  const checkPassword = (
    username: string,
    password: string,
    request: IncomingMessage,
  ): { user: LocalUser } | { wrong: true } | { lockedForMs: number } => {
    const client = request.socket.remoteAddress ?? '';
    const lockedForMs = Math.max(userThrottle.lockedFor(username), clientThrottle.lockedFor(client));
    if (lockedForMs > 0) return { lockedForMs };
    const user = users.find((u) => u.username === username);
    if (!user || !passwordMatches(password, user.passwordHash)) {
      userThrottle.failed(username);
      clientThrottle.failed(client);
      return { wrong: true };
    }
    userThrottle.succeeded(username);
    clientThrottle.succeeded(client);
    return { user };
  };

  const routes: LocalRoute[] = [
    {
      method: 'GET',
      path: '/_local/idp/.well-known/jwks.json',
      handle: () => json(200, { keys: [publicJwk] }),
    },
    {
      method: 'GET',
      path: '/_local/idp/oauth2/authorize',
      handle: (_body, url) => {
        const issue = authorizeRequestIssue(url.searchParams);
        return issue ? oauthError('invalid_request', issue) : signInPage(url.searchParams);
      },
    },
    {
      method: 'POST',
      path: '/_local/idp/oauth2/authorize',
      handle: (body, _url, request) => {
        const params = new URLSearchParams(body.toString('utf8'));
        const issue = authorizeRequestIssue(params);
        if (issue) return oauthError('invalid_request', issue);
        const checked = checkPassword(params.get('username') ?? '', params.get('password') ?? '', request);
        if ('lockedForMs' in checked) {
          const seconds = Math.ceil(checked.lockedForMs / 1000);
          return signInPage(
            params,
            429,
            `Too many failed sign-ins. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
            { 'retry-after': String(seconds) },
          );
        }
        if ('wrong' in checked) return signInPage(params, 401, 'Incorrect user name or password.');
        const { user } = checked;
        const code = randomBytes(24).toString('base64url');
        const redirectUri = params.get('redirect_uri') ?? '';
        codes.set(code, {
          user,
          redirectUri,
          challenge: params.get('code_challenge') ?? '',
          expires: Date.now() + codeLifetimeMs,
        });
        const target = new URL(redirectUri);
        target.searchParams.set('code', code);
        const state = params.get('state');
        if (state) target.searchParams.set('state', state);
        return { status: 302, headers: { location: target.href, 'cache-control': 'no-store' } };
      },
    },
    {
      method: 'POST',
      path: '/_local/idp/oauth2/token',
      handle: async (body) => {
        const params = new URLSearchParams(body.toString('utf8'));
        if (params.get('grant_type') !== 'authorization_code') {
          return oauthError('unsupported_grant_type', 'only authorization_code');
        }
        const code = params.get('code') ?? '';
        const issued = codes.get(code);
        // A code works once, for the client and redirect it was issued to, with its verifier.
        codes.delete(code);
        const verifier = params.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (
          !issued ||
          issued.expires < Date.now() ||
          params.get('client_id') !== localClientId ||
          params.get('redirect_uri') !== issued.redirectUri ||
          challenge !== issued.challenge
        ) {
          return oauthError('invalid_grant', 'the code is unknown, used, expired, or not for this verifier');
        }
        return json(200, {
          id_token: await idToken(issued.user),
          token_type: 'Bearer',
          expires_in: tokenLifetimeSeconds,
        });
      },
    },
  ];

  return {
    issuer,
    clientId: localClientId,
    jwks: { keys: [publicJwk] },
    usersFile,
    routes,
    usernames: users.map((user) => user.username),
    ...(issuedPasswords ? { issuedPasswords } : {}),
  };
};
