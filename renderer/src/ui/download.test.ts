import { describe, expect, it } from 'vitest';
import { safeFilename } from './download';

describe('safeFilename', () => {
  it('drops folders, control characters and leading dots', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\x\\report.csv')).toBe('report.csv');
    expect(safeFilename('..hidden\u0000.json')).toBe('hidden.json');
    expect(safeFilename('')).toBe('export.txt');
    expect(safeFilename('history-2026.csv')).toBe('history-2026.csv');
  });
});
