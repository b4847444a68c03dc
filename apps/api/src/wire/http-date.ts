/**
 * The current time as an HTTP `date` header (RFC 9110 IMF-fixdate). The header has a resolution of
 * one second, so the string is formatted once per second rather than once per answer.
 */
let cachedSecond = -1;
let cachedText = '';

export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = new Date(second * 1000).toUTCString();
  }
  return cachedText;
}
