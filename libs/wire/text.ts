/**
 * Whether a string can be stored and compared as sent: well-formed Unicode (no lone surrogates), no
 * NUL, and no leading byte order mark. PostgreSQL refuses NUL in text and jsonb, a lone surrogate
 * does not survive a UTF-8 round trip, and PGlite's text decoding drops a leading U+FEFF, so none of
 * them may reach the vault.
 *
 * @example
 * storable('crm-agent'); // true
 * storable('crm\u0000'); // false
 */
export function storable(value: string): boolean {
  return (
    !value.includes('\u0000') &&
    !value.startsWith('\uFEFF') &&
    (value as string & { isWellFormed(): boolean }).isWellFormed()
  );
}

/** `value` made storable: lone surrogates, NUL and a leading BOM become U+FFFD. For records of what was sent (audit). */
export function toStorable(value: string): string {
  return (value as string & { toWellFormed(): string })
    .toWellFormed()
    .replaceAll('\u0000', '\uFFFD')
    .replace(/^\uFEFF/, '\uFFFD');
}

/**
 * The wire path of the first string (key or value) in a parsed JSON body that is not storable, or
 * undefined. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function unstorablePath(body: unknown): string | undefined {
  const pending: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      if (!storable(value)) return path || '(body)';
    } else if (Array.isArray(value)) {
      value.forEach((item, index) =>
        pending.push({ value: item, path: path ? `${path}.${index}` : String(index) }),
      );
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (!storable(key)) return path || '(body)';
        pending.push({ value: item, path: at });
      }
    }
  }
  return undefined;
}
