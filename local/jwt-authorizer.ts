import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';

/**
 * What API Gateway's HTTP API JWT authorizer checks of a bearer token, done locally with `jose`:
 * the signature against the issuer's JWKS, the issuer, the audience (the app client) and the
 * expiry. Anything else (no token, `alg: none`, a wrong key) is undefined: a 401.
 */
export const jwtAuthorizer = (options: { issuer: string; audience: string; jwks: JSONWebKeySet }) => {
  const keys = createLocalJWKSet(options.jwks);
  return async (authorization: string | undefined): Promise<JWTPayload | undefined> => {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
      });
      return payload;
    } catch {
      return undefined;
    }
  };
};
