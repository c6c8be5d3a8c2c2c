import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { Host } from '../../host';
import { explainArmError, type AmlContext } from '../context';
import { openBlobDatastore, type BlobDatastore } from '../datastore';
import { uploadFiles, type UploadProgress } from '../upload';
import { codeVersionBody, snapshotCode } from './code-snapshot';
import {
  buildContextVersion,
  type AnonymousEnvironment,
  type CodeUpload,
  type InputUpload,
  type LabelReference,
} from './plan';
import { md5Uuid } from './python-compat';
import { environmentVersionBody, toJsonText, type AssetResolver, type ComponentRequest } from './translate';

/** Long uploads report progress at most this often. */
const PROGRESS_EVERY_MS = 2000;

/**
 * The workspace side of a submission: uploads and asset versions through ARM and the workspace's
 * blob datastore. Everything is keyed by content, so a re-submission of unchanged files finds the
 * existing versions, uploads nothing and creates nothing.
 */
export class WorkspaceAssets implements AssetResolver {
  /** Bytes sent to storage by this submission. */
  bytesUploaded = 0;
  /** ARM ids of asset versions this submission created (not found existing). */
  readonly created: string[] = [];
  private readonly datastores = new Map<string, Promise<BlobDatastore>>();

  constructor(
    private readonly ctx: AmlContext,
    private readonly host: Host,
  ) {}

  private datastore(name: string): Promise<BlobDatastore> {
    let ds = this.datastores.get(name);
    if (!ds) {
      ds = openBlobDatastore(this.ctx, this.host, name);
      this.datastores.set(name, ds);
    }
    return ds;
  }

  private async exists(id: string, what: string): Promise<boolean> {
    try {
      return (await this.ctx.arm.getOrUndefined(id)) !== undefined;
    } catch (err) {
      throw explainArmError(err, this.ctx, what);
    }
  }

  private async put(id: string, body: unknown, what: string): Promise<void> {
    try {
      await this.ctx.arm.request('PUT', id, typeof body === 'string' ? body : toJsonText(body));
    } catch (err) {
      throw explainArmError(err, this.ctx, what);
    }
    this.created.push(id);
  }

  private async upload(ds: BlobDatastore, root: string, files: string[], prefix: string, what: string): Promise<void> {
    let last = Date.now();
    const started = last;
    const sent = await uploadFiles(ds.container, root, files, prefix, {
      signal: this.host.signal,
      onProgress: (p: UploadProgress) => {
        if (Date.now() - last < PROGRESS_EVERY_MS) return;
        last = Date.now();
        const mb = (n: number) => (n / 1048576).toFixed(1);
        this.host.info(
          `Uploading ${what}: ${mb(p.bytes)} / ${mb(p.totalBytes)} MB, ${p.files}/${p.totalFiles} files (${Math.round((last - started) / 1000)}s)`,
        );
      },
    });
    this.bytesUploaded += sent;
  }

  async uploadCode(code: CodeUpload): Promise<string> {
    const snapshot = snapshotCode(code.localDir);
    // A name derived from the content keeps re-submissions on the same version (az ml uses a random name).
    const id = `${this.ctx.workspacePath}/codes/${md5Uuid(snapshot.contentHash)}/versions/1`;
    const what = `code ${path.basename(snapshot.root)}`;
    if (await this.exists(id, what)) {
      this.host.info(`Code ${path.relative(this.host.cwd, snapshot.root) || '.'} is unchanged: nothing to upload`);
      return id;
    }
    const ds = await this.datastore('workspaceblobstore');
    this.host.info(
      `Uploading code ${path.relative(this.host.cwd, snapshot.root) || '.'} (${snapshot.files.length} files)`,
    );
    await this.upload(ds, snapshot.root, snapshot.files, snapshot.blobPrefix, what);
    await this.put(id, codeVersionBody(snapshot, `${ds.serviceUrl}/${ds.containerName}/${snapshot.blobPrefix}`), what);
    return id;
  }

  async uploadInput(input: InputUpload): Promise<string> {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input.localPath);
    } catch {
      throw new UserError(`input path ${path.relative(this.host.cwd, input.localPath)} does not exist`, {
        where: input.where,
      });
    }
    const ds = await this.datastore(input.datastore);
    // az ml names the blob folder by the object hash of the file or folder, as for code.
    const snapshot = snapshotCode(input.localPath);
    const folder = stat.isDirectory();
    const root = folder ? snapshot.root : path.dirname(input.localPath);
    const files = folder ? snapshot.files : [path.basename(input.localPath)];
    const prefix = folder ? snapshot.blobPrefix : path.posix.dirname(snapshot.blobPrefix);
    const uploaded = await ds.container.listBlobsFlat({ prefix: `${prefix}/` }).next();
    if (uploaded.done) await this.upload(ds, root, files, prefix, `input ${path.basename(input.localPath)}`);
    // Only uri_folder paths end in '/', as az ml sends them.
    const target = folder ? `${prefix}${input.type === 'uri_folder' ? '/' : ''}` : `${prefix}/${files[0]}`;
    return `azureml://datastores/${input.datastore}/paths/${target}`;
  }

  async ensureEnvironment(env: AnonymousEnvironment): Promise<string> {
    let version = env.version;
    let contextUri: string | undefined;
    if (env.spec.build) {
      const snapshot = snapshotCode(env.spec.build.path);
      version = buildContextVersion(snapshot.objectHash, env.spec.build.dockerfilePath);
      const ds = await this.datastore('workspaceblobstore');
      contextUri = `${ds.serviceUrl}/${ds.containerName}/${snapshot.blobPrefix}/`;
      const listed = await ds.container.listBlobsFlat({ prefix: `${snapshot.blobPrefix}/` }).next();
      if (listed.done) await this.upload(ds, snapshot.root, snapshot.files, snapshot.blobPrefix, 'build context');
    }
    if (!version) throw new UserError('an inline environment has no content to name it by', { where: env.spec.where });
    const id = `${this.ctx.workspacePath}/environments/${env.name}/versions/${version}`;
    if (!(await this.exists(id, `environment ${env.name}`))) {
      await this.put(id, environmentVersionBody({ ...env, version }, contextUri), `environment ${env.name}:${version}`);
    }
    return id;
  }

  async ensureComponent(component: ComponentRequest): Promise<string> {
    const id = `${this.ctx.workspacePath}/components/${component.name}/versions/${component.version}`;
    if (!(await this.exists(id, `component ${component.name}`))) {
      await this.put(id, component.body, `component ${component.name}:${component.version}`);
    }
    return id;
  }

  async resolveReference(ref: LabelReference): Promise<string> {
    if (ref.label !== 'latest') {
      throw new UserError(`not supported yet: label '${ref.label}' in ${ref.name}@${ref.label}`, {
        where: ref.where,
        hint: 'Use name@latest or name:version.',
      });
    }
    const list = `${this.ctx.workspacePath}/${ref.kind}/${encodeURIComponent(ref.name)}/versions?$orderBy=createdtime%20desc&$top=1`;
    let page: { value?: { id?: string }[] };
    try {
      page = (await this.ctx.arm.request<{ value?: { id?: string }[] }>('GET', list)).body ?? {};
    } catch (err) {
      throw explainArmError(err, this.ctx, `${ref.kind} ${ref.name}`);
    }
    const id = page.value?.[0]?.id;
    if (!id) {
      throw new UserError(
        `${ref.name}@latest: no version of ${ref.kind.replace(/s$/, '')} '${ref.name}' in workspace '${this.ctx.workspace.workspace}'`,
        {
          where: ref.where,
        },
      );
    }
    return id;
  }
}
