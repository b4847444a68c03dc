import type { Command } from 'commander';
import { action, rows } from '../command';

const EVENT_COLUMNS = ['seq', 'at', 'actor', 'operation', 'resource', 'outcome'];

/** The audit log, and revoking a user's connection. */
export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('list')
    .option('--after-sequence <n>', 'events after this sequence number', (v) => Number(v))
    .option('--max-results <n>', 'at most this many (default 100)', (v) => Number(v))
    .action(
      action(program, async (client, options: { afterSequence?: number; maxResults?: number }) =>
        rows(
          await client.operation('ListAuditEvents', {
            ...(options.afterSequence !== undefined ? { afterSequence: options.afterSequence } : {}),
            ...(options.maxResults !== undefined ? { maxResults: options.maxResults } : {}),
          }),
          'events',
          EVENT_COLUMNS,
        ),
      ),
    );
  audit
    .command('verify')
    .description('checks the hash chain; exits non-zero when it is broken')
    .action(
      action(program, async (client) => {
        const answer = await client.operation('VerifyAuditLog', {});
        if (!answer.intact) process.exitCode = 1;
        return {
          json: answer,
          text: answer.intact
            ? `intact: ${String(answer.events)} events`
            : `BROKEN at sequence ${String(answer.brokenAtSequence)} (${String(answer.events)} events)`,
        };
      }),
    );

  program
    .command('revoke')
    .description("revokes a user's connection to a provider: the IdP grant and the stored tokens")
    .requiredOption('--workload <name>', 'the workload identity')
    .requiredOption('--user-id <id>', 'the user')
    .requiredOption('--provider <name>', 'the OAuth2 credential provider')
    .action(
      action(program, async (client, options: { workload: string; userId: string; provider: string }) => {
        const { workloadAccessToken } = await client.operation('GetWorkloadAccessTokenForUserId', {
          workloadName: options.workload,
          userId: options.userId,
        });
        return {
          json: await client.operation('RevokeResourceOauth2Connection', {
            workloadIdentityToken: workloadAccessToken,
            resourceCredentialProviderName: options.provider,
          }),
          text: `revoked: ${options.userId} of ${options.workload} at ${options.provider}`,
        };
      }),
    );
}
