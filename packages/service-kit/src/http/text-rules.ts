/**
 * A JSON Schema pattern for "1 to max characters after trimming, no NUL":
 * optional surrounding whitespace around a core that starts and ends with a
 * visible character. PostgreSQL text cannot hold NUL, so it is refused here
 * as a 422 rather than failing later as a 500.
 */
export function trimmedTextPattern(max: number): string {
  return `^\\s*[^\\s\\u0000](?:[^\\u0000]{0,${max - 2}}[^\\s\\u0000])?\\s*$`;
}
