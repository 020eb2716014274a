import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Role, roles } from '../../lib/api-routes.js';

/** Who made an admin request, from the claims the JWT authorizer (or the local router) verified. */
export interface Caller {
  sub: string;
  email?: string;
  roles: Role[];
}

type ClaimValue = string | number | boolean | string[];

/**
 * API Gateway's HTTP API JWT authorizer hands array claims over as one string, `[a b]`; the local
 * router hands a real array. Both read the same.
 */
const groupsOf = (claim: ClaimValue | undefined): string[] => {
  if (Array.isArray(claim)) return claim;
  if (typeof claim !== 'string') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter((group) => group !== '');
};

export const callerOf = (event: APIGatewayProxyEventV2): Caller | undefined => {
  const context = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, ClaimValue> } };
  };
  const claims = context.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') return undefined;
  const email = claims?.email;
  const groups = groupsOf(claims?.['cognito:groups']);
  return {
    sub,
    ...(typeof email === 'string' ? { email } : {}),
    roles: roles.filter((role) => groups.includes(role)),
  };
};
