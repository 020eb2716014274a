import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';

/**
 * What API Gateway's HTTP API JWT authorizer checks of a bearer token, done locally with `jose`:
 * a `kid` naming a key of the issuer's JWKS and the signature by it, the issuer, the audience (the
 * app client), an `exp` still ahead (required: a token without one would never expire), and `nbf`
 * and `iat` not ahead. Also what Cognito asks a verifier of its ID tokens to check, which API
 * Gateway cannot: `token_use` is `id`, the token the admin page sends and the only one the local
 * sign-in issues. Anything else (no token, `alg: none`, a wrong key) is undefined: a 401.
 */
export const jwtAuthorizer = (options: { issuer: string; audience: string; jwks: JSONWebKeySet }) => {
  const keys = createLocalJWKSet(options.jwks);
  return async (authorization: string | undefined): Promise<JWTPayload | undefined> => {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
      });
      const issuedAhead = typeof payload.iat === 'number' && payload.iat > Date.now() / 1000;
      if (!protectedHeader.kid || payload.token_use !== 'id' || issuedAhead) return undefined;
      return payload;
    } catch {
      return undefined;
    }
  };
};
