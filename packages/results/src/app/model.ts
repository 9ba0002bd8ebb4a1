// The shape of the data report.html embeds: the page's side of the contract that
// `src/report/model.ts` builds (kept in step by the browser tests, which load real reports).
namespace NpurunReport {
  export interface Lane {
    name: string;
    kind: 'orch' | 'sched' | 'scope' | 'dummy' | 'core';
    core?: number;
  }
  export interface Timeline {
    lanes: Lane[];
    bars: { lane: number[]; start: number[]; dur: number[]; name: number[]; kind: number[]; task: number[] };
    names: string[];
    arrows: { from: number[]; to: number[]; source: number[] };
    arrowsFrom: string;
    endUs: number;
  }
  export interface CounterTrack {
    lane: number;
    start: number[];
    end: number[];
    values: number[][];
  }
  export interface Counters {
    names: string[];
    group: string;
    tracks: CounterTrack[];
  }
  export interface Scope {
    site: string;
    depth: number;
    ring: number;
    firstTask: number;
    tasks: number;
    heapBytes: number;
    tensormap: number;
    startUs?: number;
    endUs?: number;
  }
  export interface Preview {
    min: number;
    max: number;
    mean: number;
    nonFinite: number;
    count: number;
    picture: { kind: 'heatmap'; rows: number; cols: number; cells: number[] } | { kind: 'histogram'; bins: number[] };
  }
  export interface Tensor {
    role: string;
    stage: string;
    arg: number;
    dtype: string;
    shape: number[];
    preview?: Preview;
    note?: string;
  }
  export interface DumpTask {
    task: number;
    kernel: string;
    label?: string;
    tensors: Tensor[];
  }
  export interface Model {
    title: string;
    summary: Array<[string, string]>;
    collectors: Array<{ name: string; collected: number; dropped: number; total: number; clean: boolean; notes: string[] }>;
    timeline?: Timeline;
    counters?: Counters;
    scopes?: Scope[];
    dumps?: DumpTask[];
    notes: string[];
  }

  /** Bar kinds (as `src/report/model.ts` numbers them). */
  export const KIND_TASK = 0;
  export const KIND_PHASE = 1;
  export const KIND_SCOPE = 2;
  export const KIND_DUMMY = 3;

  /** A stable colour per name. */
  export function colorOf(name: string, kind: number): string {
    if (kind === KIND_PHASE) return name === 'dispatch' ? '#f59e0b' : name === 'complete' ? '#10b981' : '#94a3b8';
    if (kind === KIND_SCOPE) return '#a78bfa';
    if (kind === KIND_DUMMY) return '#111827';
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return `hsl(${h % 360}, 62%, 55%)`;
  }

  export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls !== undefined) e.className = cls;
    return e;
  }

  export function fmtUs(us: number): string {
    if (Math.abs(us) >= 1e6) return `${(us / 1e6).toFixed(3)} s`;
    if (Math.abs(us) >= 1e3) return `${(us / 1e3).toFixed(3)} ms`;
    return `${us.toFixed(3)} µs`;
  }
}
