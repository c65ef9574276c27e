#!/usr/bin/env node
// Compiles every *.mo file in this folder into <name>.wasm and <name>.did beside it, with the
// Motoko compiler pinned in package.json (npm package `motoko`) and the `core` library that
// package ships (imported as "mo:core/..."). Needs no network.
//
//   node build.js                     build into this folder
//   node build.js --out-dir DIR       build into DIR instead
//   node build.js --check             also compile each module a second time and fail if the
//                                     bytes differ (the build must be deterministic)
//   node build.js --persistence enhanced
//                                     enhanced orthogonal persistence (64-bit memory) instead of
//                                     the classical persistence the committed modules use
//   node build.js chat.mo ...         only these files
//
// Each module is compiled by a fresh compiler in a process of its own: the compiler keeps
// state between compilations in one process, and a second compilation there gives different
// bytes. A fresh compiler gives the same bytes every time.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function parseArgs(argv) {
  const opts = { outDir: __dirname, check: false, persistence: 'classical', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out-dir') opts.outDir = path.resolve(argv[++i]);
    else if (a === '--check') opts.check = true;
    else if (a === '--persistence') opts.persistence = argv[++i];
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.files.push(path.basename(a));
  }
  if (!['classical', 'enhanced'].includes(opts.persistence)) {
    throw new Error(`--persistence must be classical or enhanced, not ${opts.persistence}`);
  }
  if (opts.files.length === 0) {
    opts.files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.mo')).sort();
  }
  return opts;
}

// Worker: `node build.js --worker FILE PERSISTENCE OUT_DIR` compiles one module.
function worker(file, persistence, outDir) {
  const mo = require('motoko');
  mo.loadPackage(require('motoko/packages/latest/core.json'));
  mo.compiler.gcFlags(persistence === 'enhanced' ? 'enhancedOP' : 'classicOP');
  // Virtual file system paths are relative, so no path of this machine enters the module.
  mo.write(file, fs.readFileSync(path.join(__dirname, file), 'utf8'));
  let out;
  try {
    out = mo.wasm(file, 'ic');
  } catch (err) {
    // The compiler's own errors can carry its whole (minified) source: keep the message only.
    throw new Error(`${file}: ${String(err.message).slice(0, 4000)}`);
  }
  const name = path.basename(file, '.mo');
  fs.writeFileSync(path.join(outDir, `${name}.wasm`), out.wasm);
  fs.writeFileSync(path.join(outDir, `${name}.did`), out.candid);
}

function compileInChild(file, persistence, outDir) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(
      process.execPath,
      [__filename, '--worker', file, persistence, outDir],
      { stdio: ['ignore', 'inherit', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) {
        reject(new Error((stderr || `compiling ${file} failed`).trim().slice(0, 4000)));
      } else {
        resolve(Number((process.hrtime.bigint() - started) / 1000000n));
      }
    });
  });
}

async function buildOne(file, opts) {
  const name = path.basename(file, '.mo');
  const ms = await compileInChild(file, opts.persistence, opts.outDir);
  const wasm = fs.readFileSync(path.join(opts.outDir, `${name}.wasm`));
  if (opts.check) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'motoko-build-'));
    try {
      await compileInChild(file, opts.persistence, tmp);
      const did = fs.readFileSync(path.join(opts.outDir, `${name}.did`));
      if (
        !fs.readFileSync(path.join(tmp, `${name}.wasm`)).equals(wasm) ||
        !fs.readFileSync(path.join(tmp, `${name}.did`)).equals(did)
      ) {
        throw new Error(`${file}: two compilations gave different output`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return `${file} -> ${name}.wasm (${wasm.length} bytes, ${ms} ms), ${name}.did`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(opts.outDir, { recursive: true });
  // The modules are independent: compile them on as many processes as there are CPUs,
  // report in file order.
  const lines = new Array(opts.files.length);
  let next = 0;
  async function lane() {
    while (next < opts.files.length) {
      const i = next++;
      lines[i] = await buildOne(opts.files[i], opts);
    }
  }
  const lanes = Math.max(1, Math.min(os.availableParallelism(), opts.files.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  for (const line of lines) console.log(line);
}

function fail(err) {
  console.error(`build.js: ${err.message}`);
  process.exit(1);
}

if (process.argv[2] === '--worker') {
  try {
    worker(process.argv[3], process.argv[4], process.argv[5]);
  } catch (err) {
    fail(err);
  }
} else {
  main().catch(fail);
}
