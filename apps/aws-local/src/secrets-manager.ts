import { randomBytes, randomUUID } from 'node:crypto';
import { AwsJsonError, epochSeconds, optionalString, requireString, type Input } from './errors';
import type { JsonStore } from './store';

interface SecretVersion {
  id: string;
  secretString?: string;
  secretBinary?: string;
  stages: string[];
  createdAt: string;
}

interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: { Key: string; Value: string }[];
  versions: SecretVersion[];
  createdAt: string;
  changedAt: string;
  deletedAt?: string;
}

export interface SecretsState {
  secrets: Secret[];
}

type Tag = { Key: string; Value: string };

/** The Secrets Manager operations Mandate uses, with AWS's version-stage semantics. */
export class SecretsManagerService {
  constructor(
    private readonly store: JsonStore<{ secretsManager: SecretsState }>,
    private readonly scope: { partition: string; region: string; accountId: string },
  ) {}

  private get secrets() {
    return this.store.state.secretsManager.secrets;
  }

  handle(operation: string, input: Input): unknown {
    switch (operation) {
      case 'CreateSecret':
        return this.create(input);
      case 'GetSecretValue':
        return this.getValue(input);
      case 'PutSecretValue':
        return this.putValue(input);
      case 'DescribeSecret':
        return this.describe(input);
      case 'DeleteSecret':
        return this.delete(input);
      case 'ListSecrets':
        return this.list(input);
      case 'TagResource':
        return this.tag(input);
      case 'UntagResource':
        return this.untag(input);
      default:
        throw new AwsJsonError(
          'UnknownOperationException',
          `Operation ${operation} is not supported by this endpoint`,
        );
    }
  }

  private find(secretId: string, options: { allowDeleted?: boolean } = {}): Secret {
    const secret = this.secrets.find(
      (s) => s.name === secretId || s.arn === secretId || s.arn.startsWith(`${secretId}-`),
    );
    if (!secret)
      throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deletedAt && !options.allowDeleted) {
      throw new AwsJsonError(
        'InvalidRequestException',
        "You tried to perform the operation on a secret that's currently marked deleted.",
      );
    }
    return secret;
  }

  private create(input: Input) {
    const name = requireString(input, 'Name');
    if (this.secrets.some((s) => s.name === name)) {
      throw new AwsJsonError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const now = new Date().toISOString();
    const suffix = randomBytes(3).toString('hex').slice(0, 6);
    const { partition, region, accountId } = this.scope;
    const secret: Secret = {
      arn: `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`,
      name,
      description: optionalString(input, 'Description'),
      kmsKeyId: optionalString(input, 'KmsKeyId'),
      tags: Array.isArray(input.Tags) ? (input.Tags as Tag[]) : [],
      versions: [],
      createdAt: now,
      changedAt: now,
    };
    const version = this.addVersion(secret, input);
    this.secrets.push(secret);
    this.store.save();
    return { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
  }

  private addVersion(secret: Secret, input: Input): SecretVersion | undefined {
    const secretString = optionalString(input, 'SecretString');
    const secretBinary = optionalString(input, 'SecretBinary');
    if (secretString === undefined && secretBinary === undefined) return undefined;
    const id = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    const existing = secret.versions.find((v) => v.id === id);
    if (existing) return existing;
    // AWSCURRENT moves to the new version; the old current becomes AWSPREVIOUS.
    for (const v of secret.versions) {
      v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
      if (v.stages.includes('AWSCURRENT'))
        v.stages = [...v.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    }
    secret.versions = secret.versions.filter((v) => v.stages.length > 0);
    const now = new Date().toISOString();
    const version: SecretVersion = { id, secretString, secretBinary, stages: ['AWSCURRENT'], createdAt: now };
    secret.versions.push(version);
    secret.changedAt = now;
    return version;
  }

  private getValue(input: Input) {
    const secret = this.find(requireString(input, 'SecretId'));
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage') ?? 'AWSCURRENT';
    const version = versionId
      ? secret.versions.find((v) => v.id === versionId)
      : secret.versions.find((v) => v.stages.includes(stage));
    if (!version) {
      throw new AwsJsonError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for the requested version or staging label.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.secretString,
      SecretBinary: version.secretBinary,
      VersionStages: version.stages,
      CreatedDate: epochSeconds(version.createdAt),
    };
  }

  private putValue(input: Input) {
    const secret = this.find(requireString(input, 'SecretId'));
    const version = this.addVersion(secret, input);
    if (!version)
      throw new AwsJsonError(
        'InvalidParameterException',
        'You must provide either SecretString or SecretBinary.',
      );
    this.store.save();
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
  }

  private describe(input: Input) {
    const secret = this.find(requireString(input, 'SecretId'), { allowDeleted: true });
    return this.summary(secret);
  }

  private summary(secret: Secret) {
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      KmsKeyId: secret.kmsKeyId,
      Tags: secret.tags,
      VersionIdsToStages: Object.fromEntries(secret.versions.map((v) => [v.id, v.stages])),
      CreatedDate: epochSeconds(secret.createdAt),
      LastChangedDate: epochSeconds(secret.changedAt),
      DeletedDate: secret.deletedAt ? epochSeconds(secret.deletedAt) : undefined,
    };
  }

  private delete(input: Input) {
    const secret = this.find(requireString(input, 'SecretId'), { allowDeleted: true });
    const now = new Date();
    if (input.ForceDeleteWithoutRecovery === true) {
      this.store.state.secretsManager.secrets = this.secrets.filter((s) => s !== secret);
    } else {
      secret.deletedAt = now.toISOString();
    }
    this.store.save();
    return { ARN: secret.arn, Name: secret.name, DeletionDate: now.getTime() / 1000 };
  }

  private list(input: Input) {
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
    const start = Number(optionalString(input, 'NextToken') ?? '0');
    const live = this.secrets.filter((s) => !s.deletedAt);
    const page = live.slice(start, start + max);
    const next = start + max < live.length ? String(start + max) : undefined;
    return { SecretList: page.map((s) => this.summary(s)), NextToken: next };
  }

  private tag(input: Input) {
    const secret = this.find(requireString(input, 'SecretId'));
    const tags = Array.isArray(input.Tags) ? (input.Tags as Tag[]) : [];
    secret.tags = [...secret.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags];
    this.store.save();
    return {};
  }

  private untag(input: Input) {
    const secret = this.find(requireString(input, 'SecretId'));
    const keys = Array.isArray(input.TagKeys) ? (input.TagKeys as string[]) : [];
    secret.tags = secret.tags.filter((t) => !keys.includes(t.Key));
    this.store.save();
    return {};
  }
}
