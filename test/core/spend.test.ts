import { describePriceBookContract } from '../contracts/price-book.js';
import { describeSpendGateContract } from '../contracts/spend-gate.js';
import { FakePriceBook, FakeSpendGate } from '../fakes/spend.js';

// The fakes other tests lean on keep the same promises as the real gate and price book.
describeSpendGateContract('FakeSpendGate', () => ({
  gate: new FakeSpendGate(10),
  limitUsd: 10,
  settle: (reservation, actualUsd) => reservation.settle(actualUsd),
  close: () => {},
}));

describePriceBookContract('FakePriceBook', () => new FakePriceBook());
