/**
 * ECharts option objects for the workbench charts, built by pure functions (tested without
 * a DOM). The chart component (components/chart/EChart.vue) registers the echarts modules
 * these options need: line, scatter, bar, parallel; grid, tooltip, legend, dataZoom,
 * markLine, title.
 */
import type { DatasetSpaceGroupCount, Histogram } from '../../src-shared/ipc/contract';
import { plural } from '../../src-shared/text';
import { displaySymbol } from '../../src-shared/chem/spacegroup';
import { fmtNum, frameLabel } from './format';
import { columnLabel } from './runs';
import type { XY } from './series';

export type ChartOption = Record<string, unknown>;

/** A categorical palette that stays readable on white. */
export const PALETTE = ['#2f6fde', '#e8663d', '#2e9e5b', '#9b59b6', '#c9a227', '#17a2b8', '#d6336c', '#6c757d', '#8d6e63', '#20c997'];

export interface LineSeries {
  name: string;
  data: XY[];
  /** 0: left axis, 1: right axis. */
  axis?: 0 | 1;
  dashed?: boolean;
  color?: string;
}

export interface LineOptions {
  xName: string;
  yName?: string;
  y2Name?: string;
  logY?: boolean;
  /** The x axis takes any value (a strain), not steps: no whole-number ticks. */
  xFractional?: boolean;
  /** Named places on the x axis (a band path's special points), drawn as vertical lines labelled beneath in place of the axis's numbers; the axis spans them. */
  xTicks?: readonly { at: number; label: string }[];
  /** Keep the last zoom while data grows (no animation on updates). */
  animation?: boolean;
  /** Series names hidden at first (toggle in the legend). */
  hidden?: readonly string[];
}

const baseText = { fontSize: 11, color: '#5d6675' };

const LEGEND_TOP = 4;
const LEGEND_ICON = 25;
const LEGEND_GAP = 10;
/** Height of a legend row (11 px text), px. */
export const LEGEND_ROW = 18;
/** Between the legend's last row and the plot: room for the y axis' title, which sits over the plot. */
export const LEGEND_CLEARANCE = 28;

/**
 * An axis tick's label: the tick as ECharts chose it (a multiple of its interval), without float noise,
 * exponential beyond 1e5 and under 1e-3. Every digit that tells ticks apart stays: significant figures
 * cut at a fixed count labelled -1745.4, -1745.2 and -1745.0 eV all "-1750".
 */
export function tickText(v: number): string {
  if (v === 0) return '0';
  const clean = Number(v.toPrecision(12));
  const a = Math.abs(clean);
  return a >= 1e5 || a < 1e-3 ? clean.toExponential() : String(clean);
}

/**
 * Text for a tooltip formatter's return value, which ECharts sets as HTML: a name from the user's data
 * (a structure's id in a dataset file, a run's name) shows as typed, not as markup.
 */
export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Rows a horizontal legend takes when its items (icon, 5 px, text) are laid out left to right and
 * wrapped at `width` px, as ECharts lays out a plain legend.
 */
export function legendRows(textWidths: readonly number[], width: number): number {
  let rows = textWidths.length > 0 ? 1 : 0;
  let x = 0;
  for (const t of textWidths) {
    const w = LEGEND_ICON + 5 + t;
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w + LEGEND_GAP;
  }
  return rows;
}

/** The axis titles of an option: its x axes', then its y axes' (drawn on the canvas, so not in the page's text). */
export function axisTitles(option: ChartOption): { x: string[]; y: string[] } {
  const names = (a: unknown) => (Array.isArray(a) ? a : a ? [a] : []).map((x) => String((x as { name?: unknown }).name ?? ''));
  return { x: names(option.xAxis), y: names(option.yAxis) };
}

/** The series' names of an option (what its legend shows). */
export function seriesNames(option: ChartOption): string[] {
  return (Array.isArray(option.series) ? option.series : []).map((x) => String((x as { name?: unknown }).name ?? ''));
}

/**
 * A chart said in words, for a screen reader (its canvas is an image to one): its name, what it plots
 * against what, its series and how many points it draws, or why it is empty. "Loss per epoch: loss
 * (normalised targets) against epoch; series train, validation; 24 points".
 */
export function chartDescription(name: string, option: ChartOption, points: number | undefined, empty: string | null | undefined): string {
  if (empty) return `${name}: ${empty}`;
  const { x, y } = axisTitles(option);
  const ys = y.filter(Boolean).join(', ');
  const xs = x.filter(Boolean).join(', ');
  const series = seriesNames(option).filter(Boolean);
  const parts = [ys && xs ? `${ys} against ${xs}` : ys || xs, series.length > 1 ? `series ${series.join(', ')}` : '', points === undefined ? '' : plural(points, 'point')];
  const said = parts.filter(Boolean).join('; ');
  return said ? `${name}: ${said}` : name;
}

/** A target's unit as an axis title says it: the dataset's unit, or that none was set at its import. */
export function unitText(units: string): string {
  return units || 'no unit set at import';
}

/** An axis or series title with its unit in brackets; a unitless quantity's name alone (never "()"). */
export function withUnit(name: string, unit: string): string {
  return unit.trim() ? `${name} (${unit.trim()})` : name;
}

/** Between a parallel chart's legend and its axes: room for the axis names set above the axes. */
export const PARALLEL_LEGEND_CLEARANCE = 46;

/**
 * A chart whose plain legend fits without paging: the plot (and the y axis' title over it, or the
 * parallel axes' names above them) moved down under as many legend rows as the series' names need
 * in a chart `width` px wide (`measure`: a name's width in px at 11 px). Options without a plain
 * legend over a grid or a parallel coordinate system are returned as they are.
 */
export function fitLegend(option: ChartOption, width: number, measure: (text: string) => number): ChartOption {
  const legend = option.legend as { type?: string; top?: number; left?: number; right?: number } | undefined;
  const place = option.grid ? 'grid' : option.parallel ? 'parallel' : null;
  const series = option.series as { name?: string }[] | undefined;
  if (!legend || legend.type !== 'plain' || !place || !series || typeof legend.top !== 'number') return option;
  const plot = option[place] as { top?: number };
  const available = width - (legend.left ?? 0) - (legend.right ?? 0);
  const rows = legendRows(
    series.map((s) => measure(String(s.name ?? ''))),
    available,
  );
  const top = Math.max(plot.top ?? 0, legend.top + rows * LEGEND_ROW + (place === 'grid' ? LEGEND_CLEARANCE : PARALLEL_LEGEND_CLEARANCE));
  return { ...option, [place]: { ...plot, top } };
}

export function lineOption(series: readonly LineSeries[], o: LineOptions): ChartOption {
  const hasRight = series.some((s) => s.axis === 1);
  const yAxis: ChartOption[] = [
    { type: o.logY ? 'log' : 'value', name: o.yName ?? '', scale: true, nameTextStyle: baseText, axisLabel: { ...baseText, formatter: tickText }, splitLine: { lineStyle: { color: '#eef0f3' } } },
  ];
  if (hasRight)
    yAxis.push({ type: 'value', name: o.y2Name ?? '', scale: true, nameTextStyle: baseText, axisLabel: { ...baseText, formatter: tickText }, splitLine: { show: false } });
  return {
    animation: o.animation ?? false,
    color: PALETTE,
    grid: { left: 56, right: hasRight ? 56 : 16, top: 34, bottom: 36 },
    // wrapped onto rows by fitLegend (EChart.vue, which knows the width), never paged
    legend: { top: LEGEND_TOP, left: 8, right: 8, type: 'plain', textStyle: baseText, itemWidth: LEGEND_ICON, itemHeight: 8, itemGap: LEGEND_GAP, selected: Object.fromEntries((o.hidden ?? []).map((n) => [n, false])) },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmtNum(v, 5) },
    xAxis: {
      type: 'value',
      name: o.xName,
      nameLocation: 'middle',
      nameGap: 22,
      nameTextStyle: baseText,
      axisLabel: baseText,
      ...(o.xFractional ? {} : { minInterval: 1 }),
      scale: true,
      ...(o.xTicks?.length ? { min: o.xTicks[0].at, max: o.xTicks.at(-1)!.at, axisLabel: { show: false }, splitLine: { show: false } } : {}),
    },
    yAxis,
    series: series.map((s, i) => ({
      ...(i === 0 && o.xTicks?.length
        ? {
            markLine: {
              symbol: 'none',
              silent: true,
              animation: false,
              lineStyle: { color: '#aab2bf', width: 1, type: 'solid' },
              label: { show: true, position: 'start', distance: 4, ...baseText },
              data: o.xTicks.map((t) => ({ xAxis: t.at, label: { formatter: t.label } })),
            },
          }
        : {}),
      name: s.name,
      type: 'line',
      data: s.data,
      yAxisIndex: s.axis ?? 0,
      // a few points are samples worth marking; a band path's lines are curves however short
      showSymbol: s.data.length < 60 && !o.xTicks?.length,
      symbolSize: 4,
      lineStyle: { width: 1.6, type: s.dashed ? 'dashed' : 'solid' },
      color: s.color ?? PALETTE[i % PALETTE.length],
      connectNulls: true,
    })),
  };
}

export interface ParityPoint {
  target: number;
  prediction: number;
  name: string;
  split: string;
}

/**
 * An axis range that covers [lo, hi] with about `ticks` intervals of a round step (1, 2, 2.5 or 5
 * times a power of ten), the ends on multiples of the step: ticks read 0.2, 0.4 … not 0.0548, 0.738.
 */
export function niceRange(lo: number, hi: number, ticks = 5): { min: number; max: number; interval: number } {
  if (!(hi > lo)) {
    const c = Number.isFinite(lo) ? lo : 0;
    return niceRange(c - (Math.abs(c) || 1) * 0.5, c + (Math.abs(c) || 1) * 0.5, ticks);
  }
  const raw = (hi - lo) / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => Number((m * pow).toPrecision(12))).find((s) => s >= raw * (1 - 1e-9))!;
  // rounding to the step's decimals keeps 0.30000000000000004 out of the labels
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const round = (x: number) => Number(x.toFixed(decimals));
  return { min: round(Math.floor(lo / step + 1e-9) * step), max: round(Math.ceil(hi / step - 1e-9) * step), interval: step };
}

/** The margin of a parity plot's range beyond its extreme points, as a fraction of their spread. */
const PARITY_PAD = 0.04;

/** Grid of the parity plot: left + right equals top + bottom, so a square chart has a square plot. */
export const PARITY_GRID = { left: 62, right: 18, top: 34, bottom: 46 };

/**
 * Predicted against true, one scatter series per split, with the y = x diagonal: equal ranges
 * with round ticks on both axes (drawn square by a square chart, PARITY_GRID), titles naming the
 * target and its units.
 */
export function parityOption(points: readonly ParityPoint[], units: string, target = ''): ChartOption {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.target, p.prediction);
    hi = Math.max(hi, p.target, p.prediction);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  // a point at the end of a range on a round number (a true value of 2 when the range starts at 2) would
  // be drawn on the axis line and hidden by it: the range is padded first, so every point is inside
  const pad = (hi - lo) * PARITY_PAD;
  const range = niceRange(lo - pad, hi + pad);
  lo = range.min;
  hi = range.max;
  const splits = [...new Set(points.map((p) => p.split))];
  const u = ` (${unitText(units)})`;
  const what = target ? ` ${target}` : '';
  const axis = (name: string, gap: number) => ({
    type: 'value',
    name: `${name}${what}${u}`,
    nameLocation: 'middle',
    nameGap: gap,
    min: lo,
    max: hi,
    interval: range.interval,
    nameTextStyle: baseText,
    axisLabel: { ...baseText, formatter: tickText },
  });
  return {
    animation: false,
    color: PALETTE,
    grid: PARITY_GRID,
    legend: { top: 4, textStyle: baseText },
    tooltip: {
      trigger: 'item',
      formatter: (p: { data: [number, number, string] }) => `${htmlText(p.data[2])}<br/>true ${fmtNum(p.data[0], 5)}<br/>predicted ${fmtNum(p.data[1], 5)}`,
    },
    xAxis: axis('true', 26),
    yAxis: axis('predicted', 44),
    series: [
      ...splits.map((split) => ({
        name: split,
        type: 'scatter',
        symbolSize: 5,
        large: true,
        itemStyle: { opacity: 0.7 },
        data: points.filter((p) => p.split === split).map((p) => [p.target, p.prediction, p.name]),
      })),
      {
        name: 'y = x',
        type: 'line',
        data: [
          [lo, lo],
          [hi, hi],
        ],
        showSymbol: false,
        silent: true,
        lineStyle: { color: '#8a93a2', type: 'dashed', width: 1 },
        color: '#8a93a2',
      },
    ],
  };
}

/** Counts of values in `bins` equal bins over [min, max]. */
export function histogram(values: readonly number[], bins = 30): Histogram {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { edges: [0, 1], counts: [0] };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const w = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * w);
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  return { edges, counts };
}

export function histogramOption(h: Histogram, xName: string, color = PALETTE[0]): ChartOption {
  const labels = h.counts.map((_, i) => fmtNum((h.edges[i] + h.edges[i + 1]) / 2, 3));
  return {
    animation: false,
    // room above the plot for the "count" axis title (ECharts puts it nameGap = 15 px above the axis's end)
    grid: { left: 48, right: 12, top: 32, bottom: 44 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number; value: number }[]) => {
        const i = ps[0]?.dataIndex ?? 0;
        return `${fmtNum(h.edges[i], 4)} … ${fmtNum(h.edges[i + 1], 4)}<br/>${ps[0]?.value ?? 0}`;
      },
    },
    xAxis: { type: 'category', data: labels, name: xName, nameLocation: 'middle', nameGap: 28, nameTextStyle: baseText, axisLabel: baseText },
    yAxis: { type: 'value', name: 'count', nameTextStyle: baseText, axisLabel: baseText, minInterval: 1 },
    series: [{ type: 'bar', data: h.counts, barCategoryGap: '4%', itemStyle: { color } }],
  };
}

/** Bars of structures per space group (most frequent first, at most `max`, the rest summed as "other"). */
export function spaceGroupOption(counts: readonly DatasetSpaceGroupCount[], max = 24): ChartOption {
  const shown = counts.slice(0, max);
  const rest = counts.slice(max).reduce((a, c) => a + c.count, 0);
  const labels = shown.map((c) => (c.number === null ? 'molecule' : `${displaySymbol(c.symbol)} (${c.number})`));
  const data = shown.map((c) => c.count);
  if (rest) {
    labels.push(`${counts.length - max} other groups`);
    data.push(rest);
  }
  return {
    animation: false,
    grid: { left: 56, right: 12, top: 24, bottom: 70 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number; value: number }[]) => {
        const c = shown[ps[0]?.dataIndex ?? 0];
        const what = c ? (c.number === null ? 'molecules' : `${displaySymbol(c.symbol)}, No. ${c.number}, ${c.crystalSystem}`) : 'other space groups';
        return `${what}<br/>${plural(ps[0]?.value ?? 0, 'structure')}`;
      },
    },
    xAxis: { type: 'category', data: labels, name: 'space group (spglib tolerance 0.01 Å)', nameLocation: 'middle', nameGap: 56, nameTextStyle: baseText, axisLabel: { ...baseText, rotate: 40, interval: 0 } },
    yAxis: { type: 'value', name: 'structures', nameTextStyle: baseText, axisLabel: baseText, minInterval: 1 },
    series: [{ type: 'bar', data, barCategoryGap: '20%', itemStyle: { color: PALETTE[2] } }],
  };
}

export interface OversmoothingLayer {
  layer: number;
  meanCosine: number;
  dirichletEnergy: number;
}

/** Mean cosine similarity (left axis, 0..1) and Dirichlet energy (right axis) against layer. */
export function oversmoothingOption(layers: readonly OversmoothingLayer[]): ChartOption {
  return lineOption(
    [
      { name: 'mean cosine similarity', data: layers.map((l) => [l.layer, l.meanCosine]), axis: 0 },
      { name: 'Dirichlet energy', data: layers.map((l) => [l.layer, l.dirichletEnergy]), axis: 1, color: PALETTE[1] },
    ],
    { xName: 'layer', yName: 'cosine', y2Name: 'energy' },
  );
}

export interface ParallelDim {
  name: string;
  /** Numeric dimension, or a category dimension with these values. */
  categories?: string[];
}

/** A parallel-axis name short enough to sit over its axis: the last part of a dotted path, labelled (cut to the room it has by `fitParallelAxes`). */
export function shortAxisName(path: string): string {
  return columnLabel(path.split('.').pop() ?? path);
}

/** The widest an axis name may be (the first and last axes' names spill over the plot's margins by half of it). */
const PARALLEL_NAME_MAX = 120;

/**
 * Parallel axes in a chart `width` px wide, labelled so that neighbours never overlap: a category
 * label (drawn to the right of its axis) is cut with "…" to the gap to the next axis, and an axis
 * name (names alternate above and below, so each has two gaps) to twice the gap; the full name is
 * the axis' tooltip and the full values are in the table of differing parameters. Other options are
 * returned as they are.
 */
export function fitParallelAxes(option: ChartOption, width: number): ChartOption {
  const plot = option.parallel as { left?: number; right?: number } | undefined;
  const axes = option.parallelAxis as { axisLabel?: object }[] | undefined;
  if (!plot || !axes || axes.length < 2) return option;
  const gap = (width - (plot.left ?? 0) - (plot.right ?? 0)) / (axes.length - 1);
  return {
    ...option,
    parallelAxis: axes.map((a) => ({
      ...a,
      nameTruncate: { maxWidth: Math.max(24, Math.min(PARALLEL_NAME_MAX, 2 * gap - 12)), ellipsis: '…' },
      axisLabel: { ...a.axisLabel, width: Math.max(16, gap - 14), overflow: 'truncate', ellipsis: '…' },
    })),
  };
}

/** The label of a parallel axis' tick under its values where the runs without a value on it are drawn. */
export const PARALLEL_MISSING = 'missing';

/**
 * Parallel coordinates: one line per run over parameters and metrics. A numeric axis spans its real
 * values on round ticks (`niceRange`); a run without a value on it (null: a run without validation
 * has no validation R²) is drawn one tick below them, at a tick labelled "missing", never at a number
 * (ECharts skips an empty value and joins its neighbours, crossing the axis at a value nobody had).
 */
export function parallelOption(dims: readonly ParallelDim[], rows: readonly { name: string; values: (number | string | null)[] }[]): ChartOption {
  // Names alternate above and below the axes so that neighbours never overlap; the full name is in the tooltip.
  const nameAt = (i: number) => (i % 2 === 0 ? 'end' : 'start');
  /** Per numeric axis: its range from the real values, and where a missing value is drawn (null: every run has one). */
  const ranges = dims.map((d, i) => {
    if (d.categories) return null;
    const real = rows.map((r) => r.values[i]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const range = real.length ? niceRange(Math.min(...real), Math.max(...real)) : niceRange(0, 0);
    const missingAt = real.length < rows.length ? Number((range.min - range.interval).toPrecision(12)) : null;
    return { ...range, missingAt };
  });
  return {
    animation: false,
    color: PALETTE,
    tooltip: { trigger: 'item', formatter: (p: { seriesName: string }) => htmlText(p.seriesName) },
    // one entry per compared run, wrapped onto rows by fitLegend (EChart.vue), never paged
    legend: { top: 0, left: 8, right: 8, type: 'plain', textStyle: baseText, itemWidth: LEGEND_ICON, itemHeight: 8, itemGap: LEGEND_GAP },
    parallel: { left: 60, right: 70, top: 64, bottom: 44 },
    parallelAxis: dims.map((d, i) => {
      const common = {
        dim: i,
        name: shortAxisName(d.name),
        nameLocation: nameAt(i),
        nameGap: 12,
        nameTextStyle: { ...baseText, fontWeight: 600 },
        tooltip: { show: true, formatter: htmlText(d.name) },
      };
      const range = ranges[i];
      if (d.categories || !range) return { ...common, type: 'category', data: d.categories, axisLabel: baseText };
      const missingAt = range.missingAt;
      return {
        ...common,
        type: 'value',
        min: missingAt ?? range.min,
        max: range.max,
        interval: range.interval,
        axisLabel: { ...baseText, formatter: (v: number) => (missingAt !== null && v <= missingAt ? PARALLEL_MISSING : tickText(v)) },
      };
    }),
    series: rows.map((r, i) => ({
      name: r.name,
      type: 'parallel',
      lineStyle: { width: 2, opacity: 0.85, color: PALETTE[i % PALETTE.length] },
      data: [r.values.map((v, j) => (typeof v === 'number' && Number.isFinite(v) ? v : (ranges[j]?.missingAt ?? v ?? '-')))],
    })),
  };
}

/** Horizontal bars of per-atom contributions, coloured by sign. */
export function perAtomOption(labels: readonly string[], values: readonly number[], units: string): ChartOption {
  return {
    animation: false,
    grid: { left: 60, right: 16, top: 10, bottom: 40 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${fmtNum(v, 4)} ${units}`.trim() },
    // a narrow panel: few ticks, overlapping ones hidden, the unit under the axis (not beside its last tick)
    xAxis: { type: 'value', name: withUnit('contribution', units), nameLocation: 'middle', nameGap: 22, nameTextStyle: baseText, splitNumber: 3, axisLabel: { ...baseText, hideOverlap: true } },
    yAxis: { type: 'category', data: labels, inverse: true, axisLabel: baseText },
    series: [{ type: 'bar', data: values.map((v) => ({ value: v, itemStyle: { color: contributionColor(v, Math.max(...values.map(Math.abs)) || 1) } })) }],
  };
}

/**
 * Diverging blue–white–red colour for a value in [-scale, scale], as sRGB components in 0..1.
 * The position is square-root scaled (sign kept) so that small values still show a tint.
 */
export function divergingRgb(v: number, scale: number): [number, number, number] {
  const lin = Math.max(-1, Math.min(1, Number.isFinite(v) ? v / (scale || 1) : 0));
  const t = Math.sign(lin) * Math.sqrt(Math.abs(lin));
  const mix = (a: number, b: number, f: number) => (a + (b - a) * f) / 255;
  return t >= 0 ? [mix(247, 202, t), mix(247, 52, t), mix(247, 52, t)] : [mix(247, 47, -t), mix(247, 111, -t), mix(247, 222, -t)];
}

/** The same colour as a CSS string. */
export function contributionColor(v: number, scale: number): string {
  const [r, g, b] = divergingRgb(v, scale);
  return `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
}

/** Per displayed atom (each the image of a site), the colour of its site's value: for the viewer's colour override. */
export function perAtomColors(values: readonly number[], sites: ArrayLike<number>, scale?: number): Float32Array {
  const s = scale ?? Math.max(1e-12, ...values.map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
  const out = new Float32Array(3 * sites.length);
  for (let a = 0; a < sites.length; a++) {
    const [r, g, b] = divergingRgb(values[sites[a]] ?? 0, s);
    out[3 * a] = r;
    out[3 * a + 1] = g;
    out[3 * a + 2] = b;
  }
  return out;
}

/** One per-frame quantity of a trajectory (energy, largest force, temperature, ...); null where a frame has none. */
export interface FrameSeries {
  name: string;
  unit: string;
  values: readonly (number | null)[];
}

/**
 * A trajectory's per-frame values against the frame's index (from 0, as `frameLabel` names it), the first series on the
 * left axis and the second on the right, with the current frame marked by a vertical line.
 */
export function trajectoryOption(series: readonly FrameSeries[], current: number): ChartOption {
  const shown = series.filter((s) => s.values.some((v) => v !== null)).slice(0, 2);
  const lines: LineSeries[] = shown.map((s, i) => ({
    name: withUnit(s.name, s.unit),
    axis: i === 0 ? 0 : 1,
    data: s.values.flatMap((v, k) => (v === null ? [] : [[k, v] as XY])),
  }));
  const option = lineOption(lines, { xName: 'frame', yName: lines[0]?.name, y2Name: lines[1]?.name });
  const out = option.series as ChartOption[];
  if (out.length > 0) {
    out[0].markLine = {
      symbol: 'none',
      silent: true,
      animation: false,
      label: { show: true, formatter: frameLabel(current), ...baseText },
      lineStyle: { color: '#d6336c', width: 1.5, type: 'solid' },
      data: [{ xAxis: current }],
    };
  }
  return option;
}
