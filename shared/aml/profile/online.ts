import { UserError } from '../../errors';
import type { Host } from '../../host';
import { ArmError } from '../arm';
import { explainArmError, getWorkspace, type AmlContext } from '../context';
import {
  deploymentLogs,
  deploymentPath,
  endpointPath,
  getEndpoint,
  scoringCredential,
  type DeploymentResource,
  type EndpointResource,
} from '../endpoints/online';
import { waitForArmOperation } from '../lro';

/**
 * The online endpoint operations profiling needs: a test endpoint, its key, and deployments that
 * come and go on it. The endpoint's traffic is never touched: candidates are reached through the
 * azureml-model-deployment header only, so an existing endpoint's users see no change.
 */

export interface TestEndpoint {
  name: string;
  created: boolean;
  scoringUri: string;
  /** Masked as soon as it was read. */
  key: string;
}

export class OnlineEndpoints {
  constructor(
    readonly ctx: AmlContext,
    private readonly host: Host,
  ) {}

  endpointPath(endpoint: string): string {
    return endpointPath(this.ctx, endpoint);
  }

  deploymentPath(endpoint: string, deployment: string): string {
    return deploymentPath(this.ctx, endpoint, deployment);
  }

  getEndpoint(endpoint: string): Promise<EndpointResource | undefined> {
    return getEndpoint(this.ctx, endpoint);
  }

  /** Uses the endpoint when it exists (it must use key auth), else creates it with key auth. */
  async ensureEndpoint(endpoint: string, timeoutMs: number): Promise<TestEndpoint> {
    const what = `online endpoint '${endpoint}'`;
    let existing = await this.getEndpoint(endpoint);
    let created = false;
    if (!existing) {
      const workspace = await getWorkspace<{ location?: string }>(this.ctx);
      this.host.info(`Creating ${what} for profiling (deleted again at the end)`);
      // Marked created before the request: if the wait is canceled, cleanup still deletes it.
      created = true;
      try {
        const response = await this.ctx.arm.request('PUT', this.endpointPath(endpoint), {
          location: workspace.location ?? '',
          identity: { type: 'SystemAssigned' },
          properties: { authMode: 'Key', description: 'Created by amlops profile; deleted when profiling ends.' },
        });
        await waitForArmOperation(this.ctx.arm, response, { what, timeoutMs, signal: this.host.signal });
      } catch (err) {
        throw Object.assign(explainArmError(err, this.ctx, what) as Error, { endpointCreated: true });
      }
      existing = await this.getEndpoint(endpoint);
    } else {
      this.host.info(`Using existing ${what}; its traffic is left as it is`);
    }
    const state = existing?.properties?.provisioningState;
    if (state && state.toLowerCase() !== 'succeeded') {
      throw Object.assign(new UserError(`${what} is ${state}, not ready for profiling`), { endpointCreated: created });
    }
    const authMode = existing?.properties?.authMode ?? 'Key';
    if (authMode.toLowerCase() !== 'key') {
      throw new UserError(`${what} uses ${authMode} authentication; profiling needs a key-authenticated endpoint`, {
        hint: 'Give a new endpoint name: the step creates one with key auth and deletes it afterwards.',
      });
    }
    let key: string;
    try {
      key = await scoringCredential(this.ctx, this.host, { ...existing, name: endpoint });
    } catch (err) {
      throw Object.assign(err as Error, { endpointCreated: created });
    }
    const scoringUri = existing?.properties?.scoringUri;
    if (!scoringUri) throw Object.assign(new Error(`${what} has no scoring URI`), { endpointCreated: created });
    return { name: endpoint, created, scoringUri, key };
  }

  /** Creates the deployment (no traffic) and waits for it; throws with Azure's reason and log tail when it fails. */
  async createDeployment(endpoint: string, deployment: string, body: unknown, timeoutMs: number): Promise<void> {
    const what = `deployment '${deployment}'`;
    const path = this.deploymentPath(endpoint, deployment);
    try {
      const response = await this.ctx.arm.request('PUT', path, body);
      await waitForArmOperation(this.ctx.arm, response, {
        what,
        timeoutMs,
        signal: this.host.signal,
        minPollMs: 500,
        maxPollMs: 10_000,
      });
    } catch (err) {
      if (err instanceof UserError || err instanceof ArmError) {
        const logs = await this.logTail(endpoint, deployment);
        throw new DeploymentFailed(`${errorText(err)}${logs ? `\n${logs}` : ''}`);
      }
      throw err;
    }
    const final = await this.ctx.arm.getOrUndefined<DeploymentResource>(path);
    const state = final?.properties?.provisioningState ?? 'Unknown';
    if (state.toLowerCase() !== 'succeeded') {
      const logs = await this.logTail(endpoint, deployment);
      throw new DeploymentFailed(`${what} ended ${state}${logs ? `\n${logs}` : ''}`);
    }
  }

  /** The last lines of the scoring container's log, or '' when Azure has none. */
  logTail(endpoint: string, deployment: string, lines = 20): Promise<string> {
    return deploymentLogs(this.ctx, endpoint, deployment, { tail: lines }).then((text) => text.trim());
  }

  /** Deletes and waits; a deployment already gone is fine. */
  async deleteDeployment(endpoint: string, deployment: string, timeoutMs: number): Promise<void> {
    await this.delete(this.deploymentPath(endpoint, deployment), `deployment '${deployment}'`, timeoutMs);
  }

  async deleteEndpoint(endpoint: string, timeoutMs: number): Promise<void> {
    await this.delete(this.endpointPath(endpoint), `online endpoint '${endpoint}'`, timeoutMs);
  }

  /**
   * DELETE, then poll the resource until it is gone. Cleanup also runs after a cancel, when the
   * run's signal is already aborted, so these requests carry their own time-bound signal.
   */
  private async delete(path: string, what: string, timeoutMs: number): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    const gone = async (method: 'DELETE' | 'GET') => {
      try {
        await this.ctx.arm.request(method, path, undefined, { signal });
        return false;
      } catch (err) {
        if (err instanceof ArmError && err.status === 404) return true;
        if (signal.aborted)
          throw new Error(`${what} was not deleted within ${Math.round(timeoutMs / 1000)}s`, { cause: err });
        throw err;
      }
    };
    if (await gone('DELETE')) return;
    for (let pause = 250; ; pause = Math.min(pause * 1.5, 5000)) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (await gone('GET')) return;
    }
  }
}

export class DeploymentFailed extends Error {}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
