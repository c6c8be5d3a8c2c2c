import { connect } from '../declarations/connect';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { exported, getWorkspace, resolveContext, type AmlContext } from '../aml/context';
import type { StepModule } from '.';

interface Workspace {
  id?: string;
  name?: string;
  location?: string;
  properties?: {
    workspaceId?: string;
    discoveryUrl?: string;
    mlFlowTrackingUri?: string;
    friendlyName?: string;
    provisioningState?: string;
  };
}

export const connectStep: StepModule = {
  declaration: connect,
  async run(host) {
    const inputs = new Inputs(connect, host);
    const ctx = resolveContext(inputs, host);
    const ws = await getWorkspace<Workspace>(ctx);
    const { subscriptionId, resourceGroup, workspace } = ctx.workspace;
    const armId = ws.id ?? ctx.workspacePath;
    const tenant = 'tenantId' in ctx.connection.auth ? ctx.connection.auth.tenantId : undefined;
    const studioUrl =
      `${ctx.connection.cloud.studioUrl}/?wsid=${armId}` + (tenant ? `&tid=${encodeURIComponent(tenant)}` : '');
    const outputs = {
      workspace,
      'resource-group': resourceGroup,
      'subscription-id': subscriptionId,
      'workspace-id': armId,
      location: ws.location ?? '',
      'studio-url': studioUrl,
      'mlflow-tracking-uri': ws.properties?.mlFlowTrackingUri ?? '',
    };
    exportForLaterSteps(host, ctx);
    host.info(
      `Connected to workspace '${workspace}' (${ws.location ?? 'unknown region'}) in resource group '${resourceGroup}'`,
    );
    host.info(`Studio: ${studioUrl}`);
    await host.appendSummary(
      [
        `### Azure ML workspace \`${workspace}\``,
        '',
        '| | |',
        '|---|---|',
        `| resource group | ${resourceGroup} |`,
        `| subscription | ${subscriptionId} |`,
        `| region | ${ws.location ?? ''} |`,
        `| studio | [open](${studioUrl}) |`,
        '',
      ].join('\n'),
    );
    return outputs;
  },
};

function exportForLaterSteps(host: Host, ctx: AmlContext): void {
  const { cloud, auth } = ctx.connection;
  host.exportVariable(exported.subscriptionId, ctx.workspace.subscriptionId);
  host.exportVariable(exported.resourceGroup, ctx.workspace.resourceGroup);
  host.exportVariable(exported.workspace, ctx.workspace.workspace);
  if (host.serviceConnection?.()) return; // later tasks read the same service connection input
  host.exportVariable(exported.cloud, cloud.name);
  if (cloud.name === 'Custom') {
    host.exportVariable(exported.armEndpoint, cloud.armEndpoint);
    host.exportVariable(exported.authorityHost, cloud.authorityHost);
  }
  if ((auth.kind === 'federated' || auth.kind === 'ambient') && auth.clientId && auth.tenantId) {
    host.exportVariable(exported.clientId, auth.clientId);
    host.exportVariable(exported.tenantId, auth.tenantId);
  }
}
