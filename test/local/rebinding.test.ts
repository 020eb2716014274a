import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ListExecutionsCommand, ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyArn, localSes, localStepFunctions } from '../support/emulated-aws.js';
import { type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { rawRequest } from '../support/raw-http.js';

/**
 * A web page the user visits reaches 127.0.0.1 in two ways: from a name its owner rebinds to
 * 127.0.0.1 (the request names that host, and the page may read the answer), and by a cross-site
 * "simple" request (text/plain POST, no preflight; the page cannot read the answer, but its effect
 * stands). Neither may reach the emulated AWS endpoints or change anything through `/_local/*`.
 */
const landingSite = 'https://landing.example';
let runtime: RunningRuntime;
let endpoints: Record<string, string>;

beforeAll(async () => {
  runtime = await startRuntime({ env: { LEADFLOW_ALLOWED_ORIGINS: landingSite } });
  endpoints = (await (await runtime.call('/_local/endpoints')).json()) as Record<string, string>;
});

afterAll(async () => {
  await runtime?.stop();
});

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const port = () => new URL(runtime.url).port;
/** DynamoDB Local wants a SigV4-looking Authorization header; it does not check the signature. */
const sigV4 = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;
const probeKey = { pk: { S: 'REBIND#probe' }, sk: { S: 'PROBE' } };

interface Probe {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What the write changed, read through the real SDK client or the runtime's own listing. */
  count(): Promise<number>;
}

/** One state-changing call per emulated endpoint, as a page would send it. */
const probes: Record<string, Probe> = {
  dynamodb: {
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.PutItem',
      authorization: sigV4('dynamodb'),
    },
    body: JSON.stringify({ TableName: 'leadflow', Item: probeKey }),
    count: async () => {
      const client = new DynamoDBClient({ ...local, endpoint: endpoints.dynamodb });
      const { Item } = await client.send(new GetItemCommand({ TableName: 'leadflow', Key: probeKey }));
      client.destroy();
      return Item ? 1 : 0;
    },
  },
  stepfunctions: {
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AWSStepFunctions.StartExecution',
    },
    body: JSON.stringify({ stateMachineArn: journeyArn, name: 'rebind-probe', input: '{}' }),
    count: async () => {
      const { client } = await localStepFunctions(runtime);
      const { executions = [] } = await client.send(
        new ListExecutionsCommand({ stateMachineArn: journeyArn }),
      );
      return executions.filter((execution) => execution.name === 'rebind-probe').length;
    },
  },
  sesv2: {
    path: '/v2/email/outbound-emails',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({
      FromEmailAddress: 'hello@leadflow.example',
      Destination: { ToAddresses: ['rebind-probe@example.com'] },
      Content: { Simple: { Subject: { Data: 'probe' }, Body: { Text: { Data: 'probe' } } } },
    }),
    count: async () =>
      (await runtime.outbox()).filter((mail) => mail.to === 'rebind-probe@example.com').length,
  },
  eventbridge: {
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
    body: JSON.stringify({
      Entries: [{ EventBusName: 'leadflow', Source: 'rebind.probe', DetailType: 'probe', Detail: '{}' }],
    }),
    count: async () =>
      ((await (await runtime.call('/_local/events')).json()) as { source: string }[]).filter(
        (event) => event.source === 'rebind.probe',
      ).length,
  },
};

const probeOf = (service: string): Probe => {
  const probe = probes[service];
  if (!probe) throw new Error(`No probe for the emulated ${service} endpoint: add one above`);
  return probe;
};

const send = (service: string, headers: Record<string, string>) => {
  const probe = probeOf(service);
  return rawRequest(endpoints[service] ?? '', probe.path, {
    method: 'POST',
    headers: { ...probe.headers, ...headers },
    body: probe.body,
  });
};

const endpointHost = (service: string) => new URL(endpoints[service] ?? '').host;

const pageRequests: [string, (service: string) => Record<string, string>][] = [
  ['addressed to a rebound name', () => ({ host: 'rebind.evil.example' })],
  [
    'addressed to a rebound name with the port',
    (service) => ({ host: `rebind.evil.example:${new URL(endpoints[service] ?? '').port}` }),
  ],
  [
    'from a page of another site',
    (service) => ({ host: endpointHost(service), origin: 'https://evil.example' }),
  ],
  ['from a sandboxed page (Origin: null)', (service) => ({ host: endpointHost(service), origin: 'null' })],
  ['from the runtime’s own admin page', (service) => ({ host: endpointHost(service), origin: runtime.url })],
  [
    'marked cross-site by the browser',
    (service) => ({ host: endpointHost(service), 'sec-fetch-site': 'cross-site' }),
  ],
  [
    'marked same-site by the browser',
    (service) => ({ host: endpointHost(service), 'sec-fetch-site': 'same-site' }),
  ],
];

describe('the emulated AWS endpoints', () => {
  it('are each covered here', () => {
    expect(Object.keys(endpoints).sort()).toEqual(Object.keys(probes).sort());
  });

  describe.each(Object.keys(probes))('%s', (service) => {
    it.each(pageRequests)('refuses a request %s with 403, and changes nothing', async (_, headers) => {
      const before = await probeOf(service).count();
      const answer = await send(service, headers(service));
      expect(answer.status).toBe(403);
      expect(answer.headers.get('x-amzn-errortype') ?? JSON.parse(answer.body).__type).toMatch(
        /AccessDeniedException$/,
      );
      expect(JSON.parse(answer.body).message).toMatch(/127\.0\.0\.1|web page/);
      expect(await probeOf(service).count()).toBe(before);
    });

    it('answers the same call from a client of this machine', async () => {
      const before = await probeOf(service).count();
      const answer = await send(service, { host: endpointHost(service) });
      expect(answer.status, answer.body).toBe(200);
      expect(await probeOf(service).count()).toBe(before + 1);
    });
  });

  it('still serve the real SDK clients', async () => {
    const dynamodb = new DynamoDBClient({ ...local, endpoint: endpoints.dynamodb });
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'leadflow' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    dynamodb.destroy();
    const { client: sfn } = await localStepFunctions(runtime);
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines.map((machine) => machine.stateMachineArn)).toContain(journeyArn);
    const ses = await localSes(runtime);
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@leadflow.example',
        Destination: { ToAddresses: ['sdk@example.com'] },
        Content: { Simple: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hi' } } } },
      }),
    );
    expect(sent.MessageId).toEqual(expect.any(String));
    const events = new EventBridgeClient({ ...local, endpoint: endpoints.eventbridge });
    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'leadflow', Source: 'sdk.test', DetailType: 'x', Detail: '{}' }],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
  });
});

const clockNow = async () => ((await (await runtime.call('/_local/clock')).json()) as { now: string }).now;

/** A text/plain POST, the kind a page of any site sends without asking first. */
const blindPost = (path: string, headers: Record<string, string>, body: string) =>
  rawRequest(runtime.url, path, {
    method: 'POST',
    headers: { host: `127.0.0.1:${port()}`, 'content-type': 'text/plain;charset=UTF-8', ...headers },
    body,
  });

const crossSite: [string, () => Record<string, string>][] = [
  ['another site', () => ({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })],
  ['another port of this machine', () => ({ origin: 'http://localhost:1', 'sec-fetch-site': 'same-site' })],
  ['a configured landing page', () => ({ origin: landingSite, 'sec-fetch-site': 'cross-site' })],
  ['a sandboxed page (Origin: null)', () => ({ origin: 'null', 'sec-fetch-site': 'cross-site' })],
  ['a browser that sent no Origin', () => ({ 'sec-fetch-site': 'cross-site' })],
];

describe('the local routes, posted to by a page of', () => {
  it.each(crossSite)('%s: the clock does not move', async (_, headers) => {
    const before = await clockNow();
    const answer = await blindPost('/_local/clock/advance', headers(), '{"by":"3d"}');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.code).toBe('cross_site_refused');
    expect(await clockNow()).toBe(before);
  });

  it.each(crossSite)('%s: no fault is armed', async (_, headers) => {
    const fault = { service: 'sesv2', error: 'SendingPausedException', for: '1h' };
    const answer = await blindPost('/_local/faults', headers(), JSON.stringify(fault));
    expect(answer.status).toBe(403);
    const ses = await localSes(runtime);
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@leadflow.example',
        Destination: { ToAddresses: ['still-sending@example.com'] },
        Content: { Simple: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hi' } } } },
      }),
    );
    expect(sent.MessageId).toEqual(expect.any(String));
  });

  it.each(['/_local/settle', '/_local/idp/oauth2/authorize', '/_local/idp/oauth2/token'])(
    'another site: %s is refused too',
    async (path) => {
      const answer = await blindPost(path, { origin: 'https://evil.example' }, 'a=b');
      expect(answer.status).toBe(403);
    },
  );

  it.each([
    ['127.0.0.1', () => runtime.url],
    ['localhost', () => `http://localhost:${port()}`],
  ])('this runtime, as %s: the clock moves', async (_, origin) => {
    const before = await clockNow();
    const answer = await blindPost(
      '/_local/clock/advance',
      { origin: origin(), 'sec-fetch-site': 'same-origin' },
      '{"by":"1d"}',
    );
    expect(answer.status, answer.body).toBe(200);
    expect(Date.parse(await clockNow()) - Date.parse(before)).toBe(86_400_000);
  });
});

describe('CORS', () => {
  it('lets a configured landing page post leads, and read nothing under /_local/', async () => {
    const intake = await rawRequest(runtime.url, '/v1/contacts', {
      method: 'POST',
      headers: { origin: landingSite, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cors@example.com' }),
    });
    expect(intake.status).toBe(202);
    expect(intake.headers.get('access-control-allow-origin')).toBe(landingSite);
    const outbox = await rawRequest(runtime.url, '/_local/outbox', { headers: { origin: landingSite } });
    expect(outbox.headers.get('access-control-allow-origin')).toBeUndefined();
    const own = await rawRequest(runtime.url, '/_local/outbox', {
      headers: { origin: `http://localhost:${port()}` },
    });
    expect(own.headers.get('access-control-allow-origin')).toBe(`http://localhost:${port()}`);
  });
});
