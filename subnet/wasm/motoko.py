"""Compiling Motoko to Wasm with the Motoko compiler that npm ships (package ``motoko``).

``compile_motoko(source, cache)`` runs Node.js on a small script that loads the compiler and
its ``core`` library, compiles ``source`` for the IC, and returns the module's bytes; the result
is kept in ``cache`` under the SHA-256 of the source, so a second deploy of an unchanged file
compiles nothing. The compiler must be installed where Node.js finds it from the source's
folder (``npm install motoko`` there or in a parent folder, or ``NODE_PATH``).

Each compilation is a process of its own: the compiler keeps state between compilations in
one process, and a fresh one gives the same bytes every time.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

_SCRIPT = r"""
const fs = require('fs');
const [source, out, name] = process.argv.slice(1);
let mo;
try {
  mo = require('motoko');
} catch (err) {
  console.error("the npm package 'motoko' is not installed (npm install motoko)");
  process.exit(2);
}
try {
  mo.loadPackage(require('motoko/packages/latest/core.json'));
} catch (err) {}
mo.compiler.gcFlags('classicOP');
mo.write(name, fs.readFileSync(source, 'utf8'));
try {
  const result = mo.wasm(name, 'ic');
  fs.writeFileSync(out, result.wasm);
} catch (err) {
  console.error(String(err.message).slice(0, 4000));
  process.exit(1);
}
"""


class MotokoError(Exception):
    """A Motoko source that could not be compiled; the message says why."""


def compile_motoko(source: Path, cache: Path, *, timeout: float = 300.0) -> bytes:
    """The Wasm module of the Motoko file ``source`` (compiled once per content)."""
    text = source.read_bytes()
    digest = hashlib.sha256(text).hexdigest()
    cached = cache / f"{source.stem}-{digest[:16]}.wasm"
    if cached.is_file():
        return cached.read_bytes()
    node = shutil.which("node")
    if node is None:
        raise MotokoError(f"compiling {source.name} needs Node.js (node is not on PATH)")
    cache.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    try:
        done = subprocess.run(
            [node, "-e", _SCRIPT, str(source), str(partial), source.name],
            cwd=source.parent,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MotokoError(f"compiling {source.name} took more than {timeout:.0f} s") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise MotokoError(
            f"cannot compile {source.name}: {detail[-1] if detail else 'the compiler failed'}"
        )
    partial.replace(cached)
    return cached.read_bytes()
