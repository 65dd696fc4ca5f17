import { describe, expect, it } from 'vitest';
import { isDnsLabel, k8sName, labelValue } from './names.js';

describe('Kubernetes names', () => {
  it('keeps valid names, cleans and hash-suffixes the rest, within the length limit', () => {
    expect(k8sName(['joey', 'fraud', 'ccfraud'])).toBe('joey-fraud-ccfraud');
    const long = k8sName(['joey', 'w'.repeat(40), 'p'.repeat(40)]);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(long)).toBe(true);
    expect(long).not.toBe(k8sName(['joey', 'w'.repeat(40), 'p'.repeat(41)])); // cut names stay distinct
    expect(k8sName(['Fraud_Team', 'x'])).toMatch(/^fraud-team-x-[0-9a-f]{8}$/);
    expect(k8sName(['Fraud_Team', 'x'])).not.toBe(k8sName(['fraud-team', 'x']));
    expect(k8sName(['1abc'], { alphaStart: true })).toMatch(/^x1abc-[0-9a-f]{8}$/);
    const cron = k8sName(['joey', 'ws', 'n'.repeat(60)], { max: 52 });
    expect(cron.length).toBeLessThanOrEqual(52);
    expect(isDnsLabel(cron, 52)).toBe(true);
  });

  it('makes valid label values', () => {
    expect(labelValue('fraud-prod')).toBe('fraud-prod');
    const v = labelValue(`argo/app:${'a'.repeat(80)}`);
    expect(v.length).toBeLessThanOrEqual(63);
    expect(v).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    expect(labelValue('')).toBe('');
  });
});
