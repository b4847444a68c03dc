import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { composeServerConfig, DYNAMIC_CONFIG } from './temporal-cluster';

describe("docker-compose.yml's Temporal server config", () => {
  it('is the tested one, rendered for the compose network (scripts/render-temporal-config.ts)', () => {
    const dir = join(__dirname, '..', '..', 'ops', 'temporal');
    assert.equal(readFileSync(join(dir, 'config.yaml'), 'utf8'), composeServerConfig());
    assert.equal(readFileSync(join(dir, 'dynamicconfig.yaml'), 'utf8'), DYNAMIC_CONFIG);
  });
});
