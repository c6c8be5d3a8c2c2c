import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArmAuthenticator } from './arm-auth';
import { seedCuratedEnvironments } from './assets/curated';
import { startAzurite, createContainer, type Azurite } from './azurite';
import { BlobStore } from './blob-store';
import { createClientCertificate, ensureCa, issueServerCert } from './ca';
import { Faults } from './faults';
import { Directory, newClientSecret, registerCertificate, type ServicePrincipal } from './identity';
import { adoRequestPath, GITHUB_TOKEN_PATH } from './oidc-providers';
import { armRoutes } from './routes';
import { AZURITE_KEY, datastoreSeeds } from './routes/datastores';
import { createDispatcher } from './server';
import { runCommandJob } from './jobs/command-run';
import { runPipelineJob } from './jobs/pipeline-run';
import { isBatchJob, runBatchJob } from './batch/job';
import { JobRunner } from './jobs/runner';
import { runSweepJob } from './jobs/sweep-run';
import { OnlineDataPlane } from './serving/data-plane';
import { EndpointAuth } from './serving/endpoint-auth';
import { OnlineServing } from './serving/serving';
import { LogFileUrls } from './services/log-files';
import { MlflowStore } from './services/mlflow-store';
import { loadSpecHook } from './spec-hook';
import { StateStore, newIdentities } from './state';
import type { Emulator, EmulatorInfo, EmulatorOptions, RequestLogEntry } from './types';
import type { World } from './world';

export type {
  Emulator,
  EmulatorInfo,
  EmulatorOptions,
  FaultRule,
  Fault,
  FaultInjector,
  RequestLogEntry,
} from './types';
export { ensureCa, issueServerCert } from './ca';

/** ARM's public audience; tokens for it are what real ARM clients request. */
export const ARM_AUDIENCE = 'https://management.azure.com';
/** Azure ML's data-plane audience: batch endpoints take Entra tokens for it. */
export const ML_AUDIENCE = 'https://ml.azure.com';

/** Raised when the port cannot be bound, so the CLI can say so in one line. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is already in use`);
  }
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[emulator] ${line}\n`));
  const host = opts.host ?? '127.0.0.1';
  const ownStateDir = !opts.stateDir;
  const stateDir = path.resolve(opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-emulator-')));
  fs.mkdirSync(stateDir, { recursive: true });
  const cleanups: Array<() => Promise<void> | void> = [];
  if (ownStateDir) {
    // A process that exits without stop() (a crashed test worker) must not leave its temporary state behind.
    const removeStateDir = (): void => fs.rmSync(stateDir, { recursive: true, force: true });
    process.once('exit', removeStateDir);
    cleanups.push(() => {
      process.removeListener('exit', removeStateDir);
      removeStateDir();
    });
  }

  try {
    const ca = await ensureCa(opts.caDir ?? stateDir);
    const leaf = issueServerCert(ca, [...new Set([host, '127.0.0.1', 'localhost'])]);

    // The handler is installed after listening: the base URL (with the chosen port) is part of every token and link.
    const slot: { handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void } = {};
    const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
      if (slot.handler) slot.handler(req, res);
      else {
        res.writeHead(503, { 'retry-after': '1' });
        res.end();
      }
    });
    const port = await listen(server, opts.port ?? 0, host);
    cleanups.unshift(() => closeServer(server));
    const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const baseUrl = `https://${urlHost}:${port}`;

    const state = StateStore.open(stateDir, newIdentities);
    const ids = state.data.identities;

    const directory = new Directory({
      tenantId: ids.tenantId,
      baseUrl,
      knownResources: [
        ARM_AUDIENCE,
        `${ARM_AUDIENCE}/`,
        baseUrl,
        `${baseUrl}/`,
        'https://management.core.windows.net',
        'https://management.core.windows.net/',
        'https://storage.azure.com',
        'https://ml.azure.com',
      ],
      accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? 3600,
      idTokenLifetimeSeconds: opts.idTokenLifetimeSeconds ?? 300,
    });
    const clientCertificateFile = path.join(stateDir, 'client-certificate.pem');
    const clientCertPem = ensureClientCertificate(clientCertificateFile, ids.clientId);
    const main: ServicePrincipal = {
      clientId: ids.clientId,
      objectId: ids.clientObjectId,
      displayName: 'amlops-emulator-deployer',
      secret: newClientSecret(),
      certificates: [registerCertificate(clientCertPem)],
      federated: true,
      authorized: true,
    };
    const forbidden: ServicePrincipal = {
      clientId: ids.forbiddenClientId,
      objectId: ids.forbiddenObjectId,
      displayName: 'amlops-emulator-no-role',
      secret: newClientSecret(),
      certificates: [],
      federated: false,
      authorized: false,
    };
    directory.addPrincipal(main);
    directory.addPrincipal(forbidden);

    let azurite: Azurite | undefined;
    if (opts.azurite !== false) {
      azurite = await startAzurite({
        host: '127.0.0.1',
        location: ownStateDir ? undefined : path.join(stateDir, 'azurite'),
        log,
      });
      cleanups.unshift(() => azurite?.stop());
      for (const ws of ids.workspaces) {
        for (const ds of datastoreSeeds(ws)) await createContainer(azurite.blobEndpoint, AZURITE_KEY, ds.container);
      }
    }

    const specViolations: string[] = [];
    const spec = await loadSpecHook(opts.specDir, log);

    const world: World = {
      ids,
      state,
      baseUrl,
      provisioningMs: opts.computeProvisioningMs ?? 1500,
      retryAfterSeconds: opts.lroRetryAfterSeconds ?? 1,
      pageSize: opts.pageSize ?? 50,
      blobEndpoint: azurite?.blobEndpoint ?? '',
      blobs: azurite ? new BlobStore(azurite.blobEndpoint) : undefined,
      log,
    };
    seedCuratedEnvironments(world);

    const mlflow = new MlflowStore(path.join(stateDir, 'mlflow.json'));
    const runner = new JobRunner({
      world,
      jobsDir: path.join(stateDir, 'jobs'),
      mlflow,
      statusDelayMs: opts.jobStatusDelayMs ?? 500,
      // Long enough for any local job; the token only reaches the job's own processes.
      issueRunToken: () => directory.issueAccessToken(main, ARM_AUDIENCE, '1', 24 * 3600),
      caCertFile: ca.certFile,
      executors: {
        Command: runCommandJob,
        // Batch endpoint invocations are pipeline jobs with a scoring step of their own.
        Pipeline: (job) => (isBatchJob(world, job.rec) ? runBatchJob(job) : runPipelineJob(job)),
        Sweep: runSweepJob,
      },
    });
    runner.recover();
    world.jobs = runner;
    // Jobs stop before Azurite and the port close, so their last uploads and log reads still work.
    cleanups.unshift(() => runner.stop());
    const online = new OnlineServing({
      world,
      rootDir: path.join(stateDir, 'online'),
      provisioningMs: opts.onlineProvisioningMs ?? 1000,
      auth: new EndpointAuth(directory),
    });
    world.online = online;
    online.recover();
    // Every scoring server stops with the emulator; none outlives it.
    cleanups.unshift(() => online.stop());
    const logFiles = new LogFileUrls(baseUrl, { locate: (ws, job, file) => runner.locateLog(ws, job, file) });
    const armAudiences = [
      ARM_AUDIENCE,
      `${ARM_AUDIENCE}/`,
      baseUrl,
      `${baseUrl}/`,
      'https://management.core.windows.net',
      'https://management.core.windows.net/',
    ];
    const staticTokens = new Map((opts.acceptStaticTokens ?? []).map((t) => [t, main] as const));
    const auth = new ArmAuthenticator(directory, armAudiences, staticTokens);

    const oidcSecrets = {
      githubRequestToken: crypto.randomBytes(24).toString('base64url'),
      adoAccessToken: crypto.randomBytes(32).toString('base64url'),
    };
    const info: EmulatorInfo = {
      armEndpoint: `${baseUrl}/`,
      armAudience: ARM_AUDIENCE,
      caCertFile: ca.certFile,
      tenantId: ids.tenantId,
      authorityHost: baseUrl,
      subscriptionId: ids.subscriptionId,
      resourceGroup: ids.resourceGroup,
      location: ids.location,
      workspaces: ids.workspaces.map((w) => w.name),
      registry: ids.registryName,
      blobEndpoint: world.blobEndpoint,
      clientId: main.clientId,
      clientSecret: main.secret,
      clientCertificateFile,
      forbiddenClientId: forbidden.clientId,
      forbiddenClientSecret: forbidden.secret,
      // The query lets callers append '&audience=...' exactly as they do with GitHub's URL.
      githubOidc: {
        requestUrl: `${baseUrl}${GITHUB_TOKEN_PATH}?api-version=2.0`,
        requestToken: oidcSecrets.githubRequestToken,
      },
      adoOidc: { requestUri: `${baseUrl}${adoRequestPath()}`, accessToken: oidcSecrets.adoAccessToken },
      adminUrl: `${baseUrl}/_admin`,
      stateDir,
    };

    const requests: RequestLogEntry[] = [];
    const clearRequests = (): void => {
      requests.length = 0;
    };
    const faults = new Faults();
    const issueAccessToken = (o: { lifetimeSeconds?: number; audience?: string; clientId?: string } = {}): string => {
      const p = (o.clientId && directory.findPrincipal(o.clientId)) || main;
      return directory.issueAccessToken(p, o.audience ?? ARM_AUDIENCE, '1', o.lifetimeSeconds);
    };

    slot.handler = createDispatcher({
      baseUrl,
      directory,
      oidcSecrets,
      arm: { world, auth, routes: armRoutes, spec, specViolations },
      services: {
        runHistory: {
          world,
          auth,
          logFiles: (rec) =>
            Object.fromEntries(runner.logFileNames(rec).map((f) => [f, logFiles.url(rec.workspace, rec.name, f)])),
          experimentId: (rec) => runner.experimentId(rec),
        },
        mlflow: { world, auth, store: mlflow },
        logFiles,
        studio: { world, logFile: (rec, file) => runner.locateLog(rec.workspace, rec.name, file) },
      },
      faults,
      requests,
      admin: { info: () => info, faults, requests, clearRequests, specViolations, issueAccessToken },
      batch: { world, auth: new ArmAuthenticator(directory, [ML_AUDIENCE, `${ML_AUDIENCE}/`], staticTokens) },
      online: new OnlineDataPlane(world, online, online.auth),
      log,
    });

    let stopped: Promise<void> | undefined;
    return {
      info,
      faults,
      requests,
      clearRequests,
      specViolations,
      issueAccessToken,
      stop: () => (stopped ??= runCleanups(cleanups)),
    };
  } catch (e) {
    await runCleanups(cleanups);
    throw e;
  }
}

function listen(server: https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(e.code === 'EADDRINUSE' ? new PortInUseError(host, port) : e);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections of clients would hold close() open indefinitely.
    server.closeAllConnections();
  });
}

async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  for (const c of cleanups.splice(0)) {
    try {
      await c();
    } catch {
      // Stopping continues: a failed step must not leave Azurite or the port behind.
    }
  }
}

/** The certificate credential for the main principal; kept across restarts like the other ids. */
function ensureClientCertificate(file: string, clientId: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  const issued = createClientCertificate(`amlops-emulator-${clientId}`);
  // ClientCertificateCredential reads one PEM with both the key and the certificate.
  const combined = `${issued.keyPem.trim()}\n${issued.certPem.trim()}\n`;
  fs.writeFileSync(file, combined, { mode: 0o600 });
  return combined;
}
