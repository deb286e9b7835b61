// Hardhat's node for gasbench's tests: chain 31337, a block every second, no compiler.
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      mining: { auto: false, interval: 1000 },
    },
  },
};
