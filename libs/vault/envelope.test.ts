import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Envelope, fixedKeys, VaultDecryptionError } from './envelope';
import { LocalKeyEncryptionKey } from './key-encryption-key';

const folder = () => mkdtempSync(join(tmpdir(), 'mandate-vault-'));

describe('Envelope', () => {
  const kek = LocalKeyEncryptionKey.fromFile(join(folder(), 'vault.key'));
  const envelope = new Envelope(fixedKeys(kek));

  it('opens what it sealed, and never stores the plaintext', async () => {
    const sealed = await envelope.seal('super-secret-value', 'principal:A');
    assert.equal(sealed.kekId, kek.id);
    assert.ok(!sealed.value.includes('super-secret-value'));
    assert.ok(!sealed.value.includes(Buffer.from('super-secret-value').toString('base64url')));
    assert.equal(await envelope.open(sealed.value, 'principal:A'), 'super-secret-value');
  });

  it('seals the same value differently each time', async () => {
    const a = await envelope.seal('same', 'r');
    const b = await envelope.seal('same', 'r');
    assert.notEqual(a.value, b.value);
  });

  it('refuses a sealed value moved to another record', async () => {
    const sealed = await envelope.seal('bound', 'principal:A');
    await assert.rejects(envelope.open(sealed.value, 'principal:B'), VaultDecryptionError);
  });

  it('refuses tampered bytes', async () => {
    const sealed = await envelope.seal('intact', 'r');
    const parts = sealed.value.split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[4] = body.toString('base64url');
    await assert.rejects(envelope.open(parts.join('.'), 'r'), VaultDecryptionError);
  });

  it('opens values sealed under a previous key after the current one changes', async () => {
    const older = LocalKeyEncryptionKey.fromFile(join(folder(), 'old.key'));
    const sealed = await new Envelope(fixedKeys(older)).seal('from before', 'r');
    const rotated = new Envelope(fixedKeys(kek, [older]));
    assert.equal(await rotated.open(sealed.value, 'r'), 'from before');
    await assert.rejects(new Envelope(fixedKeys(kek)).open(sealed.value, 'r'), /does not hold/);
  });

  it('creates the key file with mode 0600 and reuses it', () => {
    const dir = folder();
    const first = LocalKeyEncryptionKey.fromFile(join(dir, 'vault.key'));
    assert.equal(statSync(join(dir, 'vault.key')).mode & 0o777, 0o600);
    assert.equal(LocalKeyEncryptionKey.fromFile(join(dir, 'vault.key')).id, first.id);
  });

  it('refuses a key file that does not hold a 256-bit key', () => {
    const path = join(folder(), 'short.key');
    writeFileSync(path, Buffer.alloc(16).toString('base64'));
    assert.throws(() => LocalKeyEncryptionKey.fromFile(path), /256-bit/);
  });
});
