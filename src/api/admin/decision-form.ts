// The review-decision form -> the workflow's ReviewDecision. Codes typed by hand for
// "mark delivered" are parsed here and go straight into the Update; they are never echoed back.
import { REVIEW_ACTIONS } from '../../review/decide';
import type { IssuedCode, ReviewDecision } from '../../shared/contract';

export class FormError extends Error {}

/**
 * One code per line: `CODE`, `CODE PIN`, or `<lineNo>: CODE [PIN]` when the order has several
 * code lines still missing codes. Lines without a number go to `defaultLine` (the only missing line).
 */
export function parseCodes(text: string, defaultLine: number | undefined): ReviewDecision['codes'] {
  const byLine = new Map<number, IssuedCode[]>();
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (rows.length > 1000) throw new FormError('Too many codes in one decision (at most 1000).');
  rows.forEach((row, i) => {
    const m = /^(?:(\d{1,4})\s*[:=]\s*)?(\S{1,200})(?:\s+(\S{1,64}))?$/.exec(row);
    if (!m) throw new FormError(`Codes row ${i + 1} is not "CODE", "CODE PIN" or "<line>: CODE [PIN]".`);
    const lineNo = m[1] !== undefined ? Number(m[1]) : defaultLine;
    if (lineNo === undefined) {
      throw new FormError(
        `Codes row ${i + 1} does not say which order line it is for; write it as "<line>: CODE".`,
      );
    }
    const list = byLine.get(lineNo) ?? [];
    list.push(m[3] ? { code: m[2]!, pin: m[3] } : { code: m[2]! });
    byLine.set(lineNo, list);
  });
  return [...byLine].map(([lineNo, codes]) => ({ lineNo, codes }));
}

export interface DecisionForm {
  action?: unknown;
  note?: unknown;
  codes?: unknown;
}

export function toDecision(form: DecisionForm, by: string, defaultLine: number | undefined): ReviewDecision {
  const action = REVIEW_ACTIONS.find((a) => a === form.action);
  if (!action) throw new FormError('Choose one of: retry, mark delivered, refund, cancel.');
  const note = typeof form.note === 'string' ? form.note.trim().slice(0, 500) : '';
  const decision: ReviewDecision = { action, by, ...(note ? { note } : {}) };
  if (action === 'markDelivered') {
    decision.codes = parseCodes(typeof form.codes === 'string' ? form.codes : '', defaultLine);
  }
  return decision;
}
