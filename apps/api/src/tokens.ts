/** DI tokens for the values the API is built on that are not classes (classes are their own tokens). */
export const CONFIG = Symbol('Config');
export const LOGGER = Symbol('Logger');
export const VAULT_DB = Symbol('VaultDb');
/** Re-wraps sealed values not yet under the vault's current key (`Runtime.rewrapVault`). */
export const REWRAP_VAULT = Symbol('RewrapVault');
