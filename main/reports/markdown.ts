/** Renders the report document as Markdown for people; the JSON beside it is for machines. */
import type { ReportDocument } from './document';
import { fencedJson, mdCell, mdText as t } from './md-escape';
import type { AnomalyContext } from './anomaly-context';
import { AUDIT_SCHEMA, renderAuditLines, type AuditSection } from '../scoring/audit-report';
import { stresstestMarkdown } from './stresstest-md';

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const yes = (b: boolean) => (b ? 'yes' : '**NO**');
const cell = mdCell;

/** argv as one shell-quoted line, so `a;b` and `a ; b` read differently. */
const shellWords = (argv: string[]): string =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

/**
 * The line that binds the Markdown to its JSON and ledger: verify recomputes it from the signed
 * JSON and requires it exactly once, so a PASS .md copied over a FAIL run's names fails.
 */
export function bindingLine(runId: string, planHash: string, ledgerHead: string): string {
  return `Bound to: run ${t(runId)}, plan hash ${t(planHash)}, ledger head ${t(ledgerHead)}`;
}
export const BINDING_PREFIX = 'Bound to: ';

export function renderMarkdown(doc: ReportDocument, jsonName: string): string {
  const L: string[] = [];
  const p = doc.plan;
  L.push(`# Scale probe report: ${t(p.title)}`, '');
  L.push(`- Run: ${t(doc.runId)}  `, `- Plan: ${t(p.id)} (${t(p.kind)}), plan hash \`${p.hash}\`  `);
  L.push(`- Confirmed by: ${t(doc.confirmation.by)} at ${iso(doc.confirmation.issuedAt)}  `);
  L.push(`- Started ${iso(doc.startedAt)}, ended ${iso(doc.endedAt)} (${sec(doc.durationMs)})  `);
  L.push(`- **Verdict: ${doc.verdict}**${doc.haltReason ? ` (halted: ${t(doc.haltReason)})` : ''}  `);
  L.push(
    `- Machine-readable: ${t(jsonName)}; ledger ${t(doc.ledger.file)} (${doc.ledger.records} records, head \`${doc.ledger.head}\`)  `,
    `- ${bindingLine(doc.runId, p.hash, doc.ledger.head)}`,
    `- Containment: **${doc.containment?.label ?? 'not recorded'}**${doc.containment ? ` (${t(doc.containment.detail)})` : ''}  `,
    '',
  );

  L.push('## Evidence checklist (seed 000 section 3)', '');
  L.push(`| item | present |`, `|---|---|`);
  L.push(`| pulse before the probe | ${yes(doc.checklist.pulseBefore)} |`);
  L.push(`| bursts during the probe | ${doc.checklist.burstsDuring} pulse(s) |`);
  const bd = doc.checklist.burstDuringTasks;
  if (bd) L.push(`| a burst while the tasks ran | ${bd.ok ? 'yes' : '**NO** (verdict INCOMPLETE)'}: ${cell(bd.why)} |`);
  L.push(`| compliance pulse after | ${yes(doc.checklist.compliancePulseAfter)} |`);
  L.push(`| TES recalculated after tasks | ${yes(doc.checklist.tesRecalculated)} |`, '');
  if (doc.burstSchedule) L.push(`Burst schedule: ${t(doc.burstSchedule.reason)}.`, '');

  L.push('## Thresholds', '', '| threshold | result | measured | expected |', '|---|---|---|---|');
  for (const th of doc.thresholds)
    L.push(`| ${cell(th.name)} | ${th.ok ? 'pass' : '**FAIL**'} | ${cell(th.actual)} | ${cell(th.expected)} |`);
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
      `| ${pl.seq} | ${cell(pl.phase)}${pl.burst ? ` ${cell(pl.burst)}` : ''} | ${iso(pl.plannedAt)} | ${pl.latencyMs} ms | ${pl.labWorkMs ?? '-'} ms | ${cell(pl.latencyClass)} | ${cell(pl.status)} | ${pl.tes ?? ''} | ${cell(pl.reasons.join('; '))} |`,
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
  const bc = doc.snapshots.burstCoverage;
  if (bc) {
    L.push(
      '',
      `During bursts (seed 000's rule): ${bc.present}/${bc.expected} burst(s) with a snapshot (${bc.pct}%)${bc.missing.length ? `; missing at ${bc.missing.map((g) => iso(g.from)).join(', ')}` : ''}.`,
    );
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
  for (const ts of [...doc.tes.runs, ...(doc.tes.probe ? [doc.tes.probe] : [])]) {
    const k = ts.components;
    L.push(
      `| ${cell(ts.subject)} | **${ts.score}** | ${cell(ts.drift)} | ${cell(ts.outcome)} | ${sec(ts.runMs)} | ${ts.filesChanged} | ${k.stability.toFixed(2)} | ${k.velocity.toFixed(2)} | ${k.footprint.toFixed(2)} | ${ts.penalties.stability}/${ts.penalties.velocity}/${ts.penalties.footprint} |`,
    );
  }
  if (doc.tes.drift)
    L.push(
      '',
      `Drift over ${doc.tes.drift.runs} run(s) of this plan: ${t(doc.tes.drift.drift)}, spread ${doc.tes.drift.spread}. ${t(doc.tes.drift.explanation)}${doc.tes.drift.unexplained ? ' **(unexplained: anomaly)**' : ''}`,
    );
  L.push('');

  const io = doc.fileIo;
  if (io?.maxMs) {
    L.push('## File I/O', '');
    L.push(
      `Slowest operation per pulse over ${io.maxMs.count} pulse(s): p50 ${io.maxMs.p50} ms, p95 ${io.maxMs.p95} ms, max ${io.maxMs.max} ms (warning at ${io.warnMs} ms, critical at ${io.critMs} ms): ${io.byClass.ok} OK, ${io.byClass.warning} warning, ${io.byClass.critical} critical.`,
    );
    if (io.slowest)
      for (const e of io.slowest.f.entries)
        L.push(
          `- pulse ${io.slowest.seq}: ${e.op} ${t(e.label)}: ${e.ms === null ? `failed (${t(e.error ?? '')})` : `${e.ms} ms${e.timedOut ? ' (deadline reached)' : ''}`}`,
        );
    L.push('');
  }

  L.push('## Integrity', '');
  const base = doc.integrity.baseline;
  const fin = doc.integrity.final;
  if (base) {
    L.push(
      `Governance folder: ${t(base.governanceFolder ?? '(none)')}; baseline hash \`${base.governanceHash ?? 'none'}\`, final \`${fin?.governanceHash ?? 'none'}\`.`,
    );
    for (const s of fin?.sentinels ?? [])
      L.push(
        `- sentinel ${t(s.path)}: ${s.sha256 === s.baseline ? 'unchanged' : '**CHANGED**'} (\`${s.sha256 ?? 'missing'}\`)`,
      );
    if (fin?.ok) L.push('Unchanged throughout.');
    else if (fin?.changed.length) L.push(`**Changed:** ${fin.changed.map(t).join(', ')}`);
    for (const f of fin?.findings ?? [])
      L.push(`- **${t(f.code)}** ${t(f.path)} (${t(f.fileType)}): ${t(f.reason)}`);
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
  for (const tg of r.targets)
    L.push(
      `- ${t(tg.targetId)}: CPU max ${tg.cpuPct?.max ?? 0}% of a core, RSS max ${Math.round((tg.rssKb?.max ?? 0) / 1024)} MB`,
    );
  L.push('');

  L.push(
    '## Targets',
    '',
    '| target | command | state | exit code | output bytes |',
    '|---|---|---|---|---|',
  );
  for (const tg of doc.targets)
    L.push(
      `| ${cell(tg.state.targetId)} | ${cell(shellWords([tg.describe.command, ...tg.describe.args]))} | ${cell(tg.state.state)} | ${tg.state.exitCode ?? ''} | ${tg.state.outputBytes} |`,
    );
  L.push('');

  L.push('## Anomalies', '');
  if (!doc.anomalies.length) L.push('None.');
  doc.anomalies.forEach((a, i) => {
    const ctx = doc.anomalyReview?.[i];
    L.push(`- ${ctx ? `**${ctx.id}** ` : ''}${iso(a.at)} **${t(a.severity)}** ${t(a.code)}: ${t(a.message)}`);
  });
  L.push('');
  for (const ctx of doc.anomalyReview ?? []) renderAnomalyContext(L, ctx);

  L.push(...auditMarkdown(doc.extra));
  L.push(...stresstestMarkdown(doc.extra.stresstest));

  if (Object.keys(doc.extra).length) {
    L.push('## Kind-specific results', '', '```json', fencedJson(doc.extra), '```', '');
  }

  L.push('## How each figure was measured', '');
  for (const [k, v] of Object.entries(doc.methods)) L.push(`- **${k}**: ${v}`);
  L.push('');
  L.push('## Verifying this report', '');
  L.push(
    '```',
    'probe-lab verify <this file>',
    `ssh-keygen -Y verify -f ~/.config/probe-lab/allowed_signers -I probe-lab -n probe-lab-report -s <this file>.sig < <this file>`,
    '```',
    '',
    'Trust comes from your own allowed_signers (the one in your Probe Lab config folder), never from a file shipped beside a report: a key sent along with a report is only its signer\'s claim.',
    '',
  );
  L.push(`Signer: \`${doc.signer.openssh}\``, '');
  return L.join('\n');
}

const leaf = (v: string | number | boolean | null): string => (v === null ? '-' : cell(v));

/** Seed 000 §5 for one anomaly: the pulse that caught it, the governance hash then, the snapshot diff. */
function renderAnomalyContext(L: string[], c: AnomalyContext): void {
  L.push(`### ${c.id}: ${t(c.code)} at ${iso(c.at)}`, '');
  const p = c.caughtBy;
  L.push(
    p
      ? `- Caught by pulse ${p.seq} (${cell(p.phase)}), latency ${p.latencyMs} ms (${cell(p.latencyClass)}), status ${cell(p.status)}`
      : '- Caught by: no pulse completed after it',
  );
  const g = c.governance;
  L.push(
    g
      ? `- Governance hash verified ${g.pulseSeq !== null ? `at pulse ${g.pulseSeq}` : 'at the final check'} (${iso(g.at)}): ${g.ok ? 'ok' : '**CHANGED**'}, \`${g.hash ?? 'none'}\` (baseline \`${g.baseline ?? 'none'}\`)${g.changed.length ? `; changed: ${g.changed.map(t).join(', ')}` : ''}`
      : '- Governance hash: no integrity check after it',
  );
  if (!c.before || !c.after) {
    L.push(`- Snapshots: ${c.before ? `before #${c.before.seq}` : 'none before'}, ${c.after ? `after #${c.after.seq}` : 'none after'}; nothing to compare`, '');
    return;
  }
  L.push(
    `- Snapshots #${c.before.seq} (${iso(c.before.at)}) and #${c.after.seq} (${iso(c.after.at)}): ${c.changes.length} of ${c.compared} field(s) changed`,
    '',
  );
  if (!c.changes.length) return;
  L.push('| field | before | after |', '|---|---|---|');
  for (const ch of c.changes) L.push(`| ${cell(ch.field)} | ${leaf(ch.before)} | ${leaf(ch.after)} |`);
  L.push('');
}

/** Text inside a fence: a backtick or an invisible character could end or disguise it. */
const inFence = (line: string): string =>
  line.replace(
    /[`\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** The stub audit a kind ran over its own results (`extra.<kind>.audit`), when there is one. */
function auditMarkdown(extra: Record<string, unknown>): string[] {
  const L: string[] = [];
  for (const v of Object.values(extra)) {
    const section = (v as { audit?: AuditSection } | null)?.audit;
    if (section?.schema !== AUDIT_SCHEMA) continue;
    L.push('## Stub audit', '');
    L.push(
      section.findings === 0
        ? `No finding over ${section.runs} run(s): the numbers vary the way measurements do.`
        : `**${section.findings} finding(s)**: numbers too perfect to be measured (seed 002).`,
      '',
      '```',
      ...renderAuditLines(section).map(inFence),
      '```',
      '',
    );
  }
  return L;
}
