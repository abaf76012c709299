/**
 * The report as one self-contained HTML document for people: the same facts as the Markdown, plus
 * inline SVG charts. No script, no external resource, no style attribute (one inline style sheet,
 * REPORT_CSS from main/model/report-style.ts, whose hash the console's CSP allows), and a CSP of
 * its own that forbids everything else. Every target- or plan-chosen string goes through `esc` (HTML entities, control and bidi
 * characters spelled out).
 */
import type { ReportDocument, ReportInput } from './document';
import { barChart, coverageChart, esc, lineChart, msLabel, pctLabel, type Series } from './svg-charts';
import { BINDING_PREFIX } from './markdown';
import { REPORT_CSS } from '../model/report-style';

/** The report's own policy: nothing loads, nothing runs; inline CSS and data: images only. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Past this many samples a chart keeps the max of each bucket: the HTML stays small, peaks stay. */
const MAX_CHART_POINTS = 600;

/** The chart data the JSON does not carry sample by sample: host resources and which snapshot slots were taken. */
export interface ReportSeries {
  samples: { at: number; cpuPct: number; ramPct: number }[];
  snapshotTimes: number[];
}

export function reportSeries(
  input: Pick<ReportInput, 'samples' | 'snapshots' | 'snapshotTimes'>,
): ReportSeries {
  return {
    samples: input.samples.map((s) => ({ at: s.at, cpuPct: s.host.cpuPct, ramPct: s.host.ramPct })),
    snapshotTimes: input.snapshotTimes ?? input.snapshots.map((s) => s.at),
  };
}

/** The binding facts as the HTML carries them, on a line of their own (verify finds the line). */
export function htmlBindingLine(runId: string, planHash: string, ledgerHead: string): string {
  return `${BINDING_PREFIX}run ${esc(runId)}, plan hash ${esc(planHash)}, ledger head ${esc(ledgerHead)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const td = (v: unknown, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(v)}</td>`;
const num = (v: unknown) => td(v, 'num');
const yes = (b: boolean) => (b ? '<td class="pass">yes</td>' : '<td class="fail">NO</td>');
const shellWords = (argv: string[]): string =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

function table(head: string[], rows: string[][]): string {
  return [
    '<table>',
    `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.join('')}</tr>`),
    '</tbody></table>',
  ].join('\n');
}

/** Keeps the highest value of each bucket, so a downsampled chart never hides a peak. */
function bucketMax<T>(xs: T[], value: (x: T) => number): T[] {
  if (xs.length <= MAX_CHART_POINTS) return xs;
  const size = Math.ceil(xs.length / MAX_CHART_POINTS);
  const out: T[] = [];
  for (let i = 0; i < xs.length; i += size)
    out.push(xs.slice(i, i + size).reduce((a, b) => (value(b) > value(a) ? b : a)));
  return out;
}

function charts(doc: ReportDocument, series: ReportSeries): string {
  const t0 = doc.startedAt;
  const th = doc.plan.definition.thresholds;
  const pulses = doc.pulses.list.filter((p) => p.latencyClass !== 'skipped');
  const latency: Series = {
    name: 'pulse latency',
    cls: 'latency',
    stems: true,
    points: pulses.map((p) => ({ x: p.plannedAt - t0, y: p.latencyMs })),
  };
  const pulseChart = lineChart({
    title: `Compliance pulse latency (${pulses.length} pulses; ${doc.pulses.byClass.skipped} skipped)`,
    series: [latency],
    lines: [
      { y: th.pulse.warnSec * 1000, label: `warning ${th.pulse.warnSec} s`, cls: 'warn' },
      { y: th.pulse.critSec * 1000, label: `critical ${th.pulse.critSec} s`, cls: 'crit' },
    ],
    yLabel: msLabel,
  });
  const samples = series.samples;
  const hostChart = lineChart({
    title: `Host CPU and RAM (${samples.length} samples) against the guard rails`,
    series: [
      { name: 'host CPU', cls: 'cpu', points: bucketMax(samples, (s) => s.cpuPct).map((s) => ({ x: s.at - t0, y: s.cpuPct })) },
      { name: 'host RAM', cls: 'ram', points: bucketMax(samples, (s) => s.ramPct).map((s) => ({ x: s.at - t0, y: s.ramPct })) },
    ],
    lines: [
      { y: th.guard.cpuPct, label: `CPU guard ${th.guard.cpuPct}%`, cls: 'cpu' },
      { y: th.guard.ramPct, label: `RAM guard ${th.guard.ramPct}%`, cls: 'ram' },
    ],
    yMax: 100,
    yLabel: pctLabel,
  });
  const min = th.tes.min;
  const bars = [...doc.tes.runs, ...(doc.tes.probe ? [doc.tes.probe] : [])].map((s) => ({
    label: s.subject,
    value: s.score,
    cls: s.subject === 'probe' ? 'probe' : min !== undefined && s.score < min ? 'low' : '',
  }));
  const band = [
    ...(min !== undefined ? [{ y: min, label: `expected TES min ${min}`, cls: 'band' }] : []),
    ...(th.tes.max !== undefined ? [{ y: th.tes.max, label: `expected TES max ${th.tes.max}`, cls: 'band' }] : []),
  ];
  const tesChart = barChart('TES per agent (0-100)', bars, 100, band);
  const cov = doc.snapshots.coverage;
  const start = doc.probeStartedAt || doc.startedAt;
  const present = new Set<number>();
  if (cov) for (const t of series.snapshotTimes) present.add(Math.round((t - start) / cov.cadenceMs));
  const covChart = coverageChart(
    cov
      ? `Snapshot coverage since the probe started: ${cov.present}/${cov.expected} slots (${cov.pct}%), every ${doc.snapshots.cadenceSec} s`
      : 'Snapshot coverage: not computed',
    cov?.expected ?? 0,
    present,
    cov?.cadenceMs ?? 1000,
  );
  return `<div class="charts">\n${[pulseChart, hostChart, tesChart, covChart].join('\n')}\n</div>`;
}

export function renderHtml(doc: ReportDocument, series: ReportSeries, jsonName: string): string {
  const p = doc.plan;
  const H: string[] = [];
  H.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>Scale probe report: ${esc(p.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head><body>',
    `<h1>Scale probe report: ${esc(p.title)}</h1>`,
    `<p><span class="verdict ${esc(doc.verdict)}">Verdict: ${esc(doc.verdict)}</span>${doc.haltReason ? ` halted: ${esc(doc.haltReason)}` : ''}</p>`,
    '<ul class="meta">',
    `<li>Run: <code>${esc(doc.runId)}</code></li>`,
    `<li>Plan: ${esc(p.id)} (${esc(p.kind)}), plan hash <code>${esc(p.hash)}</code></li>`,
    `<li>Confirmed by: ${esc(doc.confirmation.by)} at ${iso(doc.confirmation.issuedAt)}</li>`,
    `<li>Started ${iso(doc.startedAt)}, ended ${iso(doc.endedAt)} (${sec(doc.durationMs)})</li>`,
    `<li>Machine-readable: ${esc(jsonName)}; ledger ${esc(doc.ledger.file)} (${doc.ledger.records} records, head <code>${esc(doc.ledger.head)}</code>)</li>`,
    '</ul>',
    '<p class="binding">',
    htmlBindingLine(doc.runId, p.hash, doc.ledger.head),
    '</p>',
  );
  H.push('<h2>Charts</h2>', charts(doc, series));

  H.push('<h2>Evidence checklist (seed 000 section 3)</h2>');
  const c = doc.checklist;
  H.push(
    table(
      ['item', 'present'],
      [
        [td('pulse before the probe'), yes(c.pulseBefore)],
        [td('bursts during the probe'), td(`${c.burstsDuring} pulse(s)`)],
        [td('compliance pulse after'), yes(c.compliancePulseAfter)],
        [td('TES recalculated after tasks'), yes(c.tesRecalculated)],
      ],
    ),
  );

  H.push('<h2>Thresholds</h2>');
  H.push(
    table(
      ['threshold', 'result', 'measured', 'expected'],
      doc.thresholds.map((t) => [td(t.name), t.ok ? td('pass', 'pass') : td('FAIL', 'fail'), td(t.actual), td(t.expected)]),
    ),
  );

  H.push('<h2>Compliance pulses</h2>');
  const bc = doc.pulses.byClass;
  const lat = doc.pulses.latencyMs;
  const rtt = doc.pulses.rttMs;
  H.push(
    `<p>${doc.pulses.count} pulses: ${bc.ok} OK, ${bc.warning} warning, ${bc.critical} critical, ${bc.skipped} skipped.` +
      (lat ? ` Latency from planned time: p50 ${lat.p50} ms, p95 ${lat.p95} ms, max ${lat.max} ms.` : '') +
      (rtt ? ` Target round trips: p50 ${rtt.p50} ms, p95 ${rtt.p95} ms, max ${rtt.max} ms.` : '') +
      '</p>',
  );
  H.push(
    table(
      ['#', 'phase', 'planned', 'latency', 'lab work', 'class', 'status', 'TES', 'reasons'],
      doc.pulses.list.map((pl) => [
        num(pl.seq),
        td(`${pl.phase}${pl.burst ? ` ${pl.burst}` : ''}`),
        td(iso(pl.plannedAt)),
        num(`${pl.latencyMs} ms`),
        num(`${pl.labWorkMs ?? '-'} ms`),
        td(pl.latencyClass, pl.latencyClass === 'critical' ? 'fail' : ''),
        td(pl.status),
        num(pl.tes ?? ''),
        td(pl.reasons.join('; ')),
      ]),
    ),
  );

  H.push('<h2>Snapshots and coverage</h2>');
  const cov = doc.snapshots.coverage;
  if (cov) {
    H.push(
      `<p>${doc.snapshots.count} snapshots every ${doc.snapshots.cadenceSec} s: ${cov.present}/${cov.expected} slots (${cov.pct}%).</p>`,
    );
    if (cov.missing.length)
      H.push(
        '<p>Missing entries (gaps over 1.5x the cadence):</p><ul>',
        ...cov.missing.map((g) => `<li>${iso(g.from)} to ${iso(g.to)}: ${sec(g.gapMs)} (${g.missingSlots} slot(s))</li>`),
        '</ul>',
      );
    else H.push('<p>No gap over 1.5x the cadence.</p>');
  }

  const io = doc.fileIo;
  if (io?.maxMs) {
    // Seed 000 section 5: file I/O delays, timed at every pulse.
    H.push(
      '<h2>File I/O</h2>',
      `<p>Slowest operation per pulse over ${io.maxMs.count} pulse(s): p50 ${io.maxMs.p50} ms, p95 ${io.maxMs.p95} ms, max ${io.maxMs.max} ms (warning at ${io.warnMs} ms, critical at ${io.critMs} ms): ${io.byClass.ok} OK, ${io.byClass.warning} warning, ${io.byClass.critical} critical.</p>`,
    );
  }

  H.push('<h2>TES</h2>');
  const tc = doc.tes.config;
  H.push(
    `<p>Variant ${esc(tc.variant)}; velocity full at ${tc.velocity.fullSec} s, zero at ${tc.velocity.zeroSec} s; footprint full at ${tc.footprint.fullFiles} file(s), zero at ${tc.footprint.zeroFiles}.</p>`,
  );
  H.push(
    table(
      ['subject', 'TES', 'drift', 'outcome', 'run time', 'files changed', 'stability', 'velocity', 'footprint', 'points lost (stab/vel/foot)'],
      [...doc.tes.runs, ...(doc.tes.probe ? [doc.tes.probe] : [])].map((ts) => [
        td(ts.subject),
        num(ts.score),
        td(ts.drift),
        td(ts.outcome),
        num(sec(ts.runMs)),
        num(ts.filesChanged),
        num(ts.components.stability.toFixed(2)),
        num(ts.components.velocity.toFixed(2)),
        num(ts.components.footprint.toFixed(2)),
        td(`${ts.penalties.stability}/${ts.penalties.velocity}/${ts.penalties.footprint}`),
      ]),
    ),
  );
  const d = doc.tes.drift;
  if (d)
    H.push(
      `<p>Drift over ${d.runs} run(s) of this plan: ${esc(d.drift)}, spread ${esc(d.spread)}. ${esc(d.explanation)}${d.unexplained ? ' <strong class="fail">(unexplained: anomaly)</strong>' : ''}</p>`,
    );

  H.push(...integrity(doc), ...resources(doc));

  H.push('<h2>Targets</h2>');
  H.push(
    table(
      ['target', 'command', 'state', 'exit code', 'output bytes'],
      doc.targets.map((tg) => [
        td(tg.state.targetId),
        `<td class="mono">${esc(shellWords([tg.describe.command, ...tg.describe.args]))}</td>`,
        td(tg.state.state),
        num(tg.state.exitCode ?? ''),
        num(tg.state.outputBytes),
      ]),
    ),
  );

  H.push('<h2>Anomalies</h2>');
  if (!doc.anomalies.length) H.push('<p>None.</p>');
  else
    H.push(
      '<ul class="findings">',
      ...doc.anomalies.map(
        (a) =>
          `<li>${iso(a.at)} <span class="sev-${esc(a.severity)}">${esc(a.severity)}</span> <code>${esc(a.code)}</code>: ${esc(a.message)}</li>`,
      ),
      '</ul>',
    );

  if (Object.keys(doc.extra).length)
    H.push('<h2>Kind-specific results</h2>', `<pre class="mono">${esc(JSON.stringify(doc.extra, null, 2))}</pre>`);

  H.push('<h2>How each figure was measured</h2>', '<dl class="methods">');
  for (const [k, v] of Object.entries(doc.methods)) H.push(`<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`);
  H.push('</dl>');
  H.push(
    '<h2>Verifying this report</h2>',
    '<pre class="mono">probe-lab verify &lt;this file&gt;\n' +
      'ssh-keygen -Y verify -f ~/.config/probe-lab/allowed_signers -I probe-lab -n probe-lab-report -s &lt;this file&gt;.sig &lt; &lt;this file&gt;</pre>',
    "<p>Trust comes from your own allowed_signers (the one in your Probe Lab config folder), never from a file shipped beside a report: a key sent along with a report is only its signer's claim.</p>",
    `<p>Signer: <code>${esc(doc.signer.openssh)}</code></p>`,
    '</body></html>',
    '',
  );
  return H.join('\n');
}

function integrity(doc: ReportDocument): string[] {
  const H = ['<h2>Integrity</h2>'];
  const base = doc.integrity.baseline;
  const fin = doc.integrity.final;
  if (!base) return H;
  H.push(
    `<p>Governance folder: <code>${esc(base.governanceFolder ?? '(none)')}</code>; baseline hash <code>${esc(base.governanceHash ?? 'none')}</code>, final <code>${esc(fin?.governanceHash ?? 'none')}</code>.</p>`,
    '<ul class="findings">',
  );
  for (const s of fin?.sentinels ?? [])
    H.push(
      `<li>sentinel <code>${esc(s.path)}</code>: ${s.sha256 === s.baseline ? 'unchanged' : '<strong class="fail">CHANGED</strong>'} (<code>${esc(s.sha256 ?? 'missing')}</code>)</li>`,
    );
  for (const f of fin?.findings ?? [])
    H.push(`<li><strong class="fail">${esc(f.code)}</strong> <code>${esc(f.path)}</code> (${esc(f.fileType)}): ${esc(f.reason)}</li>`);
  H.push('</ul>');
  if (fin?.ok) H.push('<p class="pass">Unchanged throughout.</p>');
  else if (fin?.changed.length)
    H.push(`<p><strong class="fail">Changed:</strong> ${fin.changed.map((x) => `<code>${esc(x)}</code>`).join(', ')}</p>`);
  return H;
}

function resources(doc: ReportDocument): string[] {
  const H = ['<h2>Resources</h2>'];
  const r = doc.resources;
  if (r.hostCpuPct)
    H.push(`<p>Host CPU: mean ${r.hostCpuPct.mean}%, p95 ${r.hostCpuPct.p95}%, max ${r.hostCpuPct.max}% over ${r.samples} samples.</p>`);
  if (r.hostRamPct) H.push(`<p>Host RAM: mean ${r.hostRamPct.mean}%, max ${r.hostRamPct.max}%.</p>`);
  if (r.engineCpuPct) H.push(`<p>Probe Lab itself: mean ${r.engineCpuPct.mean}% of one core, max ${r.engineCpuPct.max}%.</p>`);
  if (r.targets.length)
    H.push(
      '<ul>',
      ...r.targets.map(
        (tg) =>
          `<li>${esc(tg.targetId)}: CPU max ${tg.cpuPct?.max ?? 0}% of a core, RSS max ${Math.round((tg.rssKb?.max ?? 0) / 1024)} MB</li>`,
      ),
      '</ul>',
    );
  return H;
}
