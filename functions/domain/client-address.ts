import { createHmac } from 'node:crypto';

/**
 * A client's network address as we keep it: an HMAC under the deployment's own secret, so a
 * record can show two requests came from one place without storing the address, and nobody
 * without the secret can test a guess against it.
 */
export const hashClientAddress = (address: string, secret: string | Uint8Array): string =>
  createHmac('sha256', secret).update('leadflow/client-address/v1:').update(address).digest('base64url');
