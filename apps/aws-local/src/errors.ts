/** An error answered in the AWS JSON 1.1 shape: HTTP 400 with `__type` and `message`. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type Input = Record<string, unknown>;

export function requireString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  return typeof value === 'string' ? value : undefined;
}

export const epochSeconds = (iso: string) => Date.parse(iso) / 1000;
