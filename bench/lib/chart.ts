// The benchmark's figures as an SVG bar chart (written by hand: no network, no dependencies).
// One panel per figure: cardbridge next to its baseline, with the ratio and the target.

interface Bar {
  label: string;
  value: number;
  text: string;
  colour: string;
}
interface Panel {
  title: string;
  bars: Bar[];
  note: string;
}

const CB = '#2563eb';
const BASE = '#9ca3af';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(r: Record<string, unknown>): string {
  type N = Record<string, number>;
  const panels: Panel[] = [];
  const p1 = r.p1 as (N & { ratio: number }) | undefined;
  if (p1)
    panels.push({
      title: 'P1 fulfilled orders per second (end to end)',
      bars: [
        {
          label: 'cardbridge',
          value: p1.cardbridgePerSecond!,
          text: `${p1.cardbridgePerSecond!.toFixed(1)}/s`,
          colour: CB,
        },
        {
          label: '3-activity workflow',
          value: p1.baselinePerSecond!,
          text: `${p1.baselinePerSecond!.toFixed(1)}/s`,
          colour: BASE,
        },
      ],
      note: `ratio ${p1.ratio.toFixed(2)} (target >= 0.5)`,
    });
  const p2 = r.p2 as { cardbridge: N; bare: N; ratio: number } | undefined;
  if (p2)
    panels.push({
      title: 'P2 storefront hook requests per second',
      bars: [
        {
          label: 'cardbridge hook',
          value: p2.cardbridge.rps!,
          text: `${p2.cardbridge.rps!.toFixed(0)} req/s, p99 ${p2.cardbridge.p99} ms`,
          colour: CB,
        },
        {
          label: 'bare Express hook',
          value: p2.bare.rps!,
          text: `${p2.bare.rps!.toFixed(0)} req/s, p99 ${p2.bare.p99} ms`,
          colour: BASE,
        },
      ],
      note: `ratio ${p2.ratio.toFixed(2)} (target >= 0.8)`,
    });
  const p3 = r.p3 as { supplier0s: N; supplier2s: N; ratio: number } | undefined;
  if (p3)
    panels.push({
      title: 'P3 storefront hook p99 latency (ms)',
      bars: [
        {
          label: 'supplier answers in 2 s',
          value: p3.supplier2s.p99!,
          text: `${p3.supplier2s.p99} ms`,
          colour: CB,
        },
        {
          label: 'supplier answers in 0 s',
          value: p3.supplier0s.p99!,
          text: `${p3.supplier0s.p99} ms`,
          colour: BASE,
        },
      ],
      note: `ratio ${p3.ratio.toFixed(2)} (target <= 1.1)`,
    });
  const p4 = r.p4 as { orders: number; rssMiBParked: N; drainSeconds: number } | undefined;
  if (p4)
    panels.push({
      title: `P4 memory with ${p4.orders} orders parked (MiB RSS)`,
      bars: [
        {
          label: 'worker',
          value: p4.rssMiBParked.worker!,
          text: `${p4.rssMiBParked.worker!.toFixed(0)} MiB`,
          colour: CB,
        },
        {
          label: 'API',
          value: p4.rssMiBParked.api!,
          text: `${p4.rssMiBParked.api!.toFixed(0)} MiB`,
          colour: CB,
        },
        { label: 'target (worker)', value: 400, text: '400 MiB', colour: BASE },
      ],
      note: `drained in ${p4.drainSeconds.toFixed(1)} s once the webhooks arrived`,
    });
  const m = r.machine as { cores: number; memoryGiB: number; cpuModel: string };
  const width = 760;
  const barH = 22;
  const labelW = 190;
  const plotW = width - labelW - 230;
  let y = 50;
  const parts: string[] = [];
  for (const p of panels) {
    parts.push(`<text x="16" y="${y}" font-weight="bold">${esc(p.title)}</text>`);
    y += 12;
    const max = Math.max(...p.bars.map((b) => b.value), 1e-9);
    for (const b of p.bars) {
      const w = Math.max(1, (b.value / max) * plotW);
      parts.push(
        `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.colour}"/>`,
        `<text x="${labelW + w + 6}" y="${y + 16}">${esc(b.text)}</text>`,
      );
      y += barH + 6;
    }
    parts.push(`<text x="${labelW}" y="${y + 12}" fill="#374151">${esc(p.note)}</text>`);
    y += 40;
  }
  const title = `cardbridge benchmark, ${String(r.startedAt).slice(0, 16).replace('T', ' ')} UTC: ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel}, ${String(r.database)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="14">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
