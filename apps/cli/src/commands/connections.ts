import type { Command } from 'commander';
import { action, allPages, one, rows } from '../command';

const CONNECTION_COLUMNS = [
  'connectionId',
  'flow',
  'workloadName',
  'resourceCredentialProviderName',
  'state',
  'accessTokenExpiresAt',
  'lastRefreshOutcome',
];

interface ListOptions {
  workload?: string;
  provider?: string;
  state?: string;
}

/** The vault's connections as operators see them: owner, flow, scopes and state, never a token. */
export function connectionCommands(program: Command): void {
  const connections = program
    .command('connections')
    .description("the token vault's connections: list, inspect, revoke");
  connections
    .command('list')
    .description('every connection, optionally of one workload, provider or state')
    .option('--workload <name>', 'of this workload identity')
    .option('--provider <name>', 'of this OAuth2 credential provider')
    .option('--state <state>', 'ACTIVE, REFRESHING, NEEDS_CONSENT or REVOKED')
    .action(
      action(program, async (client, options: ListOptions) =>
        rows(
          await allPages(client, 'ListResourceOauth2Connections', 'connections', {
            ...(options.workload !== undefined ? { workloadName: options.workload } : {}),
            ...(options.provider !== undefined ? { resourceCredentialProviderName: options.provider } : {}),
            ...(options.state !== undefined ? { state: options.state } : {}),
          }),
          'connections',
          CONNECTION_COLUMNS,
        ),
      ),
    );
  connections
    .command('get <connectionId>')
    .description('one connection: its user hash, scopes, expiry and last renewal')
    .action(
      action(program, async (client, connectionId: string) =>
        one(await client.operation('GetResourceOauth2Connection', { connectionId })),
      ),
    );
  connections
    .command('revoke <connectionId>')
    .description('revokes a connection at the provider (where it can) and in the vault, whoever its user')
    .action(
      action(program, async (client, connectionId: string) => {
        const json = await client.operation('RevokeResourceOauth2ConnectionById', { connectionId });
        return { json, text: `revoked: ${connectionId} (${String(json.state)})` };
      }),
    );
}
