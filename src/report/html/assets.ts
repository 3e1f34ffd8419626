/**
 * The report's stylesheet and script, inlined into every report. The script
 * only toggles classes and fills <pre> elements with textContent: it never
 * builds HTML from data.
 */

export const REPORT_CSS = `
:root{--fg:#1b1f24;--muted:#5b636e;--bg:#fff;--panel:#f5f7f9;--line:#d8dee4;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781;--error:#8250df;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--panel:#161b22;--line:#30363d;--pass:#3fb950;--fail:#f85149;--warn:#d29922;--skip:#8b949e;--error:#a371f7;--accent:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 8px}
.muted{color:var(--muted)}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.emulated{background:#fff8c5;color:#6b4f00;border:1px solid #d4a72c}
.banner.partial{background:#ffebe9;color:#82071e;border:1px solid #ff8182}
@media (prefers-color-scheme:dark){.banner.emulated{background:#2d2400;color:#e3b341}.banner.partial{background:#3c0d0d;color:#ff9492}}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .big{font-size:20px;font-weight:700}
.verdict-ok{color:var(--pass)}.verdict-bad{color:var(--fail)}.verdict-other{color:var(--warn)}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;min-width:46px;text-align:center;padding:1px 6px;border-radius:10px;font-size:12px;font-weight:700;color:#fff}
.s-pass,.s-improved,.s-same,.s-fixed{background:var(--pass)}.s-fail,.s-regression{background:var(--fail)}.s-warn,.s-noise,.s-changed{background:var(--warn)}
.s-skip,.s-new,.s-removed,.s-none{background:var(--skip)}.s-error{background:var(--error)}
.sev{font-size:12px;color:var(--muted)}.sev-blocker{color:var(--fail);font-weight:600}
details>summary{cursor:pointer}
details.finding>summary{list-style:revert}
.finding-body{margin:6px 0 4px;padding:8px 10px;border-left:3px solid var(--line);background:var(--panel)}
pre{white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;margin:4px 0;padding:8px;background:var(--bg);border:1px solid var(--line);border-radius:4px;font:12px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;max-height:480px;overflow:auto}
button.req,button.tool{font:inherit;font-size:12px;margin:2px 6px 2px 0;padding:1px 8px;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--accent);cursor:pointer}
button.req[aria-expanded="true"]{background:var(--panel)}
.toolbar{display:flex;gap:14px;align-items:center;margin:4px 0 6px;font-size:13px}
body.only-problems tr.row-pass{display:none}
.charts{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
.table-wrap{overflow-x:auto}
svg.chart{background:var(--panel);border:1px solid var(--line);border-radius:6px;max-width:100%;height:auto}
svg.chart text{fill:var(--fg);font-size:11px;font-family:inherit}
svg.chart .chart-title{font-size:13px;font-weight:600}
svg.chart .grid line{stroke:var(--line);stroke-width:1}
svg.chart .axis line{stroke:var(--muted)}
svg.chart .rule line{stroke:var(--muted);stroke-dasharray:2 3}
svg.chart .rule text{font-size:10px;fill:var(--muted)}
.diff-row-bad td{background:rgba(207,34,46,.08)}
.kv th{width:220px}
footer{margin-top:40px;font-size:12px;color:var(--muted)}
`;

/** Plain ES5-style script: no modules, no network, no eval, no innerHTML. */
export const REPORT_JS = `
(function () {
  'use strict';
  var data = {};
  try {
    data = JSON.parse(document.getElementById('cb-data').textContent || '{}');
  } catch (e) {
    data = {};
  }
  var requests = data.requests || {};
  var only = document.getElementById('only-problems');
  if (only) {
    only.addEventListener('change', function () {
      document.body.classList.toggle('only-problems', only.checked);
    });
  }
  var expand = document.getElementById('expand-findings');
  if (expand) {
    expand.addEventListener('click', function () {
      var all = document.querySelectorAll('details.finding');
      var open = expand.getAttribute('aria-pressed') !== 'true';
      for (var i = 0; i < all.length; i++) all[i].open = open;
      expand.setAttribute('aria-pressed', open ? 'true' : 'false');
      expand.textContent = open ? 'Collapse all findings' : 'Expand all findings';
    });
  }
  document.addEventListener('click', function (ev) {
    var el = ev.target;
    var btn = el && el.closest ? el.closest('button.req') : null;
    if (!btn) return;
    var out = document.getElementById(btn.getAttribute('aria-controls') || '');
    if (!out) return;
    var id = btn.getAttribute('data-request-id') || '';
    if (!out.hasAttribute('data-filled')) {
      out.textContent = Object.prototype.hasOwnProperty.call(requests, id)
        ? requests[id]
        : 'Request ' + id + ' is not inlined in this report: look it up in requests.jsonl next to results.json.';
      out.setAttribute('data-filled', '');
    }
    out.hidden = !out.hidden;
    btn.setAttribute('aria-expanded', out.hidden ? 'false' : 'true');
  });
})();
`;
