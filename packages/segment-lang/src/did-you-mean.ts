/** "Did you mean" lives in @strata/core (imports use it for column names too); the language's modules import it from here. */
export { closest, editDistance } from '@strata/core';
