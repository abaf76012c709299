import { describe, expect, it } from 'vitest';
import { htmlBindingLine } from './html';
import { htmlBindingProblem } from './verify-html';

const head = 'a'.repeat(64);
const json = (runId: string) => Buffer.from(JSON.stringify({ runId, plan: { hash: 'p1' }, ledger: { head } }));
const page = (...lines: string[]) => Buffer.from(['<p class="binding">', ...lines, '</p>'].join('\n'));

describe('the HTML binding line', () => {
  it('binds when the page names the JSON’s run, plan hash and ledger head exactly once', () => {
    expect(htmlBindingProblem(page(htmlBindingLine('run-1', 'p1', head)), json('run-1'))).toBeNull();
  });

  it('a page of another run, a page with two lines or none, and an unreadable JSON are refused', () => {
    expect(htmlBindingProblem(page(htmlBindingLine('run-2', 'p1', head)), json('run-1'))?.detail).toMatch(/^REPORT_MISMATCH: the .html is bound to another run/);
    const line = htmlBindingLine('run-1', 'p1', head);
    expect(htmlBindingProblem(page(line, line), json('run-1'))?.code).toBe('REPORT_MISMATCH');
    expect(htmlBindingProblem(page('nothing here'), json('run-1'))?.detail).toMatch(/carries no binding line/);
    expect(htmlBindingProblem(page(line), Buffer.from('{'))?.code).toBe('REPORT_PARSE');
  });

  it('a run id with markup is bound in its escaped form only', () => {
    const id = '<b>run</b>';
    expect(htmlBindingLine(id, 'p1', head)).toContain('&lt;b&gt;run&lt;/b&gt;');
    expect(htmlBindingProblem(page(`Bound to: run ${id}, plan hash p1, ledger head ${head}`), json(id))?.code).toBe('REPORT_MISMATCH');
  });
});
