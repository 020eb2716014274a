import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loggableError } from '../../functions/adapters/logger.js';
import { withoutAddresses } from '../../functions/domain/email-address.js';
import { redactedUrl } from '../../functions/http/redacted-url.js';
import { serve } from '../../local/router.js';

const token = 'ZDY4c2lnbmVkLWxpbmstdG9rZW4';

describe('what the logs may hold', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer(serve(async () => ({ status: 200, body: 'fine' })));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  it('logs a one-click unsubscribe cut short without its signed-link token', async () => {
    const logged = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await new Promise<void>((done) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end(
          `POST /v1/unsubscribe?t=${token}&x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
            'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nList-Unsub',
        );
      });
      socket.on('close', () => done());
      socket.on('error', () => done());
      socket.resume();
    });
    await vi.waitFor(() => expect(logged).toHaveBeenCalled());
    const lines = logged.mock.calls.map((call) => call.join(' '));
    logged.mockRestore();
    expect(lines.join('\n')).toContain('the body ended early');
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).toContain('t=[redacted]&x=1');
  });

  it('redacts t= wherever it is in a URL, and nothing else', () => {
    expect(redactedUrl(`/v1/confirm?t=${token}`)).toBe('/v1/confirm?t=[redacted]');
    expect(redactedUrl(`/v1/preferences?lang=de&T=${token}#top`)).toBe(
      '/v1/preferences?lang=de&T=[redacted]#top',
    );
    expect(redactedUrl('/v1/contacts?at=3')).toBe('/v1/contacts?at=3');
  });

  it('masks the recipient SES names in a sandbox error', () => {
    const error = Object.assign(
      new Error(
        'Email address is not verified. The following identities failed the check in region US-EAST-1: dana.reyes@acme.example',
      ),
      { name: 'MessageRejected', $metadata: { httpStatusCode: 400 } },
    );
    const logged = loggableError(error);
    expect(logged).toEqual({
      name: 'MessageRejected',
      status: 400,
      message: expect.stringContaining('d***@acme.example'),
    });
    expect(JSON.stringify(logged)).not.toContain('dana.reyes');
    const masked = withoutAddresses('to <"x y"@evil.example> and sam@b.example');
    expect(masked).not.toContain('sam@');
    expect(masked).not.toContain('x y');
  });
});
