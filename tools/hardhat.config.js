// Hardhat's node (EDR) for gasbench's RPC tests and for users trying gasbench on it:
// chain 31337, anvil's dev mnemonic (Hardhat's default), a block every second; no Solidity
// compiler is ever fetched (gasbench ships compiled contracts). Run from this directory:
//   HARDHAT_DISABLE_TELEMETRY_PROMPT=true npx hardhat node --hostname 127.0.0.1 --port 8545
// GASBENCH_HARDHAT_INTERVAL_MS sets another block interval (the gas comparison test: 100).
const interval = Number(process.env.GASBENCH_HARDHAT_INTERVAL_MS || 1000);
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      mining: { auto: false, interval },
      loggingEnabled: false,
    },
  },
};
