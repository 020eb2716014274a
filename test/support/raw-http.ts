import { request as httpRequest } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * One request through node:http to the server at `url`, with exactly the headers given: unlike
 * fetch, it lets a test name any Host, Origin or Sec-Fetch-Site, as a browser page would send them.
 */
export const rawRequest = (
  url: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) =>
  new Promise<RawAnswer>((done, failed) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(new URL(url).port),
        path,
        method: init.method ?? 'GET',
        headers: init.headers,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          const headers = new Map<string, string>();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          done({ status: response.statusCode ?? 0, headers, body });
        });
      },
    );
    request.on('error', failed);
    request.end(init.body);
  });
