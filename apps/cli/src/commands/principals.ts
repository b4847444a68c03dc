import type { Command } from 'commander';
import { action, allPages, collect, jsonArgument, one, pairs, rows } from '../command';

const PRINCIPAL_COLUMNS = ['name', 'principalArn', 'description', 'createdTime', 'lastUpdatedTime'];

/** Principals, their access keys and their web identity trusts. */
export function principalCommands(program: Command): void {
  const principals = program.command('principals').description('callers and their IAM policies');
  principals
    .command('list')
    .description('every principal')
    .action(
      action(program, async (client) =>
        rows(await allPages(client, 'ListPrincipals', 'principals'), 'principals', PRINCIPAL_COLUMNS),
      ),
    );
  principals
    .command('get <name>')
    .description('one principal with its policy document and trust')
    .action(
      action(program, async (client, name: string) => one(await client.operation('GetPrincipal', { name }))),
    );
  principals
    .command('create <name>')
    .description('a principal with a policy (no key: see `keys create`)')
    .requiredOption('--policy <json>', 'the IAM policy document, inline or file://path')
    .option('--description <text>')
    .option('--trust <json>', 'a web identity trust, inline or file://path')
    .option('--tag <key=value>', 'a tag (repeatable)', pairs)
    .action(
      action(
        program,
        async (
          client,
          name: string,
          options: { policy: string; description?: string; trust?: string; tag?: Record<string, string[]> },
        ) =>
          one(
            await client.operation('CreatePrincipal', {
              name,
              policyDocument: jsonArgument(options.policy, '--policy'),
              ...(options.description !== undefined ? { description: options.description } : {}),
              ...(options.trust ? { webIdentityTrust: jsonArgument(options.trust, '--trust') } : {}),
              ...(options.tag
                ? { tags: Object.fromEntries(Object.entries(options.tag).map(([k, v]) => [k, v.at(-1)])) }
                : {}),
            }),
          ),
      ),
    );
  principals
    .command('update <name>')
    .description("replace a principal's policy or description")
    .option('--policy <json>', 'the IAM policy document, inline or file://path')
    .option('--description <text>')
    .action(
      action(program, async (client, name: string, options: { policy?: string; description?: string }) =>
        one(
          await client.operation('UpdatePrincipal', {
            name,
            ...(options.policy ? { policyDocument: jsonArgument(options.policy, '--policy') } : {}),
            ...(options.description !== undefined ? { description: options.description } : {}),
          }),
        ),
      ),
    );
  principals
    .command('delete <name>')
    .description('a principal and its keys; its temporary credentials stop working')
    .action(
      action(
        program,
        async (client, name: string) => void (await client.operation('DeletePrincipal', { name })),
      ),
    );

  const keys = program.command('keys').description('access keys of principals (at most two each)');
  keys
    .command('list <principal>')
    .action(
      action(program, async (client, name: string) =>
        rows(await client.operation('ListPrincipalAccessKeys', { name }), 'accessKeys', [
          'accessKeyId',
          'createdTime',
          'lastUsedTime',
        ]),
      ),
    );
  keys
    .command('create <principal>')
    .description('a new key; the secret is shown this once')
    .option(
      '--as-profile <name>',
      'print it as a shared credentials file profile, for AWS_SHARED_CREDENTIALS_FILE',
    )
    .action(
      action(program, async (client, name: string, options: { asProfile?: string }) => {
        const key = await client.operation('CreatePrincipalAccessKey', { name });
        if (!options.asProfile) return one(key);
        process.stdout.write(
          `[${options.asProfile}]\naws_access_key_id = ${String(key.accessKeyId)}\naws_secret_access_key = ${String(key.secretAccessKey)}\n`,
        );
        return undefined;
      }),
    );
  keys
    .command('delete <principal> <accessKeyId>')
    .action(
      action(
        program,
        async (client, name: string, accessKeyId: string) =>
          void (await client.operation('DeletePrincipalAccessKey', { name, accessKeyId })),
      ),
    );

  const trust = program
    .command('trust')
    .description('who may assume a principal with a web identity token (STS)');
  trust.command('get <principal>').action(
    action(program, async (client, name: string) => {
      const principal = await client.operation('GetPrincipal', { name });
      return one((principal.webIdentityTrust as Record<string, unknown> | undefined) ?? {});
    }),
  );
  trust
    .command('set <principal>')
    .requiredOption('--discovery-url <url>', "the issuer's /.well-known/openid-configuration")
    .requiredOption('--audience <aud>', 'an allowed audience (repeatable)', collect)
    .requiredOption('--subject <pattern>', 'a trusted subject, * and ? allowed (repeatable)', collect)
    .option('--claim <name=pattern>', 'a claim condition (repeatable)', pairs)
    .option('--max-session-seconds <n>', 'the longest session, 900 to 43200', (v) => Number(v))
    .action(
      action(
        program,
        async (
          client,
          name: string,
          options: {
            discoveryUrl: string;
            audience: string[];
            subject: string[];
            claim?: Record<string, string[]>;
            maxSessionSeconds?: number;
          },
        ) =>
          one(
            await client.operation('UpdatePrincipal', {
              name,
              webIdentityTrust: {
                discoveryUrl: options.discoveryUrl,
                allowedAudiences: options.audience,
                subjects: options.subject,
                ...(options.claim ? { claimConditions: options.claim } : {}),
                ...(options.maxSessionSeconds !== undefined
                  ? { maxSessionDurationSeconds: options.maxSessionSeconds }
                  : {}),
              },
            }),
          ),
      ),
    );
  trust
    .command('remove <principal>')
    .description('no more sessions; those issued stop working')
    .action(
      action(program, async (client, name: string) =>
        one(await client.operation('UpdatePrincipal', { name, webIdentityTrust: null })),
      ),
    );
}
