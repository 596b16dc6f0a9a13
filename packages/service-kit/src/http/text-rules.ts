/**
 * A JSON Schema pattern for "1 to max characters after trimming": optional
 * surrounding whitespace around a core that starts and ends with a visible
 * character. Two things text cannot hold are refused here as a 422, rather
 * than failing later as a 500 or being stored changed: NUL (PostgreSQL text
 * cannot store it) and lone UTF-16 surrogates (not Unicode; they would be
 * stored as U+FFFD). The validator compiles patterns in Unicode mode, where a
 * proper surrogate pair such as an emoji is one character and passes.
 */
export function trimmedTextPattern(max: number): string {
  const forbidden = '\\u0000\\uD800-\\uDFFF';
  return `^\\s*[^\\s${forbidden}](?:[^${forbidden}]{0,${max - 2}}[^\\s${forbidden}])?\\s*$`;
}
