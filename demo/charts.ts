/**
 * Small self-contained SVG charts for the demo report: no script, no external font or style, so
 * the HTML report opens anywhere and the SVG files render on GitHub.
 */

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Start the y axis at 0 (counts, latencies) rather than near the smallest value. */
  yFromZero?: boolean;
}

export interface StackedBarsSpec {
  title: string;
  /** One bar per label, segments in `keys` order, values in percent. */
  bars: readonly { label: string; values: Record<string, number> }[];
  keys: readonly string[];
}

const W = 640;
const H = 320;
const M = { left: 64, right: 16, top: 40, bottom: 56 };
const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

export const seriesColor = (i: number): string => COLORS[i % COLORS.length];

const esc = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, wanted = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi === lo) {
    hi = lo + (Math.abs(lo) || 1);
  }
  const raw = (hi - lo) / wanted;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3).replace(/\.?0+$/, '');

function frame(title: string, body: string[], label: string, height = H): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(label)}" ${FONT} font-size="12">`,
    `<title>${esc(label)}</title>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600" fill="#111827">${esc(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Rough width of a label in the 12px sans-serif the charts use. */
const textWidth = (text: string): number => text.length * 6.8;

/** Legend entries flowed in rows below the plot; returns the SVG and the height it takes. */
function legend(names: readonly string[], top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  let x = M.left;
  let y = top;
  names.forEach((name, i) => {
    const w = 18 + textWidth(name) + 20;
    if (x + w > W - M.right && x > M.left) {
      x = M.left;
      y += 18;
    }
    svg.push(
      `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${seriesColor(i)}"/>`,
      `<text x="${x + 18}" y="${y + 1}" fill="#374151">${esc(name)}</text>`,
    );
    x += w;
  });
  return { svg, height: names.length ? y - top + 24 : 0 };
}

/** Lines with markers over numeric x and y axes, a legend below when there are several series. */
export function lineChart(spec: LineChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xt = ticks(Math.min(...xs, 0), Math.max(...xs, 1));
  const yt = ticks(spec.yFromZero ? 0 : Math.min(...ys), Math.max(...ys));
  const [x0, x1, y0, y1] = [xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]];
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const body: string[] = [];
  for (const t of yt) {
    body.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${M.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" fill="#4b5563">${fmt(t)}</text>`,
    );
  }
  for (const t of xt) {
    body.push(
      `<text x="${px(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#4b5563">${fmt(t)}</text>`,
    );
  }
  body.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#6b7280"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#6b7280"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 18}" text-anchor="middle" fill="#374151">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#374151">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = seriesColor(i);
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const [x, y] of s.points) {
      body.push(
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.name}: ${fmt(x)} → ${fmt(y)}`)}</title></circle>`,
      );
    }
  });
  const names = spec.series.length > 1 ? spec.series.map((x) => x.name) : [];
  const key = legend(names, H + 6);
  body.push(...key.svg);
  return frame(spec.title, body, `${spec.title}: ${spec.yLabel} by ${spec.xLabel}`, H + key.height);
}

/** Horizontal 100% bars, one per label, split into coloured segments. */
export function stackedBars(spec: StackedBarsSpec): string {
  const body: string[] = [];
  const left = 150;
  const width = W - left - M.right;
  const rowH = 36;
  spec.bars.forEach((bar, i) => {
    const y = M.top + i * rowH;
    body.push(
      `<text x="${left - 8}" y="${(y + rowH / 2).toFixed(1)}" text-anchor="end" fill="#374151">${esc(bar.label)}</text>`,
    );
    let x = left;
    spec.keys.forEach((key, k) => {
      const pct = bar.values[key] ?? 0;
      if (pct <= 0) return;
      const w = (pct / 100) * width;
      const text = `${key} ${pct}%`;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${seriesColor(k)}"><title>${esc(`${bar.label}: ${text}`)}</title></rect>`,
      );
      if (w > textWidth(text) + 8) {
        body.push(
          `<text x="${(x + w / 2).toFixed(1)}" y="${(y + (rowH - 8) / 2 + 4).toFixed(1)}" text-anchor="middle" fill="#ffffff">${esc(text)}</text>`,
        );
      }
      x += w;
    });
  });
  const top = M.top + spec.bars.length * rowH + 16;
  const key = legend(spec.keys, top);
  body.push(...key.svg);
  return frame(spec.title, body, `${spec.title}: ${spec.keys.join(', ')} share per step`, top + key.height);
}
