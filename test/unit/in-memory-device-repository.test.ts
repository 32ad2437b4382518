import { InMemoryDeviceRepository } from '../fakes/in-memory-device-repository';
import { CONTRACT_T0, describeDeviceRepositoryContract } from '../kit/device-repository-contract';

// The fake the use-case tests rely on keeps the same rules as the DynamoDB adapter (run in
// test/integration/device-repository.test.ts against DynamoDB Local).
describeDeviceRepositoryContract('InMemoryDeviceRepository', () => {
  let now = CONTRACT_T0;
  const repository = new InMemoryDeviceRepository(() => new Date(now));
  return {
    repository,
    setNow: (ms) => {
      now = ms;
    },
    ownerOf: async (token, platform) => repository.ownerOf(token, platform),
  };
});
