/// <reference path="model.ts" />
// The swimlane: a canvas of lanes (AI CPU orchestrator and scheduler threads, scopes,
// dependency-only tasks, cores), bars, dependency arrows and PMU counter tracks under the core
// lanes. Drawing is per frame over the visible window only: each lane's bars are sorted by start,
// found by binary search, and bars narrower than a pixel that land on an already painted pixel are
// skipped — so 100 k tasks draw in milliseconds and no DOM node exists per task.
namespace NpurunReport {
  const GUTTER = 118;
  const AXIS = 22;
  const LANE = 18;
  const TRACK = 14;
  const MAX_ARROWS = 4000;

  export interface FrameStats {
    bars: number;
    arrows: number;
    arrowsHidden: number;
    ms: number;
  }

  export class Swimlane {
    t0 = 0;
    t1 = 1;
    showArrows = true;
    counter = -1;
    selected = -1;
    onSelect: (bar: number) => void = () => undefined;
    last: FrameStats = { bars: 0, arrows: 0, arrowsHidden: 0, ms: 0 };
    private readonly laneFrom: number[] = [];
    private readonly laneTo: number[] = [];
    private readonly laneMaxDur: number[] = [];
    private readonly laneY: number[] = [];
    private readonly trackOfLane = new Map<number, CounterTrack>();
    private readonly counterMax: number[] = [];
    private readonly colors: string[];
    private height = 0;
    private width = 0;
    private drag: { x: number; t0: number; t1: number; moved: boolean } | undefined;

    constructor(
      private readonly canvas: HTMLCanvasElement,
      private readonly tl: Timeline,
      private readonly counters: Counters | undefined,
      private readonly tooltip: HTMLElement,
    ) {
      const b = tl.bars;
      for (let l = 0; l < tl.lanes.length; l++) {
        this.laneFrom.push(0);
        this.laneTo.push(0);
        this.laneMaxDur.push(0);
      }
      for (let i = b.lane.length - 1; i >= 0; i--) this.laneFrom[b.lane[i]!] = i;
      for (let i = 0; i < b.lane.length; i++) {
        const l = b.lane[i]!;
        this.laneTo[l] = i + 1;
        this.laneMaxDur[l] = Math.max(this.laneMaxDur[l]!, b.dur[i]!);
      }
      if (counters !== undefined) {
        for (const t of counters.tracks) this.trackOfLane.set(t.lane, t);
        counters.names.forEach((_, k) => this.counterMax.push(Math.max(1, ...counters.tracks.map((t) => Math.max(0, ...t.values[k]!)))));
      }
      // One colour per (name, kind), computed once: per-bar colour work dominates a 100 k-bar frame.
      const kindOfName: number[] = [];
      for (let i = 0; i < b.name.length; i++) kindOfName[b.name[i]!] = b.kind[i]!;
      this.colors = tl.names.map((n, k) => colorOf(n, kindOfName[k] ?? KIND_TASK));
      this.t1 = Math.max(tl.endUs, 1e-3) * 1.02;
      this.layout();
      this.bind();
    }

    /** Lane tops, given whether counter tracks show. */
    layout(): void {
      let y = AXIS;
      this.laneY.length = 0;
      for (let l = 0; l < this.tl.lanes.length; l++) {
        this.laneY.push(y);
        y += LANE + (this.counter >= 0 && this.trackOfLane.has(l) ? TRACK : 0);
      }
      this.height = y + 4;
      const dpr = window.devicePixelRatio || 1;
      this.width = Math.max(200, this.canvas.clientWidth || this.canvas.parentElement!.clientWidth);
      this.canvas.width = Math.round(this.width * dpr);
      this.canvas.height = Math.round(this.height * dpr);
      this.canvas.style.height = `${this.height}px`;
    }

    reset(): void {
      this.t0 = 0;
      this.t1 = Math.max(this.tl.endUs, 1e-3) * 1.02;
      this.draw();
    }

    xOf(t: number): number {
      return GUTTER + ((t - this.t0) / (this.t1 - this.t0)) * (this.width - GUTTER - 4);
    }

    tOf(x: number): number {
      return this.t0 + ((x - GUTTER) / (this.width - GUTTER - 4)) * (this.t1 - this.t0);
    }

    /** First bar of lane `l` that may be visible at `t0` (its start ≥ t0 − the lane's longest bar). */
    private firstVisible(l: number): number {
      const s = this.tl.bars.start;
      let lo = this.laneFrom[l]!;
      let hi = this.laneTo[l]!;
      const from = this.t0 - this.laneMaxDur[l]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (s[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }

    draw(): FrameStats {
      const t = performance.now();
      const ctx = this.canvas.getContext('2d')!;
      const dpr = window.devicePixelRatio || 1;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, this.width, this.height);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      this.drawAxis(ctx);
      const b = this.tl.bars;
      let drawn = 0;
      for (let l = 0; l < this.tl.lanes.length; l++) {
        const y = this.laneY[l]!;
        ctx.fillStyle = l % 2 === 0 ? '#f8fafc' : '#ffffff';
        ctx.fillRect(GUTTER, y, this.width - GUTTER, LANE);
        ctx.fillStyle = '#374151';
        ctx.fillText(this.tl.lanes[l]!.name, 4, y + LANE / 2);
        let paintedPx = -1;
        let fill = '';
        for (let i = this.firstVisible(l); i < this.laneTo[l]!; i++) {
          const start = b.start[i]!;
          if (start > this.t1) break;
          const x0 = Math.max(GUTTER, this.xOf(start));
          const x1 = this.xOf(start + b.dur[i]!);
          if (x1 < GUTTER) continue;
          const kind = b.kind[i]!;
          if (kind === KIND_DUMMY) {
            this.diamond(ctx, x0, y + LANE / 2, i === this.selected);
            fill = '';
            drawn++;
            continue;
          }
          const w = Math.max(1, x1 - x0);
          const px = x0 | 0;
          if (w < 1.5 && px <= paintedPx) continue; // a sub-pixel bar on a pixel already painted
          paintedPx = Math.max(paintedPx, Math.ceil(x0 + w) - 1);
          const color = i === this.selected ? '#1d4ed8' : this.colors[b.name[i]!]!;
          if (color !== fill) {
            ctx.fillStyle = color;
            fill = color;
          }
          ctx.fillRect(x0, y + 2, w, LANE - 4);
          drawn++;
          if (w > 48) {
            const name = this.tl.names[b.name[i]!]!;
            ctx.save();
            ctx.beginPath();
            ctx.rect(x0, y, w, LANE);
            ctx.clip();
            ctx.fillStyle = '#ffffff';
            ctx.fillText(name, x0 + 3, y + LANE / 2);
            ctx.restore();
          }
        }
        const track = this.counter >= 0 ? this.trackOfLane.get(l) : undefined;
        if (track !== undefined) this.drawTrack(ctx, track, y + LANE);
      }
      const arrows = this.showArrows ? this.drawArrows(ctx) : { arrows: 0, hidden: 0 };
      this.last = { bars: drawn, arrows: arrows.arrows, arrowsHidden: arrows.hidden, ms: performance.now() - t };
      return this.last;
    }

    private drawAxis(ctx: CanvasRenderingContext2D): void {
      const span = this.t1 - this.t0;
      const raw = span / 8;
      const pow = 10 ** Math.floor(Math.log10(raw));
      const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
      ctx.fillStyle = '#6b7280';
      ctx.strokeStyle = '#e5e7eb';
      for (let v = Math.ceil(this.t0 / step) * step; v <= this.t1; v += step) {
        const x = this.xOf(v);
        ctx.beginPath();
        ctx.moveTo(x, AXIS - 4);
        ctx.lineTo(x, this.height);
        ctx.stroke();
        ctx.fillText(fmtUs(v), x + 2, AXIS / 2);
      }
    }

    private diamond(ctx: CanvasRenderingContext2D, x: number, y: number, selected: boolean): void {
      ctx.fillStyle = selected ? '#1d4ed8' : '#111827';
      ctx.beginPath();
      ctx.moveTo(x, y - 6);
      ctx.lineTo(x + 5, y);
      ctx.lineTo(x, y + 6);
      ctx.lineTo(x - 5, y);
      ctx.closePath();
      ctx.fill();
    }

    private drawTrack(ctx: CanvasRenderingContext2D, track: CounterTrack, y: number): void {
      const values = track.values[this.counter]!;
      const max = this.counterMax[this.counter]!;
      ctx.fillStyle = '#0ea5e9';
      for (let i = 0; i < track.start.length; i++) {
        if (track.end[i]! < this.t0 || track.start[i]! > this.t1) continue;
        const x0 = Math.max(GUTTER, this.xOf(track.start[i]!));
        const w = Math.max(1, this.xOf(track.end[i]!) - x0);
        const h = (values[i]! / max) * (TRACK - 2);
        ctx.fillRect(x0, y + TRACK - 1 - h, w, h);
      }
    }

    private anchor(i: number, end: boolean): { x: number; y: number } {
      const b = this.tl.bars;
      return { x: this.xOf(b.start[i]! + (end ? b.dur[i]! : 0)), y: this.laneY[b.lane[i]!]! + LANE / 2 };
    }

    private drawArrows(ctx: CanvasRenderingContext2D): { arrows: number; hidden: number } {
      const a = this.tl.arrows;
      const b = this.tl.bars;
      let n = 0;
      let hidden = 0;
      ctx.lineWidth = 1;
      for (let k = 0; k < a.from.length; k++) {
        const f = a.from[k]!;
        const t = a.to[k]!;
        const fEnd = b.start[f]! + b.dur[f]!;
        const tStart = b.start[t]!;
        if (Math.max(fEnd, tStart) < this.t0 || Math.min(b.start[f]!, tStart) > this.t1) continue;
        if (n >= MAX_ARROWS) {
          hidden++;
          continue;
        }
        const p = this.anchor(f, true);
        const q = this.anchor(t, false);
        const src = a.source[k]!;
        ctx.strokeStyle = src === 0 ? 'rgba(220, 38, 38, 0.75)' : src === 1 ? 'rgba(234, 88, 12, 0.9)' : 'rgba(124, 58, 237, 0.9)';
        ctx.fillStyle = ctx.strokeStyle;
        ctx.setLineDash(src === 0 ? [] : [4, 3]);
        ctx.beginPath();
        ctx.moveTo(p.x, p.y);
        const mx = (p.x + q.x) / 2;
        ctx.bezierCurveTo(mx, p.y, mx, q.y, q.x, q.y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(q.x, q.y);
        ctx.lineTo(q.x - 6, q.y - 3);
        ctx.lineTo(q.x - 6, q.y + 3);
        ctx.closePath();
        ctx.fill();
        n++;
      }
      return { arrows: n, hidden };
    }

    /** The bar under (x, y) in CSS pixels of the canvas, or -1. */
    hit(x: number, y: number): number {
      const l = this.laneY.findIndex((top, i) => y >= top && y < top + LANE && i < this.tl.lanes.length);
      if (l < 0 || x < GUTTER) return -1;
      const b = this.tl.bars;
      const slack = (3 * (this.t1 - this.t0)) / (this.width - GUTTER);
      const t = this.tOf(x);
      let best = -1;
      for (let i = this.firstVisible(l); i < this.laneTo[l]!; i++) {
        if (b.start[i]! > t + slack) break;
        if (t >= b.start[i]! - slack && t <= b.start[i]! + b.dur[i]! + slack) best = i;
      }
      return best;
    }

    describe(i: number): string {
      const b = this.tl.bars;
      const name = this.tl.names[b.name[i]!]!;
      const task = b.task[i]!;
      const lane = this.tl.lanes[b.lane[i]!]!.name;
      const lines = [name, `${lane} · start ${fmtUs(b.start[i]!)}${b.dur[i]! > 0 ? ` · ${fmtUs(b.dur[i]!)}` : ''}`];
      if (task >= 0) lines.push(`task ${task}`);
      const track = this.trackOfLane.get(b.lane[i]!);
      if (track !== undefined && this.counters !== undefined) {
        const k = track.start.findIndex((s) => s === b.start[i]);
        if (k >= 0) lines.push(this.counters.names.map((n, c) => `${n} ${track.values[c]![k]}`).join(' · '));
      }
      return lines.join('\n');
    }

    private bind(): void {
      const c = this.canvas;
      const pos = (e: MouseEvent): { x: number; y: number } => {
        const r = c.getBoundingClientRect();
        return { x: e.clientX - r.left, y: e.clientY - r.top };
      };
      c.addEventListener(
        'wheel',
        (e) => {
          if (e.shiftKey) return; // shift+wheel scrolls the lanes
          e.preventDefault();
          const { x } = pos(e);
          const at = this.tOf(Math.max(GUTTER, x));
          const k = Math.pow(1.0015, e.deltaY);
          const span = Math.max(1e-3, (this.t1 - this.t0) * k);
          const f = (at - this.t0) / (this.t1 - this.t0);
          this.t0 = at - f * span;
          this.t1 = this.t0 + span;
          this.draw();
        },
        { passive: false },
      );
      c.addEventListener('mousedown', (e) => {
        this.drag = { x: pos(e).x, t0: this.t0, t1: this.t1, moved: false };
        c.style.cursor = 'grabbing';
      });
      window.addEventListener('mouseup', (e) => {
        const d = this.drag;
        this.drag = undefined;
        c.style.cursor = 'grab';
        if (d !== undefined && !d.moved && e.target === c) {
          const { x, y } = pos(e);
          this.selected = this.hit(x, y);
          this.draw();
          this.onSelect(this.selected);
        }
      });
      c.addEventListener('mousemove', (e) => {
        const { x, y } = pos(e);
        const d = this.drag;
        if (d !== undefined) {
          const dx = x - d.x;
          if (Math.abs(dx) > 2) d.moved = true;
          const dt = (dx / (this.width - GUTTER)) * (d.t1 - d.t0);
          this.t0 = d.t0 - dt;
          this.t1 = d.t1 - dt;
          this.draw();
          return;
        }
        const i = this.hit(x, y);
        if (i < 0) {
          this.tooltip.style.display = 'none';
          return;
        }
        this.tooltip.textContent = this.describe(i);
        this.tooltip.style.display = 'block';
        this.tooltip.style.left = `${e.clientX + 12}px`;
        this.tooltip.style.top = `${e.clientY + 12}px`;
      });
      c.addEventListener('mouseleave', () => (this.tooltip.style.display = 'none'));
      window.addEventListener('resize', () => {
        this.layout();
        this.draw();
      });
    }
  }
}
