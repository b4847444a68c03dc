import type { Command } from 'commander';
import { action, collect, jsonArgument, one } from '../command';

/** Resource policies of workload identities and credential providers, and JWT authorizers. */
export function resourceCommands(program: Command): void {
  const policies = program
    .command('resource-policy')
    .description('the resource policy of a workload identity or credential provider');
  const path = (arn: string) => `/resourcepolicy/${encodeURIComponent(arn)}`;
  policies.command('get <resourceArn>').action(
    action(program, async (client, arn: string) => {
      const answer = await client.request('GET', path(arn));
      return { json: answer, text: JSON.stringify(JSON.parse(answer.policy as string), null, 2) };
    }),
  );
  policies
    .command('put <resourceArn>')
    .requiredOption('--policy <json>', 'the policy document, inline or file://path')
    .action(
      action(program, async (client, arn: string, options: { policy: string }) => {
        const policy = JSON.stringify(jsonArgument(options.policy, '--policy'));
        const answer = await client.request('PUT', path(arn), { policy });
        return { json: answer, text: JSON.stringify(JSON.parse(answer.policy as string), null, 2) };
      }),
    );
  policies
    .command('delete <resourceArn>')
    .action(action(program, async (client, arn: string) => void (await client.request('DELETE', path(arn)))));

  const authorizers = program
    .command('authorizers')
    .description('the JWT authorizer of a workload identity (the users it trusts)');
  authorizers
    .command('get <workload>')
    .action(
      action(program, async (client, name: string) =>
        one(await client.operation('GetWorkloadIdentityAuthorizer', { name })),
      ),
    );
  authorizers
    .command('put <workload>')
    .requiredOption('--discovery-url <url>', "the issuer's /.well-known/openid-configuration")
    .option('--audience <aud>', 'an allowed audience (repeatable)', collect)
    .option('--client <id>', 'an allowed client (repeatable)', collect)
    .option('--scope <scope>', 'an allowed scope (repeatable)', collect)
    .action(
      action(
        program,
        async (
          client,
          name: string,
          options: { discoveryUrl: string; audience?: string[]; client?: string[]; scope?: string[] },
        ) =>
          one(
            await client.operation('PutWorkloadIdentityAuthorizer', {
              name,
              authorizerConfiguration: {
                customJWTAuthorizer: {
                  discoveryUrl: options.discoveryUrl,
                  ...(options.audience ? { allowedAudience: options.audience } : {}),
                  ...(options.client ? { allowedClients: options.client } : {}),
                  ...(options.scope ? { allowedScopes: options.scope } : {}),
                },
              },
            }),
          ),
      ),
    );
  authorizers
    .command('delete <workload>')
    .action(
      action(
        program,
        async (client, name: string) =>
          void (await client.operation('DeleteWorkloadIdentityAuthorizer', { name })),
      ),
    );
}
