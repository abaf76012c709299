/**
 * The HTML report's one style sheet. It lives here, not in main/reports, because the console's
 * policy (main/web/static.ts, loaded by the Electron main process, which must not reach the engine)
 * names its hash (REPORT_STYLE_SOURCE there): the console shows the report in a sandboxed srcdoc
 * iframe, which inherits the console's policy, so the policy allows this sheet by hash instead of
 * 'unsafe-inline'. renderer/index.html carries the hash literally; a test keeps them in step.
 * Change the CSS, and update that meta tag.
 */
export const REPORT_CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d232b;background:#fff;margin:0 auto;max-width:1100px;padding:20px 28px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d5dbe3;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}th,td{border:1px solid #d5dbe3;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f4f8}td:first-child{white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.verdict{display:inline-block;font-weight:700;padding:2px 10px;border-radius:4px;color:#fff;background:#5b6673}
.verdict.PASS{background:#1e7d3a}.verdict.FAIL{background:#b3261e}.verdict.HALTED{background:#a15c00}
.pass{color:#1e7d3a}.fail{color:#b3261e;font-weight:700}.meta{margin:0;padding-left:18px}.binding{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#46505c;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:1fr;gap:10px}figure.chart{margin:0;border:1px solid #d5dbe3;border-radius:6px;padding:8px 10px}
figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto;display:block}
.plot{fill:#fbfcfd;stroke:#aab4c0}.grid{stroke:#e3e8ee}.tickmark{stroke:#7c8794}.tick,.bar-value,.axis-title{font-size:11px;fill:#46505c}.bar-label{font-size:12px;fill:#1d232b}
.series{stroke-width:1.6}.stem{stroke-width:2}.stem.latency{stroke:#2a62c9}.series.latency{stroke:#2a62c9}.dot.latency{fill:#2a62c9}.series.cpu{stroke:#7b3fc4}.dot.cpu{fill:#7b3fc4}.series.ram{stroke:#0f8a8a}.dot.ram{fill:#0f8a8a}
.ref{stroke-width:1.3;stroke-dasharray:6 4}.ref.warn{stroke:#c98a00}.ref.crit{stroke:#b3261e}.ref.cpu{stroke:#7b3fc4}.ref.ram{stroke:#0f8a8a}.ref.band{stroke:#46505c}
.ref-label{font-size:11px}.ref-label.warn{fill:#946500}.ref-label.crit{fill:#b3261e}.ref-label.cpu{fill:#7b3fc4}.ref-label.ram{fill:#0f8a8a}
.bar{fill:#2a62c9}.bar.low{fill:#b3261e}.bar.probe{fill:#1d232b}.slot.present{fill:#2e9b4e}.slot.missing{fill:#d0392b}.empty{fill:#7c8794;font-size:13px}
.legend{margin:4px 0 0;font-size:12px;color:#46505c}.key{margin-right:14px;white-space:nowrap}.key::before{content:"";display:inline-block;width:12px;height:4px;margin-right:5px;vertical-align:middle;background:#7c8794}
.key.latency::before{background:#2a62c9}.key.cpu::before{background:#7b3fc4}.key.ram::before{background:#0f8a8a}.key.warn::before{background:#c98a00}.key.crit::before{background:#b3261e}
.key.present::before{background:#2e9b4e}.key.missing::before{background:#d0392b}.methods dt{font-weight:600}.methods dd{margin:0 0 6px 16px}
ul.findings li{margin:2px 0}.sev-critical{color:#b3261e;font-weight:700}.sev-warning{color:#946500;font-weight:700}`;
