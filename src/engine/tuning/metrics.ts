/**
 * Evaluation metrics as pure functions over label indices / token ids, defined so that the
 * numbers match what users compare against (sklearn for classification, the SQuAD script
 * for token F1, DESIGN.md §3 for generation exact match).
 *
 * Conventions: empty inputs give NaN ("no examples, no score") rather than a flattering 0
 * or 1; the caller decides how to show it (JSON turns NaN into null).
 */
import { SpsError } from '../../shared/errors.js';

function checkPairs(truth: readonly number[], pred: readonly number[]): void {
  if (truth.length !== pred.length) throw new SpsError('INTERNAL', `metrics: ${truth.length} references but ${pred.length} predictions`);
}

/** Fraction of exact label matches (sklearn accuracy_score). */
export function accuracy(truth: readonly number[], pred: readonly number[]): number {
  checkPairs(truth, pred);
  if (truth.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === pred[i]) hit++;
  return hit / truth.length;
}

/**
 * Macro F1 as sklearn f1_score(average='macro', labels=None, zero_division=0): F1 per
 * class, averaged over the classes that occur in truth OR prediction (a class absent from
 * both is not averaged in, so declaring extra labels does not drag the score down). Per
 * class F1 = 2·tp / (2·tp + fp + fn), which equals 2PR/(P+R) and is 0 where P or R divides
 * by zero — the zero_division=0 behaviour.
 */
export function macroF1(truth: readonly number[], pred: readonly number[]): number {
  checkPairs(truth, pred);
  if (truth.length === 0) return NaN;
  const classes = new Set<number>([...truth, ...pred]);
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i] === c;
      const p = pred[i] === c;
      if (t && p) tp++;
      else if (p) fp++;
      else if (t) fn++;
    }
    sum += (2 * tp) / (2 * tp + fp + fn); // denominator > 0: c occurs in truth or pred
  }
  return sum / classes.size;
}

/** numLabels × numLabels counts; rows = truth, columns = prediction (sklearn confusion_matrix). */
export function confusionMatrix(truth: readonly number[], pred: readonly number[], numLabels: number): number[][] {
  checkPairs(truth, pred);
  const m = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = pred[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < numLabels && Number.isInteger(p) && p >= 0 && p < numLabels)) {
      throw new SpsError('INTERNAL', `confusionMatrix: label ${t}/${p} outside 0..${numLabels - 1}`);
    }
    m[t]![p]!++;
  }
  return m;
}

/**
 * SQuAD-style token F1 over token-id multisets: overlap = Σ min(count_pred, count_ref);
 * P = overlap/|pred|, R = overlap/|ref|, F1 = 2PR/(P+R). If either side is empty the
 * score is 1 when both are empty and 0 otherwise (SQuAD v2 rule).
 */
export function tokenF1(pred: readonly number[], ref: readonly number[]): number {
  if (pred.length === 0 || ref.length === 0) return pred.length === ref.length ? 1 : 0;
  const counts = new Map<number, number>();
  for (const t of ref) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of pred) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / pred.length;
  const recall = overlap / ref.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Identical token sequences. */
export function exactMatch(pred: readonly number[], ref: readonly number[]): boolean {
  return pred.length === ref.length && pred.every((t, i) => t === ref[i]);
}

/**
 * Generation exact match per DESIGN.md §3: the first len(reference) generated tokens equal
 * the reference. Small models often never emit an end token, so trailing tokens are not
 * held against them; whether generation stopped is reported separately.
 */
export function generationExactMatch(generated: readonly number[], ref: readonly number[]): boolean {
  return generated.length >= ref.length && ref.every((t, i) => t === generated[i]);
}

/** Perplexity from the token-level mean cross-entropy (natural log): exp(loss). */
export function perplexity(meanLoss: number): number {
  return Math.exp(meanLoss);
}
