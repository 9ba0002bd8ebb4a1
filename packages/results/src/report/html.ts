/**
 * `report.html`'s text: one self-contained page — styles, the report's data as JSON and the page's
 * script inline, nothing fetched — so it opens from `file://` on a machine without network. Pure:
 * model and script in, text out.
 */
import type { ReportModel } from './model';

/** The element id of the embedded data. */
export const REPORT_DATA_ID = 'npurun-report-data';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element: no `</script>`, no HTML comment openers. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `
:root { --bg: #fff; --fg: #1d1f23; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 10px 16px; border-bottom: 1px solid var(--line); display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
nav a { margin-right: 12px; color: var(--accent); text-decoration: none; }
section { padding: 8px 16px 16px; border-bottom: 1px solid var(--line); }
section h2 { font-size: 14px; margin: 8px 0; }
table { border-collapse: collapse; }
td, th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
.muted { color: var(--muted); }
.bad { color: #b91c1c; }
.toolbar { display: flex; gap: 12px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }
#timeline-wrap { position: relative; border: 1px solid var(--line); overflow-y: auto; max-height: 70vh; }
#timeline { display: block; width: 100%; cursor: grab; }
#tooltip { position: fixed; pointer-events: none; background: #111827; color: #f9fafb; padding: 4px 8px; border-radius: 4px; font-size: 12px; display: none; z-index: 10; max-width: 420px; white-space: pre-line; }
#dump-layout { display: flex; gap: 16px; align-items: flex-start; }
#dump-tasks { max-height: 420px; overflow-y: auto; min-width: 260px; border: 1px solid var(--line); }
#dump-tasks div { padding: 3px 8px; cursor: pointer; border-bottom: 1px solid var(--line); }
#dump-tasks div.selected { background: #dbeafe; }
.tensor { display: inline-block; margin: 0 12px 12px 0; vertical-align: top; border: 1px solid var(--line); padding: 6px; }
.tensor canvas { display: block; margin-top: 4px; image-rendering: pixelated; }
`;

/** The page for `model`, with `script` (the compiled page script) inline. */
export function renderReportHtml(model: ReportModel, script: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(model.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1 id="title">${escapeHtml(model.title)}</h1>
<nav><a href="#summary">summary</a><a href="#swimlane">swimlane</a><a href="#scopes">scopes</a><a href="#dumps">tensors</a></nav></header>
<section id="summary"><h2>Run</h2><div id="summary-body"></div></section>
<section id="swimlane"><h2>Swimlane</h2>
<div class="toolbar">
<label><input type="checkbox" id="show-arrows" checked> dependency arrows</label>
<label>PMU counter <select id="counter-select"></select></label>
<button id="zoom-reset" type="button">whole run</button>
<span class="muted">wheel: zoom · drag: pan · click a task: details</span>
<span id="timeline-status" class="muted"></span>
</div>
<div id="timeline-wrap"><canvas id="timeline"></canvas></div>
<div id="selection" class="muted"></div>
</section>
<section id="scopes"><h2>Scope statistics</h2><div id="scopes-body"></div></section>
<section id="dumps"><h2>Tensor dump</h2><div id="dump-layout"><div id="dump-tasks"></div><div id="dump-view"></div></div></section>
<div id="tooltip"></div>
<script type="application/json" id="${REPORT_DATA_ID}">${scriptSafeJson(model)}</script>
<script>${script.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}
