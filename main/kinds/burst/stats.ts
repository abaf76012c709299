/**
 * Pure arithmetic over a burst's invocations: latency percentiles, throughput, and the
 * nondeterminism finding (an artifact whose verdict or compared output differs between
 * repetitions).
 */
export type Verdict = 'pass' | 'fail' | 'error' | 'timeout' | 'not-run';

export interface Invocation {
  repetition: number;
  artifact: string;
  verdict: Verdict;
  exitCode: number | null;
  signal: string | null;
  latencyMs: number;
  /** sha256 of what the plan compares (stdout, or stdout and stderr); '' when only verdicts count. */
  outputHash: string;
  /** The first characters of stdout, to show a reader how two runs differed. */
  sample: string;
  error?: string;
}

export interface Percentiles {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is a latency that was measured). */
export function percentiles(values: number[]): Percentiles | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    count: s.length,
    min: r(s[0] ?? 0),
    p50: r(at(50)),
    p90: r(at(90)),
    p99: r(at(99)),
    max: r(s[s.length - 1] ?? 0),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export interface NondeterministicArtifact {
  artifact: string;
  /** What differed: the verdict, the output, or both. */
  differs: ('verdict' | 'output')[];
  /** One entry per repetition, in order. */
  runs: {
    repetition: number;
    verdict: Verdict;
    exitCode: number | null;
    outputHash: string;
    sample: string;
  }[];
}

/** Artifacts whose completed repetitions disagree. Not-run repetitions (halt) are not compared. */
export function findNondeterminism(invocations: Invocation[]): NondeterministicArtifact[] {
  const byArtifact = new Map<string, Invocation[]>();
  for (const i of invocations) {
    if (i.verdict === 'not-run') continue;
    const list = byArtifact.get(i.artifact) ?? [];
    list.push(i);
    byArtifact.set(i.artifact, list);
  }
  const out: NondeterministicArtifact[] = [];
  for (const [artifact, runs] of [...byArtifact].sort(([a], [b]) => a.localeCompare(b))) {
    if (runs.length < 2) continue;
    const differs: NondeterministicArtifact['differs'] = [];
    if (new Set(runs.map((r) => r.verdict)).size > 1) differs.push('verdict');
    if (new Set(runs.map((r) => r.outputHash)).size > 1) differs.push('output');
    if (!differs.length) continue;
    out.push({
      artifact,
      differs,
      runs: [...runs]
        .sort((a, b) => a.repetition - b.repetition)
        .map((r) => ({
          repetition: r.repetition,
          verdict: r.verdict,
          exitCode: r.exitCode,
          outputHash: r.outputHash,
          sample: r.sample,
        })),
    });
  }
  return out;
}

export function countVerdicts(invocations: Invocation[]): Record<Verdict, number> {
  const c: Record<Verdict, number> = { pass: 0, fail: 0, error: 0, timeout: 0, 'not-run': 0 };
  for (const i of invocations) c[i.verdict]++;
  return c;
}
