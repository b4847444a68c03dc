/** DI tokens for the resources the API is built on (see libs/runtime). */
export const RUNTIME = Symbol('Runtime');
