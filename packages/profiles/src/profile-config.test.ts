import { describe, expect, it } from 'vitest';
import { configSettings } from '@strata/core';
import { defaultProfileConfig, profileConfigFrom, profileSettings } from './profile-config.js';

describe('profile thresholds from the store settings', () => {
  it('takes each setting that is set, and the default for the rest', () => {
    const config = profileConfigFrom({ lifecycle_churn_days: '45', value_tier_high: '0.9', currency: 'EUR' });
    expect(config).toEqual({ ...defaultProfileConfig, churnDays: 45, highValuePercentile: 0.9 });
    expect(profileConfigFrom({})).toEqual(defaultProfileConfig);
  });

  it('refuses a medium value tier above the high one, naming both', () => {
    expect(() => profileConfigFrom({ value_tier_medium: '0.9' })).toThrow(
      'value_tier_medium (0.9) is above value_tier_high (0.8)',
    );
  });

  it('every threshold setting is a store setting whose schema refuses what the thresholds cannot take', () => {
    for (const name of Object.keys(profileSettings)) expect(Object.keys(configSettings)).toContain(name);
    expect(configSettings.lifecycle_churn_days.schema.safeParse('0').success).toBe(false);
    expect(configSettings.lifecycle_churn_days.schema.safeParse('2.5').success).toBe(false);
    expect(configSettings.value_tier_high.schema.safeParse('1.5').success).toBe(false);
    expect(configSettings.value_tier_high.schema.safeParse(' 0.75 ').data).toBe('0.75');
  });
});
