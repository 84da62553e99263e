// The labelling session's pure steps (src/train/active/session.ts): input lines, label/skip/undo, the next row,
// the probabilities (zero-shot prior, then the probe) and the storage guard (dev rows: active-dev-score.test.ts).
import { describe, expect, it } from 'vitest';
import { rowsFitter } from '../../src/train/active/probe';
import { answers, asLabelSession, labelRow, newSession, nextRow, readLabelInput, sessionProbs, skipRow, undoLast, zeroShotProbs } from '../../src/train/active/session';

describe('labelling session', () => {
  it('reads texts, with `label<TAB>text` lines as given labels; refuses an unknown label with its line', () => {
    expect(readLabelInput('a text\n\npos\tgood one\n  another  \n', ['pos', 'neg'])).toEqual({ texts: ['a text', 'good one', 'another'], given: { 1: 0 } });
    expect(() => readLabelInput('x\nmaybe\tthing', ['pos', 'neg'])).toThrow(/line 2 starts with "maybe" and a tab, but that is not one of the labels \(pos, neg\)/);
    expect(() => readLabelInput('\n \n', ['pos', 'neg'])).toThrow(/no texts/);
  });
  it('refuses fewer than 2, duplicate, empty or more than 9 labels', () => {
    expect(() => newSession(['t'], ['a'])).toThrow(/at least 2 labels/);
    expect(() => newSession(['t'], ['a', 'a'])).toThrow(/"a" is listed twice/);
    expect(() => newSession(['t'], ['a', ' '])).toThrow(/label 2 is empty/);
    expect(() => newSession(['t'], 'abcdefghij'.split(''))).toThrow(/at most 9 labels/);
  });
  it('label, skip and undo: answers follow the log; undo returns the row to ask again', () => {
    let s = newSession(['t0', 't1', 't2', 't3'], ['a', 'b'], { given: { 3: 1 } });
    s = labelRow(s, 0, 0);
    s = skipRow(s, 1);
    s = labelRow(s, 2, 1);
    expect([...answers(s)]).toEqual([[3, 1], [0, 0], [2, 1]]);
    expect(nextRow(s, null, null, 1)).toBeNull();
    const u = undoLast(s);
    expect(u.row).toBe(2);
    expect(nextRow(u.session, null, null, 1)).toBe(2);
    const u2 = undoLast(undoLast(u.session).session);
    expect(u2.row).toBe(0);
    expect(undoLast(u2.session).row).toBeNull();
    expect(() => labelRow(s, 1, 2)).toThrow(/label 3 does not exist: this session has 2 labels/);
  });
  it('next row: the most uncertain unlabelled, unskipped one', () => {
    const s = skipRow(newSession(['t0', 't1', 't2', 't3'], ['a', 'b']), 1);
    const probs = Float32Array.from([0.9, 0.1, 0.5, 0.5, 0.6, 0.4, 0.8, 0.2]);
    expect(nextRow(s, probs, null, 1)).toBe(2);
    expect(nextRow(labelRow(s, 2, 0), probs, null, 1)).toBe(3);
  });
  it('probabilities: the prior until two classes have labels, then the probe (which learns the labels)', () => {
    const features = Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]);
    const prior = Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const fitter = rowsFitter(features, 2, 2);
    let s = newSession(['a1', 'a2', 'b1', 'b2'], ['a', 'b']);
    expect(sessionProbs(s, fitter, prior)).toBe(prior);
    s = labelRow(s, 0, 0);
    expect(sessionProbs(s, fitter, null)).toBeNull();
    s = labelRow(s, 2, 1);
    const p = sessionProbs(s, fitter, prior)!;
    expect(p[1 * 2 + 0]).toBeGreaterThan(0.5); // a2 looks like a1
    expect(p[3 * 2 + 1]).toBeGreaterThan(0.5); // b2 looks like b1
  });
  it('zero-shot: softmax of cosine / temperature', () => {
    const p = zeroShotProbs(Float32Array.from([2, 0, 0, 3]), Float32Array.from([1, 0, 0, 1]), 2, 0.5);
    expect(p[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 1), 6);
    expect(p[3]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 1), 6);
  });
  it('the storage guard accepts a session and refuses a broken one with the reason', () => {
    const s = labelRow(newSession(['x', 'y'], ['a', 'b']), 1, 1);
    expect(asLabelSession(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(() => asLabelSession({ ...s, version: 0 })).toThrow(/version 0, this studio reads 1 and 2/);
    expect(() => asLabelSession({ ...s, audit: { every: 1, seed: 3 } })).toThrow(/dev audit plan is missing or broken/);
    expect(() => asLabelSession({ ...s, log: [{ row: 5, kind: 'skip' }] })).toThrow(/an action names row 5/);
    expect(() => asLabelSession(null)).toThrow(/not an object/);
  });
});
