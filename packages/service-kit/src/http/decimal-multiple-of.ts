/**
 * Exact `multipleOf` for decimal steps such as 0.01. Binary floating point makes
 * the usual division test wrong for large values (999900000.56 / 0.01 is not an
 * integer in IEEE 754), so both numbers are compared as scaled decimal integers
 * taken from their shortest round-trip text.
 */
export function isDecimalMultipleOf(value: number, step: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(step) || step <= 0) return false;
  const a = toDecimalParts(value);
  const b = toDecimalParts(step);
  if (a === undefined || b === undefined) return false;
  const scale = Math.max(a.decimals, b.decimals);
  const scaledValue = a.digits * 10n ** BigInt(scale - a.decimals);
  const scaledStep = b.digits * 10n ** BigInt(scale - b.decimals);
  return scaledValue % scaledStep === 0n;
}

function toDecimalParts(value: number): { digits: bigint; decimals: number } | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  let digits = whole + fraction;
  let decimals = fraction.length - exponent;
  if (decimals < 0) {
    digits += '0'.repeat(-decimals);
    decimals = 0;
  }
  return { digits: BigInt(sign + digits), decimals };
}
