import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requestTimeouts, serve } from '../../local/router.js';
import { type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { type RawAnswer, rawRequest } from '../support/raw-http.js';

let runtime: RunningRuntime;

beforeAll(async () => {
  runtime = await startRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const portOf = (url: string) => Number(new URL(url).port);

const dechunk = (text: string): string => {
  let body = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
};

/** Reads an HTTP/1.1 answer as it came off the socket (bodies here are ASCII JSON). */
const parseAnswer = (raw: string): RawAnswer => {
  const headEnd = raw.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = raw.slice(0, headEnd).split('\r\n');
  const headers = new Map(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  const rest = raw.slice(headEnd + 4);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]),
    headers,
    body: headers.get('transfer-encoding') === 'chunked' ? dechunk(rest) : rest,
  };
};

/**
 * Writes `bytes` on a raw connection, then half-closes it (`end`), drops it (`destroy`), or
 * trickles one more byte every half second (`trickle`, a slowloris); resolves with everything the
 * server wrote before the connection closed, and how long that took.
 */
const raw = (port: number, bytes: string, then: 'end' | 'destroy' | 'trickle') =>
  new Promise<{ text: string; ms: number }>((done) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let trickle: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      done({ text, ms: Date.now() - started });
    });
    socket.write(bytes);
    if (then === 'end') socket.end();
    if (then === 'destroy') setTimeout(() => socket.destroy(), 100);
    if (then === 'trickle') trickle = setInterval(() => socket.write('x'), 500);
  });

const errorCode = (answer: RawAnswer): string => {
  const { error } = JSON.parse(answer.body) as { error: { code: string; message: string; issues: unknown } };
  expect(error.message).toEqual(expect.any(String));
  expect(error.issues).toEqual([]);
  return error.code;
};

/** The runtime is up and answering as before. */
const stillServing = async () => {
  const response = await runtime.call('/v1/contacts', {
    method: 'POST',
    json: { email: 'after@example.com' },
  });
  expect(response.status).toBe(202);
};

const lead = 'POST /v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n';

describe('the local runtime keeps serving whatever a client sends', () => {
  it('answers a path with a broken %-escape 400 in the error shape', async () => {
    const { text } = await raw(
      portOf(runtime.url),
      'GET /v1/contacts/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      'end',
    );
    const answer = parseAnswer(text);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(errorCode(answer)).toBe('malformed_path');
    await stillServing();
  });

  it('answers a body that stops short of its Content-Length 400 when the client can still read', async () => {
    const { text } = await raw(portOf(runtime.url), `${lead}Content-Length: 100\r\n\r\n{"email":`, 'end');
    const answer = parseAnswer(text);
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('malformed_request');
    await stillServing();
  });

  it('survives a client that drops the connection in the middle of a body', async () => {
    const { text } = await raw(portOf(runtime.url), `${lead}Content-Length: 100\r\n\r\n{"email":`, 'destroy');
    expect(text).toBe('');
    await stillServing();
  });

  it('answers a body that trickles in (slowloris) 408 once the request timeout has passed', async () => {
    const { text, ms } = await raw(portOf(runtime.url), `${lead}Content-Length: 100000\r\n\r\n{`, 'trickle');
    const answer = parseAnswer(text);
    expect(answer.status).toBe(408);
    expect(errorCode(answer)).toBe('request_timeout');
    expect(ms).toBeGreaterThanOrEqual(requestTimeouts.requestTimeout - 100);
    await stillServing();
  });
});

describe('a failure inside the request pipeline', () => {
  let server: Server;
  beforeAll(async () => {
    let calls = 0;
    server = createServer(
      serve(async () => {
        calls += 1;
        if (calls === 1) throw new Error('a route that fails');
        return { status: 200, body: 'fine' };
      }),
    );
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  it('is a 500 in the error shape, logged, and the next request is served', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const failed = await rawRequest(url, '/');
    expect(failed.status).toBe(500);
    expect(errorCode(failed)).toBe('internal_error');
    expect(logged).toHaveBeenCalledWith('GET / failed:', expect.any(Error));
    logged.mockRestore();
    expect((await rawRequest(url, '/')).body).toBe('fine');
  });
});

describe('the Host a request names', () => {
  const evil = { host: 'evil.example' };

  it('must be loopback for the local routes', async () => {
    const answer = await rawRequest(runtime.url, '/_local/outbox', { headers: evil });
    expect(answer.status).toBe(403);
    expect(errorCode(answer)).toBe('host_not_allowed');
    expect(
      (await rawRequest(runtime.url, '/_local/endpoints', { headers: { host: 'EVIL.example:80' } })).status,
    ).toBe(403);
  });

  it('must be loopback for the admin routes, even with the right token', async () => {
    const authorization = `Bearer ${runtime.adminToken}`;
    const refused = await rawRequest(runtime.url, '/v1/schedules', { headers: { ...evil, authorization } });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('host_not_allowed');
    for (const host of ['127.0.0.1', `localhost:${portOf(runtime.url)}`, '[::1]:3000', 'LOCALHOST']) {
      expect(
        (await rawRequest(runtime.url, '/v1/schedules', { headers: { host, authorization } })).status,
      ).toBe(200);
    }
  });

  it('may be anything for the intake, the emailed links and the static pages', async () => {
    const intake = await rawRequest(runtime.url, '/v1/contacts', {
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'anywhere@example.com' }),
    });
    expect(intake.status).toBe(202);
    const link = await rawRequest(runtime.url, '/v1/unsubscribe?t=not-a-token', { headers: evil });
    expect(link.status).not.toBe(403);
    expect((await rawRequest(runtime.url, '/', { headers: evil })).status).toBe(200);
  });
});

describe('HTML answers', () => {
  it.each(['/', '/admin', '/thanks'])(
    '%s carries a CSP fit for its files, no framing, nosniff and a Referrer-Policy',
    async (path) => {
      const page = await rawRequest(runtime.url, path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      // Only styles may be inline, and only on the admin page: its email preview inherits the policy.
      const inlineAllowed = csp.split(';').filter((directive) => directive.includes('unsafe-inline'));
      expect(inlineAllowed).toEqual(path === '/admin' ? [" style-src 'self' 'unsafe-inline'"] : []);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
    },
  );

  it('a page behind an emailed link carries them too', async () => {
    const page = await rawRequest(runtime.url, '/v1/unsubscribe?t=not-a-token', {
      headers: { accept: 'text/html' },
    });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

describe('DynamoDB Local', () => {
  it.skipIf(!externalAddress)('listens on loopback only', async () => {
    const { dynamodb } = (await (await runtime.call('/_local/endpoints')).json()) as { dynamodb: string };
    const port = portOf(dynamodb);
    const attempt = (host: string) =>
      new Promise<string>((done) => {
        const socket = connect(port, host);
        socket.on('connect', () => {
          socket.destroy();
          done('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
      });
    expect(await attempt('127.0.0.1')).toBe('connected');
    expect(await attempt(externalAddress ?? '')).toBe('ECONNREFUSED');
  });
});

describe('while the runtime boots', () => {
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-boot-'));

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the port already answers 503 with Retry-After, then serves once the ready line is out', async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/local.ts', '--port', '0', '--data', dataDir, '--clock', 'manual'],
      {
        cwd: resolve(import.meta.dirname, '../..'),
        env: {
          ...process.env,
          LEADFLOW_ADMIN_TOKEN: randomBytes(16).toString('hex'),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr?.resume();
    let output = '';
    const line = (pattern: RegExp) =>
      new Promise<string>((found, failed) => {
        const look = () => {
          const match = pattern.exec(output);
          if (match?.[1]) {
            child?.stdout?.off('data', onData);
            found(match[1]);
          }
        };
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          look();
        };
        child?.stdout?.on('data', onData);
        child?.once('exit', (code) => failed(new Error(`exited (${code}):\n${output}`)));
        look();
      });

    // Printed before DynamoDB Local starts, which takes its JVM seconds.
    const url = await line(/Booting\s+(http:\/\/127\.0\.0\.1:\d+)\//);
    expect(output).not.toMatch(/Landing page/);
    const early = await rawRequest(url, '/v1/contacts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'early@example.com' }),
    });
    expect(early.status).toBe(503);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorCode(early)).toBe('starting');

    expect(await line(/Landing page\s+(http:\/\/127\.0\.0\.1:\d+)\//)).toBe(url);
    expect((await rawRequest(url, '/')).status).toBe(200);
  }, 120_000);
});
