export * from './special.js';
export * from './nelder-mead.js';
export * from './bgnbd.js';
export * from './gamma-gamma.js';
export * from './transactions.js';
export * from './fit-summary.js';
