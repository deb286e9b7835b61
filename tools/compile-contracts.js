#!/usr/bin/env node
// Compiles workloads/contracts/src/*.sol with the pinned solc-js (tools/package.json) and
// writes one artifact per deployable contract to workloads/contracts/artifacts/<Name>.json.
//
//   npm ci --prefix tools
//   node tools/compile-contracts.js           # (re)generate the artifacts
//   node tools/compile-contracts.js --check   # exit 1 if the committed artifacts are stale
//
// Output is deterministic: no metadata hash and no CBOR trailer in the bytecode, sources
// compiled in sorted order, artifact keys in a fixed order.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const REPO_ROOT = path.resolve(__dirname, '..');
const SRC_DIR = path.join(REPO_ROOT, 'workloads', 'contracts', 'src');
const ARTIFACTS_DIR = path.join(REPO_ROOT, 'workloads', 'contracts', 'artifacts');
const COMMAND = 'node tools/compile-contracts.js';
const REGENERATE = 'npm ci --prefix tools && node tools/compile-contracts.js';

const SETTINGS = Object.freeze({
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
});

function toPosix(p) {
  return p.split(path.sep).join('/');
}

/// Reads every *.sol file of `srcDir`, sorted by name.
function readSources(srcDir = SRC_DIR) {
  return fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith('.sol'))
    .sort()
    .map((file) => {
      const bytes = fs.readFileSync(path.join(srcDir, file));
      return {
        file,
        // Source unit name; relative imports ("./AmmPair.sol") resolve within "src/".
        unit: `src/${file}`,
        repoPath: toPosix(path.relative(REPO_ROOT, path.join(srcDir, file))),
        content: bytes.toString('utf8'),
        sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      };
    });
}

/// Compiles the sources and returns the artifacts as an array of
/// { contractName, fileName, artifact } sorted by contract name. Throws on compiler errors.
function compileContracts({ srcDir = SRC_DIR } = {}) {
  const sources = readSources(srcDir);
  if (sources.length === 0) throw new Error(`no .sol files in ${srcDir}`);

  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(sources.map((s) => [s.unit, { content: s.content }])),
    settings: {
      ...JSON.parse(JSON.stringify(SETTINGS)),
      outputSelection: {
        '*': {
          '': ['ast'],
          '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'],
        },
      },
    },
  };

  const findImports = (p) => ({ error: `import not found: ${p} (only local ./*.sol imports are allowed)` });
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const diagnostics = output.errors || [];
  const errors = diagnostics.filter((e) => e.severity === 'error');
  for (const w of diagnostics.filter((e) => e.severity !== 'error')) {
    process.stderr.write(`solc ${w.severity}: ${w.formattedMessage || w.message}\n`);
  }
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage || e.message).join('\n')}`);
  }

  const version = solc.version();
  const results = [];
  const seen = new Map();
  for (const src of sources) {
    const ast = output.sources[src.unit] && output.sources[src.unit].ast;
    if (!ast) throw new Error(`solc returned no AST for ${src.unit}`);
    // Only concrete contracts defined in this file: no interfaces, libraries, abstracts.
    const deployable = ast.nodes.filter(
      (n) => n.nodeType === 'ContractDefinition' && n.contractKind === 'contract' && !n.abstract,
    );
    for (const node of deployable) {
      const name = node.name;
      if (seen.has(name)) {
        throw new Error(`contract name ${name} defined in both ${seen.get(name)} and ${src.repoPath}`);
      }
      seen.set(name, src.repoPath);
      const out = output.contracts[src.unit][name];
      const bytecode = out.evm.bytecode.object;
      if (!bytecode) continue;
      const artifact = {
        contractName: name,
        sourceFile: src.repoPath,
        compiler: { name: 'solc-js', version },
        settings: JSON.parse(JSON.stringify(SETTINGS)),
        command: COMMAND,
        sourceSha256: src.sha256,
        abi: out.abi,
        bytecode: `0x${bytecode}`,
        deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
      };
      results.push({ contractName: name, fileName: `${name}.json`, artifact });
    }
  }
  results.sort((a, b) => (a.contractName < b.contractName ? -1 : a.contractName > b.contractName ? 1 : 0));
  return results;
}

function renderArtifact(artifact) {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

function existingArtifacts(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

function write(results, dir = ARTIFACTS_DIR) {
  fs.mkdirSync(dir, { recursive: true });
  const wanted = new Set(results.map((r) => r.fileName));
  for (const f of existingArtifacts(dir)) {
    if (!wanted.has(f)) {
      fs.unlinkSync(path.join(dir, f));
      console.log(`removed ${toPosix(path.relative(REPO_ROOT, path.join(dir, f)))}`);
    }
  }
  for (const r of results) {
    const file = path.join(dir, r.fileName);
    const text = renderArtifact(r.artifact);
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (old !== text) {
      fs.writeFileSync(file, text);
      console.log(`wrote ${toPosix(path.relative(REPO_ROOT, file))}`);
    }
  }
  console.log(`${results.length} artifacts up to date (solc ${solc.version()})`);
}

/// Returns a list of problems (empty when the committed artifacts match the sources).
function check(results, dir = ARTIFACTS_DIR) {
  const problems = [];
  const rel = (f) => toPosix(path.relative(REPO_ROOT, path.join(dir, f)));
  const wanted = new Set(results.map((r) => r.fileName));
  for (const r of results) {
    const file = path.join(dir, r.fileName);
    if (!fs.existsSync(file)) {
      problems.push(`missing artifact ${rel(r.fileName)} (contract ${r.contractName} in ${r.artifact.sourceFile})`);
    } else if (fs.readFileSync(file, 'utf8') !== renderArtifact(r.artifact)) {
      problems.push(`stale artifact ${rel(r.fileName)} (does not match ${r.artifact.sourceFile} compiled with solc ${r.artifact.compiler.version})`);
    }
  }
  for (const f of existingArtifacts(dir)) {
    if (!wanted.has(f)) problems.push(`extra artifact ${rel(f)} (no such contract in workloads/contracts/src)`);
  }
  return problems;
}

function main(argv) {
  const args = argv.slice(2);
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`usage: ${COMMAND} [--check]`);
    return 2;
  }
  let results;
  try {
    results = compileContracts();
  } catch (e) {
    console.error(`error: ${e.message}`);
    return 1;
  }
  if (args.includes('--check')) {
    const problems = check(results);
    if (problems.length > 0) {
      for (const p of problems) console.error(`error: ${p}`);
      console.error(`contract artifacts are out of date; regenerate them with:\n  ${REGENERATE}`);
      return 1;
    }
    console.log(`${results.length} contract artifacts match their sources (solc ${solc.version()})`);
    return 0;
  }
  write(results);
  return 0;
}

module.exports = { compileContracts, renderArtifact, check, write, readSources, SETTINGS, ARTIFACTS_DIR, SRC_DIR };

if (require.main === module) {
  process.exitCode = main(process.argv);
}
