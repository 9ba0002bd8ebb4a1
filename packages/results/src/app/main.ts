/// <reference path="model.ts" />
/// <reference path="summary.ts" />
/// <reference path="tensors.ts" />
/// <reference path="timeline.ts" />
// Startup: read the embedded data, render every section, draw the swimlane once and record how long
// the first render took (the benchmark and the browser tests read `window.__npurunReport`).
namespace NpurunReport {
  export interface PageState {
    firstRenderMs: number;
    bars: number;
    arrows: number;
    arrowsHidden: number;
    lanes: number;
    model: Model;
    swimlane?: Swimlane;
    dumps?: { select(task: number): boolean };
  }

  function byId<T extends HTMLElement>(id: string): T {
    return document.getElementById(id) as T;
  }

  export function start(): void {
    const model = JSON.parse(byId('npurun-report-data').textContent ?? '{}') as Model;
    renderSummary(model, byId('summary-body'));
    renderScopes(model, byId('scopes-body'));
    const dumps = renderDumps(model, byId('dump-tasks'), byId('dump-view'));
    const state: PageState = { firstRenderMs: 0, bars: 0, arrows: 0, arrowsHidden: 0, lanes: 0, model, dumps };
    const tl = model.timeline;
    const status = byId('timeline-status');
    if (tl === undefined) {
      byId('timeline-wrap').style.display = 'none';
      status.textContent = 'The l2 swimlane was off (run with --swimlane 1..4).';
    } else {
      const sw = new Swimlane(byId<HTMLCanvasElement>('timeline'), tl, model.counters, byId('tooltip'));
      state.swimlane = sw;
      state.lanes = tl.lanes.length;
      const select = byId<HTMLSelectElement>('counter-select');
      select.appendChild(new Option('none', '-1'));
      model.counters?.names.forEach((n, k) => select.appendChild(new Option(n, String(k))));
      if (model.counters === undefined) select.disabled = true;
      select.addEventListener('change', () => {
        sw.counter = Number(select.value);
        sw.layout();
        sw.draw();
      });
      byId<HTMLInputElement>('show-arrows').addEventListener('change', (e) => {
        sw.showArrows = (e.target as HTMLInputElement).checked;
        sw.draw();
      });
      byId('zoom-reset').addEventListener('click', () => sw.reset());
      const sel = byId('selection');
      sw.onSelect = (i) => {
        sel.textContent = i < 0 ? '' : sw.describe(i).replace(/\n/g, ' · ');
        const task = i < 0 ? -1 : tl.bars.task[i]!;
        if (task >= 0) dumps.select(task);
      };
      const frame = sw.draw();
      state.bars = frame.bars;
      state.arrows = frame.arrows;
      state.arrowsHidden = frame.arrowsHidden;
      status.textContent = `${tl.bars.lane.length} bars on ${tl.lanes.length} lanes · ${tl.arrows.from.length} arrows from ${tl.arrowsFrom}`;
    }
    state.firstRenderMs = performance.now();
    (window as unknown as { __npurunReport: PageState }).__npurunReport = state;
    document.body.dataset.rendered = 'true';
  }
}

NpurunReport.start();
