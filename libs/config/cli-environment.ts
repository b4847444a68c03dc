/**
 * The environment the `mandate` CLI reads, as the AWS CLI reads it (endpoint, region, output, which
 * credential sources are named), plus where `npm start` keeps its data.
 */
export interface CliEnvironment {
  endpoint?: string;
  port?: string;
  region?: string;
  output?: string;
  dataDir?: string;
  /** Whether the environment names any credential source the AWS SDK chain reads. */
  namesCredentials: boolean;
}

const CREDENTIAL_SOURCES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

export function cliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const endpoint =
    env.MANDATE_ENDPOINT ?? env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(env.MANDATE_PORT ? { port: env.MANDATE_PORT } : {}),
    ...(region ? { region } : {}),
    ...(env.AWS_DEFAULT_OUTPUT ? { output: env.AWS_DEFAULT_OUTPUT } : {}),
    ...(env.MANDATE_DATA_DIR ? { dataDir: env.MANDATE_DATA_DIR } : {}),
    namesCredentials: CREDENTIAL_SOURCES.some((name) => Boolean(env[name])),
  };
}
