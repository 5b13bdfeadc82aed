// Money as integers in thousandths of the currency unit: exact for currencies with 0, 2 or 3
// decimals (JPY, USD, KWD). Pure and total: workflow code never throws on a storefront's or a
// supplier's number, it gets `undefined` and decides what that means.

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
