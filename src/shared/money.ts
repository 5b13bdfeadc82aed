// Money as integer minor units of its currency: no floating point on amounts. ISO 4217 says how
// many decimals a currency has: 0 (JPY, KRW, ...), 3 (KWD, BHD, JOD, OMR, TND, ...), 2 for most.

const ZERO_DECIMALS = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMALS = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** Largest amount we accept, in minor units (keeps every sum an exact JavaScript integer). */
const MAX_MINOR = 1e13;

/** How many decimals the currency's minor unit has (2 for codes we do not list). */
export function currencyDecimals(currency: string): 0 | 2 | 3 {
  const code = currency.toUpperCase();
  if (ZERO_DECIMALS.has(code)) return 0;
  if (THREE_DECIMALS.has(code)) return 3;
  return 2;
}

/**
 * A decimal string (or a number, as some senders use) → integer minor units, or null when it is
 * not an amount this currency can have: not a number, more non-zero decimals than the currency
 * has ("10.505" in USD, "1000.50" in JPY), or absurdly large. Extra zero decimals are fine
 * ("1000.00" in JPY, a store configured with two decimals).
 */
export function toMinor(amount: unknown, decimals: number): number | null {
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) return null;
    // A float the sender computed (3 * 3.3 = 9.899999999999999) is the amount it rounds to,
    // as long as it is within a millionth of a minor unit of it.
    const scaled = amount * 10 ** decimals;
    const rounded = Math.round(scaled);
    if (Math.abs(scaled - rounded) > 1e-6) return null;
    return Math.abs(rounded) <= MAX_MINOR ? rounded : null;
  }
  if (typeof amount !== 'string') return null;
  const m = /^(-?)(\d{1,16})(?:\.(\d{1,12}))?$/.exec(amount.trim());
  if (!m) return null;
  const fraction = m[3] ?? '';
  if (/[1-9]/.test(fraction.slice(decimals))) return null;
  const minor =
    Number(m[2]) * 10 ** decimals + Number(fraction.slice(0, decimals).padEnd(decimals, '0') || '0');
  if (minor > MAX_MINOR) return null;
  return m[1] && minor !== 0 ? -minor : minor;
}

/** Integer minor units → decimal string with exactly the currency's decimals ("10.500"). */
export function fromMinor(minor: number, decimals: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (decimals === 0) return `${sign}${abs}`;
  const unit = 10 ** decimals;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(decimals, '0')}`;
}

/** Amount in the currency's own format, or null (see toMinor). */
export function normalizeAmount(amount: unknown, currency: string): string | null {
  const decimals = currencyDecimals(currency);
  const minor = toMinor(amount, decimals);
  return minor === null ? null : fromMinor(minor, decimals);
}

// Inside the workflow, amounts of any currency are summed and compared in thousandths of the
// unit ("mills"): exact for 0-, 2- and 3-decimal currencies, and total (undefined, never a throw).

const AMOUNT = /^(-?)(\d{1,12})(?:\.(\d{1,3}))?$/;

/** "10.5" → 10500; "10.500" → 10500; "9.9951" or "abc" → undefined. */
export function parseMills(amount: string | number | undefined | null): number | undefined {
  if (amount === undefined || amount === null) return undefined;
  const m = AMOUNT.exec(String(amount).trim());
  if (!m) return undefined;
  const mills = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return m[1] ? -mills : mills;
}

/** 10500 → "10.50"; 10505 → "10.505" (three decimals only when the third is not zero). */
export function formatMills(mills: number): string {
  const sign = mills < 0 ? '-' : '';
  const abs = Math.abs(Math.round(mills));
  const whole = Math.floor(abs / 1000);
  const frac = String(abs % 1000).padStart(3, '0');
  return `${sign}${whole}.${frac.endsWith('0') ? frac.slice(0, 2) : frac}`;
}
