import { ECOMMERCE } from './ecommerce.ts';
import { POWER_UTILITY } from './power-utility.ts';
import { RETAIL_BANK } from './retail-bank.ts';
import type { Scenario } from './types.ts';

export const SCENARIOS: Scenario[] = [...POWER_UTILITY, ...RETAIL_BANK, ...ECOMMERCE];
