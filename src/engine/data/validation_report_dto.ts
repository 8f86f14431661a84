import type { ProblemDTO, ValidationReportDTO } from '../../shared/api.js';
import type { Problem } from './dataset.js';
import type { ValidationReport } from './validate.js';

function problemDTO(p: Problem): ProblemDTO {
  return { kind: p.kind, severity: p.severity, message: p.message, location: { ...p.location }, ...(p.hint ? { hint: p.hint } : {}) };
}

/** A validation report as the API sends it: plain data only (no class instances, no readonly arrays). */
export function reportDTO(r: ValidationReport): ValidationReportDTO {
  const t = r.train;
  return {
    ok: r.ok,
    errors: r.errors,
    warnings: r.warnings,
    train: {
      file: t.file,
      format: t.format,
      rows: t.rows,
      columns: [...t.columns],
      examples: t.examples,
      duplicateRows: t.duplicateRows,
      ...(t.labelDistribution ? { labelDistribution: t.labelDistribution.map((d) => ({ ...d })) } : {}),
      ...(t.lengths ? { lengths: { ...t.lengths, histogram: t.lengths.histogram.map((h) => ({ ...h })) } } : {}),
    },
    ...(r.validation ? { validation: { file: r.validation.file, rows: r.validation.rows, examples: r.validation.examples, overlapWithTrain: r.validation.overlapWithTrain } } : {}),
    ...(r.labels ? { labels: [...r.labels] } : {}),
    ...(r.verbalizers ? { verbalizers: { ...r.verbalizers } } : {}),
    problems: r.problems.map((g) => ({ kind: g.kind, severity: g.severity, count: g.count, shown: g.shown.map(problemDTO) })),
  };
}
