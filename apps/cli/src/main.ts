import { Command } from 'commander';
import { auditCommands } from './commands/audit';
import { connectionCommands } from './commands/connections';
import { principalCommands } from './commands/principals';
import { resourceCommands } from './commands/resources';

/**
 * `mandate`: the operator's terminal for what the AWS CLI does not cover (principals, keys, trusts,
 * resource policies, JWT authorizers, the audit log, connections and revocation). Endpoint and credentials are read
 * as the AWS CLI reads them, with `npm start`'s admin credentials as the last default.
 */
export function buildProgram(): Command {
  const program = new Command('mandate')
    .description('Manage a Mandate deployment: principals, keys, trusts, policies, audit, connections')
    .option(
      '--endpoint-url <url>',
      "Mandate's URL (default: MANDATE_ENDPOINT, AWS_ENDPOINT_URL_*, http://127.0.0.1:8088)",
    )
    .option('--region <region>', 'the signing region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)')
    .option('--profile <name>', 'a profile of the shared AWS credentials and config files')
    .option('--output <format>', 'table (default) or json');
  principalCommands(program);
  resourceCommands(program);
  auditCommands(program);
  connectionCommands(program);
  return program;
}

if (require.main === module) void buildProgram().parseAsync(process.argv);
