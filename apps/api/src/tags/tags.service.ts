import { ResourceNotFoundException, ValidationException } from '../../../../libs/wire/errors';

const MAX_TAGS = 50;

/** One kind of taggable resource: how its ARNs name it, and the repository that keeps its tags. */
export interface TaggableKind {
  /** The resource name in an ARN of this kind, else undefined. */
  parse(arn: string): string | undefined;
  repository: {
    find(name: string): Promise<{ tags: Record<string, string> } | undefined>;
    /** Undefined when the resource is gone. */
    setTags(name: string, tags: Record<string, string>): Promise<unknown>;
  };
}

/**
 * Tags of taggable resources, found by ARN: workload identities, API key and OAuth2 credential
 * providers. Tags given at create are the same tags.
 */
export class TagsService {
  constructor(private readonly kinds: readonly TaggableKind[]) {}

  async list(arn: string) {
    return { tags: (await this.current(arn)).tags };
  }

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    const current = await this.current(arn);
    const merged = { ...current.tags, ...tags };
    if (Object.keys(merged).length > MAX_TAGS) {
      throw ValidationException.field('tags', `a resource holds at most ${MAX_TAGS} tags`);
    }
    await this.save(arn, current, merged);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const current = await this.current(arn);
    const kept = Object.entries(current.tags).filter(([key]) => !keys.includes(key));
    await this.save(arn, current, Object.fromEntries(kept));
  }

  private async current(arn: string) {
    for (const kind of this.kinds) {
      const name = kind.parse(arn);
      if (name === undefined) continue;
      const record = await kind.repository.find(name);
      if (record) return { kind, name, tags: record.tags };
    }
    throw new ResourceNotFoundException(`Resource ${arn} does not exist`);
  }

  private async save(arn: string, at: { kind: TaggableKind; name: string }, tags: Record<string, string>) {
    if ((await at.kind.repository.setTags(at.name, tags)) === undefined) {
      throw new ResourceNotFoundException(`Resource ${arn} does not exist`);
    }
  }
}
