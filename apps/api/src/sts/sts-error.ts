import { CodedError } from '../../../../libs/errors/coded-error';

/** STS's error codes for AssumeRoleWithWebIdentity, with the HTTP status each answers with. */
export const STS_ERRORS = {
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  AccessDenied: 403,
  ValidationError: 400,
  InvalidAction: 400,
  InternalFailure: 500,
} as const;

export type StsErrorCode = keyof typeof STS_ERRORS;

/** A refusal on the STS wire; its message names the check, never the token. */
export class StsError extends CodedError<StsErrorCode> {}
