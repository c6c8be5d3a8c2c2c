import * as fs from 'node:fs';
import * as https from 'node:https';
import type { Emulator } from '../emulator';

export interface MetricPoint {
  step: number;
  value: number;
}

const API = '2024-10-01';

/**
 * Reads what the report shows but no step outputs: a run's metric history (MLflow REST, as the
 * studio's charts read it) and resources as ARM returns them. The demo hosts the emulator, so it
 * asks it for a token directly instead of signing in.
 */
export class WorkspaceReader {
  private readonly ca: string;

  constructor(private readonly emulator: Emulator) {
    this.ca = fs.readFileSync(emulator.info.caCertFile, 'utf8');
  }

  /** The run and its descendants (pipeline steps) that logged `metric` more than once, with the history. */
  async metricHistories(trackingUri: string, runId: string, metric: string): Promise<Map<string, MetricPoint[]>> {
    const base = `${trackingUri.replace(/^azureml:\/\//, 'https://')}/api/2.0/mlflow`;
    const found = new Map<string, MetricPoint[]>();
    const visit = async (id: string, depth: number): Promise<void> => {
      const history = await this.request<{ metrics?: MetricPoint[] }>(
        'GET',
        `${base}/metrics/get-history?run_id=${encodeURIComponent(id)}&metric_key=${encodeURIComponent(metric)}`,
      ).catch(() => ({ metrics: [] }));
      if ((history.metrics?.length ?? 0) > 1) {
        found.set(
          id,
          history.metrics!.map((m) => ({ step: Number(m.step), value: Number(m.value) })),
        );
      }
      if (depth > 2) return;
      const children = await this.request<{ runs?: { info: { run_id: string } }[] }>('POST', `${base}/runs/search`, {
        experiment_ids: [],
        filter: `tags.mlflow.parentRunId = '${id}'`,
        max_results: 100,
      });
      for (const child of children.runs ?? []) await visit(child.info.run_id, depth + 1);
    };
    await visit(runId, 0);
    return found;
  }

  /** GET of an ARM resource path under the emulator's subscription and resource group. */
  async arm<T>(relative: string): Promise<T> {
    const { armEndpoint, subscriptionId, resourceGroup } = this.emulator.info;
    return this.request<T>(
      'GET',
      `${armEndpoint}subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/${relative}?api-version=${API}`,
    );
  }

  private request<T>(method: string, url: string, body?: unknown): Promise<T> {
    const token = this.emulator.issueAccessToken();
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.ca,
          headers: {
            authorization: `Bearer ${token}`,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) return reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`));
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }
}
