import { describe, expect, it } from 'vitest';
import { fitCustomerModels, scoreCustomers, type CustomerModelInput } from './model-scores.js';
import { defaultProfileConfig } from './profile-config.js';
import { cdnowCsv } from '../test/cdnow.js';

// The CDNOW sample in days, as the profile run sees its buyers.
const buyers: CustomerModelInput[] = cdnowCsv('cdnow_customers_summary_with_transactions.csv').map(
  ([id, x, t_x, T, zbar]) => ({
    customer_id: id!,
    x: Number(x),
    t_x: Number(t_x) * 7,
    t: Number(T) * 7,
    repeat_value: Number(x) > 0 ? Number(zbar) : null,
  }),
);

describe('the profile run’s models', () => {
  const model = fitCustomerModels(buyers)!;

  it('fits MBG/NBD on every buyer, not a sample', () => {
    expect(model.purchaseModel!.model).toBe('mbg-nbd');
    expect(model.fittedOn).toBe(buyers.length);
    // the CDNOW estimates in days: α scales by 7, the shape parameters do not
    expect(Number(model.purchaseModel!.params.r!.toPrecision(3))).toBe(0.525);
    expect(model.purchaseModel!.params.alpha! / 7).toBeCloseTo(6.183, 2);
  });

  it('a one-time buyer silent for two years is probably gone; a new one is not', () => {
    const scores = [
      ...scoreCustomers(
        [
          { customer_id: 'old', x: 0, t_x: 0, t: 730, repeat_value: null },
          { customer_id: 'new', x: 0, t_x: 0, t: 7, repeat_value: null },
        ],
        model,
        defaultProfileConfig,
      ),
    ];
    const pAlive = Object.fromEntries(scores.map((s) => [s[0], s[1] as number]));
    expect(pAlive.old).toBeLessThan(defaultProfileConfig.lowRiskPAlive);
    expect(pAlive.new).toBeGreaterThan(pAlive.old);
  });

  it('a run stored by an earlier version (BG/NBD) still scores', () => {
    const legacy = {
      timeUnit: 'day' as const,
      customers: 1,
      fittedOn: 1,
      bgnbd: { params: { r: 0.243, alpha: 4.41 * 7, a: 0.793, b: 2.43 }, logLikelihood: 0, converged: true },
      gammaGamma: null,
    };
    const [row] = [
      ...scoreCustomers([{ customer_id: 'a', x: 0, t_x: 0, t: 730, repeat_value: null }], legacy, defaultProfileConfig),
    ];
    // BG/NBD: a customer without repeat purchases is alive for certain
    expect(row![1]).toBe(1);
  });
});
