/** Renders the report document as Markdown for people; the JSON beside it is for machines. */
import type { ReportDocument } from './document';

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const yes = (b: boolean) => (b ? 'yes' : '**NO**');
const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');

export function renderMarkdown(doc: ReportDocument, jsonName: string): string {
  const L: string[] = [];
  const p = doc.plan;
  L.push(`# Scale probe report: ${p.title}`, '');
  L.push(`- Run: \`${doc.runId}\`  `, `- Plan: \`${p.id}\` (${p.kind}), plan hash \`${p.hash}\`  `);
  L.push(`- Confirmed by: ${doc.confirmation.by} at ${iso(doc.confirmation.issuedAt)}  `);
  L.push(`- Started ${iso(doc.startedAt)}, ended ${iso(doc.endedAt)} (${sec(doc.durationMs)})  `);
  L.push(`- **Verdict: ${doc.verdict}**${doc.haltReason ? ` (halted: ${doc.haltReason})` : ''}  `);
  L.push(
    `- Machine-readable: \`${jsonName}\`; ledger \`${doc.ledger.file}\` (${doc.ledger.records} records, head \`${doc.ledger.head}\`)`,
    '',
  );

  L.push('## Evidence checklist (seed 000 section 3)', '');
  L.push(`| item | present |`, `|---|---|`);
  L.push(`| pulse before the probe | ${yes(doc.checklist.pulseBefore)} |`);
  L.push(`| bursts during the probe | ${doc.checklist.burstsDuring} pulse(s) |`);
  L.push(`| compliance pulse after | ${yes(doc.checklist.compliancePulseAfter)} |`);
  L.push(`| TES recalculated after tasks | ${yes(doc.checklist.tesRecalculated)} |`, '');

  L.push('## Thresholds', '', '| threshold | result | measured | expected |', '|---|---|---|---|');
  for (const t of doc.thresholds)
    L.push(`| ${cell(t.name)} | ${t.ok ? 'pass' : '**FAIL**'} | ${cell(t.actual)} | ${cell(t.expected)} |`);
  L.push('');

  L.push('## Compliance pulses', '');
  const c = doc.pulses.byClass;
  L.push(
    `${doc.pulses.count} pulses: ${c.ok} OK, ${c.warning} warning, ${c.critical} critical, ${c.skipped} skipped.`,
  );
  if (doc.pulses.latencyMs) {
    const s = doc.pulses.latencyMs;
    L.push(`Latency from planned time: p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms.`);
  }
  if (doc.pulses.rttMs)
    L.push(
      `Target round trips: p50 ${doc.pulses.rttMs.p50} ms, p95 ${doc.pulses.rttMs.p95} ms, max ${doc.pulses.rttMs.max} ms.`,
    );
  L.push(
    '',
    '| # | phase | planned | latency | lab work | class | status | TES | reasons |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const pl of doc.pulses.list) {
    L.push(
      `| ${pl.seq} | ${pl.phase}${pl.burst ? ` ${pl.burst}` : ''} | ${iso(pl.plannedAt)} | ${pl.latencyMs} ms | ${pl.labWorkMs ?? '-'} ms | ${pl.latencyClass} | ${pl.status} | ${pl.tes ?? ''} | ${cell(pl.reasons.join('; '))} |`,
    );
  }
  L.push('');

  L.push('## Snapshots and coverage', '');
  const cov = doc.snapshots.coverage;
  if (cov) {
    L.push(
      `${doc.snapshots.count} snapshots every ${doc.snapshots.cadenceSec} s: ${cov.present}/${cov.expected} slots (${cov.pct}%).`,
    );
    if (cov.missing.length) {
      L.push('', 'Missing entries (gaps over 1.5x the cadence):', '');
      for (const g of cov.missing)
        L.push(`- ${iso(g.from)} to ${iso(g.to)}: ${sec(g.gapMs)} (${g.missingSlots} slot(s))`);
    } else L.push('No gap over 1.5x the cadence.');
  }
  L.push('');

  L.push(
    '## TES',
    '',
    `Variant ${doc.tes.config.variant}; velocity full at ${doc.tes.config.velocity.fullSec} s, zero at ${doc.tes.config.velocity.zeroSec} s; footprint full at ${doc.tes.config.footprint.fullFiles} file(s), zero at ${doc.tes.config.footprint.zeroFiles}.`,
    '',
  );
  L.push(
    '| subject | TES | drift | outcome | run time | files changed | stability | velocity | footprint | points lost (stab/vel/foot) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const t of [...doc.tes.runs, ...(doc.tes.probe ? [doc.tes.probe] : [])]) {
    const k = t.components;
    L.push(
      `| ${t.subject} | **${t.score}** | ${t.drift} | ${t.outcome} | ${sec(t.runMs)} | ${t.filesChanged} | ${k.stability.toFixed(2)} | ${k.velocity.toFixed(2)} | ${k.footprint.toFixed(2)} | ${t.penalties.stability}/${t.penalties.velocity}/${t.penalties.footprint} |`,
    );
  }
  if (doc.tes.drift)
    L.push(
      '',
      `Drift over ${doc.tes.drift.runs} run(s) of this plan: ${doc.tes.drift.drift}, spread ${doc.tes.drift.spread}. ${doc.tes.drift.explanation}${doc.tes.drift.unexplained ? ' **(unexplained: anomaly)**' : ''}`,
    );
  L.push('');

  L.push('## Integrity', '');
  const base = doc.integrity.baseline;
  const fin = doc.integrity.final;
  if (base) {
    L.push(
      `Governance folder: ${base.governanceFolder ?? '(none)'}; baseline hash \`${base.governanceHash ?? 'none'}\`, final \`${fin?.governanceHash ?? 'none'}\`.`,
    );
    for (const s of fin?.sentinels ?? [])
      L.push(
        `- sentinel ${s.path}: ${s.sha256 === s.baseline ? 'unchanged' : '**CHANGED**'} (\`${s.sha256 ?? 'missing'}\`)`,
      );
    if (fin?.ok) L.push('Unchanged throughout.');
    else if (fin?.changed.length) L.push(`**Changed:** ${fin.changed.join(', ')}`);
    for (const f of fin?.findings ?? [])
      L.push(`- **${f.code}** ${f.path} (${f.fileType}): ${f.reason}`);
  }
  L.push('');

  L.push('## Resources', '');
  const r = doc.resources;
  if (r.hostCpuPct)
    L.push(
      `Host CPU: mean ${r.hostCpuPct.mean}%, p95 ${r.hostCpuPct.p95}%, max ${r.hostCpuPct.max}% over ${r.samples} samples.`,
    );
  if (r.hostRamPct) L.push(`Host RAM: mean ${r.hostRamPct.mean}%, max ${r.hostRamPct.max}%.`);
  if (r.engineCpuPct)
    L.push(`Probe Lab itself: mean ${r.engineCpuPct.mean}% of one core, max ${r.engineCpuPct.max}%.`);
  for (const t of r.targets)
    L.push(
      `- ${t.targetId}: CPU max ${t.cpuPct?.max ?? 0}% of a core, RSS max ${Math.round((t.rssKb?.max ?? 0) / 1024)} MB`,
    );
  L.push('');

  L.push(
    '## Targets',
    '',
    '| target | command | state | exit code | output bytes |',
    '|---|---|---|---|---|',
  );
  for (const t of doc.targets)
    L.push(
      `| ${t.state.targetId} | \`${cell([t.describe.command, ...t.describe.args].join(' '))}\` | ${t.state.state} | ${t.state.exitCode ?? ''} | ${t.state.outputBytes} |`,
    );
  L.push('');

  L.push('## Anomalies', '');
  if (!doc.anomalies.length) L.push('None.');
  for (const a of doc.anomalies) L.push(`- ${iso(a.at)} **${a.severity}** \`${a.code}\`: ${cell(a.message)}`);
  L.push('');

  if (Object.keys(doc.extra).length) {
    L.push('## Kind-specific results', '', '```json', JSON.stringify(doc.extra, null, 2), '```', '');
  }

  L.push('## How each figure was measured', '');
  for (const [k, v] of Object.entries(doc.methods)) L.push(`- **${k}**: ${v}`);
  L.push('');
  L.push('## Verifying this report', '');
  L.push(
    '```',
    `ssh-keygen -Y verify -f allowed_signers -I probe-lab -n probe-lab-report -s <this file>.sig < <this file>`,
    'probe-lab verify <this file>',
    '```',
    '',
  );
  L.push(`Signer: \`${doc.signer.openssh}\``, '');
  return L.join('\n');
}
