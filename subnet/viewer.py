"""The trace viewer: one self-contained HTML page to step through a trace in a browser.

The page holds the sequence diagram (:func:`subnet.picture.sequence_svg`) and, for the selected
step, the state of every canister as :mod:`subnet.states` recorded it: status, call contexts,
callbacks (each saying whether the heap still holds its continuation), the continuation table,
the heap (what changed in the step highlighted) and snapshots, with the step's hazards and
their explanations. The buttons "Previous step" and "Next step", the left and right arrow keys
and a click on a box of the diagram select a step. Script, style and data are inline: the page
opens from a file, and asks the network for nothing. A trace recorded without states shows the
diagram alone, with a note saying how to record them.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from .ids import Principal
from .picture import sequence_svg
from .trace import TraceFile

NO_STATES = (
    "This trace holds no per-step states: record them with "
    "`subnet run SCENARIO --trace FILE --states` (or net.record_states() in Python)."
)


def _who(value: Any, names: dict[Principal, str]) -> str:
    return names.get(value, str(value)) if isinstance(value, Principal) else str(value)


def _states(trace: TraceFile, names: dict[Principal, str]) -> list[dict[str, Any]] | None:
    """The recorded states with canister names for principals and heap values as text."""
    if trace.states is None:
        return None
    shown = []
    for entry in trace.states:
        canisters: dict[str, Any] = {}
        for cid, state in entry["canisters"].items():
            out: dict[str, Any] = {}
            for key, value in state.items():
                if key == "heap":
                    out[key] = {name: repr(v) for name, v in value.items()}
                elif key in ("contexts", "callbacks", "continuations"):
                    out[key] = [[_who(v, names) for v in row] for row in value]
                    if key in ("contexts", "callbacks"):  # the flags stay true or false
                        for row, original in zip(out[key], value, strict=True):
                            row[-1] = bool(original[-1])
                else:
                    out[key] = value
            canisters[_who(cid, names)] = out
        shown.append({"step": entry["step"], "canisters": canisters})
    return shown


def trace_page(trace: TraceFile, title: str) -> str:
    """The viewer's page for ``trace``."""
    meta = trace.meta
    names = {cid: name for name, cid in (meta.get("names") or {}).items()}
    svg = sequence_svg(trace.events, names=names, title=title)
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)  # inline: HTML's own
    hazards: dict[int, list[list[str]]] = {}
    for e in trace.events:
        if e.kind == "hazard":
            explanation = str(e.data[0]) if e.data else ""
            where = _who(e.canister, names) if e.canister is not None else "subnet"
            hazards.setdefault(e.step, []).append([e.method, where, explanation])
    failure = meta.get("failure")
    injected: list[int] = []
    if isinstance(failure, dict):
        for line in failure.get("injections") or ():
            found = re.match(r"step (\d+):", str(line))
            if found:
                injected.append(int(found.group(1)))
    states = _states(trace, names)
    last = max([e.step for e in trace.events] + [s["step"] for s in states or ()] + [1], default=1)
    data = {
        "steps": last,
        "states": states,
        "hazards": {str(k): v for k, v in hazards.items()},
        "failure": (
            {key: failure.get(key) for key in ("kind", "message", "step", "injections")}
            if isinstance(failure, dict)
            else None
        ),
        "injected": injected,
    }
    payload = json.dumps(data, ensure_ascii=True, default=str).replace("<", "\\u003c")
    note = "" if states is not None else f'<p class="note" id="note">{escape(NO_STATES)}</p>'
    failure_line = ""
    if isinstance(failure, dict):
        failure_line = (
            f'<p class="failure">Failure: {escape(str(failure.get("kind")))} at step '
            f"{escape(str(failure.get('step')))}: {escape(str(failure.get('message')))}</p>"
        )
    state_panels = "".join(
        f'<section><h2>{heading}</h2><div id="{key}-body"></div></section>\n'
        for heading, key in PANELS
    )
    return PAGE.format(
        title=escape(title),
        total=last,
        state_panels=state_panels if states is not None else "",
        style=STYLE,
        failure=failure_line,
        note=note,
        svg=svg,
        data=payload,
        script=SCRIPT,
    )


#: The state's panels: heading, and the id of the element the script fills.
PANELS = (
    ("Canisters", "canisters"),
    ("Call contexts", "contexts"),
    ("Callbacks", "callbacks"),
    ("Continuation table", "continuations"),
    ("Heap", "heap"),
    ("Snapshots", "snapshots"),
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<style>{style}</style></head>
<body>
<h1>{title}</h1>
{failure}
<nav aria-label="Steps">
<button type="button" id="prev" aria-label="Previous step">&#9664; Previous</button>
<span id="status" role="status" aria-live="polite">step 1 of {total}</span>
<button type="button" id="next" aria-label="Next step">Next &#9654;</button>
</nav>
{note}
<div id="layout">
<div id="diagram">
{svg}</div>
<div id="panels">
<section><h2>Hazards</h2><div id="hazards-body"></div></section>
{state_panels}</div>
</div>
<script type="application/json" id="trace-data">{data}</script>
<script>{script}</script>
</body></html>
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em; }
nav { position: sticky; top: 0; background: white; padding: .4em 0; z-index: 1; }
#status { display: inline-block; min-width: 10em; text-align: center; font-weight: bold; }
#layout { display: flex; gap: 1em; align-items: flex-start; }
#diagram { overflow: auto; flex: 0 1 auto; }
#panels { flex: 1 1 24em; min-width: 20em; font-size: 13px; }
#panels h2 { font-size: 15px; margin: .8em 0 .2em; border-bottom: 1px solid #ccc; }
#panels h3 { font-size: 13px; margin: .6em 0 .2em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ddd; padding: 1px 5px; text-align: left; font-family: monospace; }
.changed { background: #fff3a0; }
.gone { color: #b00000; }
.hazard { color: #b00000; }
.failure { color: #b00000; font-weight: bold; }
.injected { color: #6a3d9a; font-weight: bold; }
.note { color: #555; font-style: italic; }
g.box { cursor: pointer; }
g.box.selected rect { stroke: #d00000; stroke-width: 3; }
g.box.failed rect { stroke: #b00000; stroke-dasharray: 3,2; stroke-width: 2; }
g.box.injected-step rect { stroke: #6a3d9a; stroke-width: 2; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var total = Math.max(1, data.steps);
  var current = 1;
  var panels = document.getElementById("panels");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("g.box[data-step]"));
  var injected = {};
  data.injected.forEach(function (s) { injected[s] = true; });
  boxes.forEach(function (box) {
    var step = parseInt(box.getAttribute("data-step"), 10);
    if (data.failure && step === data.failure.step) { box.classList.add("failed"); }
    if (injected[step]) { box.classList.add("injected-step"); }
    box.addEventListener("click", function () { select(step); });
  });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function table(headers, rows) {
    var t = el("table");
    var tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(el("th", h)); });
    t.appendChild(tr);
    rows.forEach(function (row) {
      var r = el("tr", null, row.cls);
      row.cells.forEach(function (c) { r.appendChild(el("td", c)); });
      t.appendChild(r);
    });
    return t;
  }

  function stateAt(step) {
    var canisters = {};
    var changed = {};
    (data.states || []).forEach(function (entry) {
      if (entry.step > step) { return; }
      Object.keys(entry.canisters).forEach(function (name) {
        var delta = entry.canisters[name];
        var c = canisters[name] || (canisters[name] = {
          status: "?", contexts: [], callbacks: [], continuations: [], heap: {}, snapshots: []
        });
        ["status", "contexts", "callbacks", "continuations", "snapshots"].forEach(function (k) {
          if (k in delta) { c[k] = delta[k]; }
        });
        if (delta.heap) {
          Object.keys(delta.heap).forEach(function (a) { c.heap[a] = delta.heap[a]; });
        }
        (delta.heap_removed || []).forEach(function (a) { delete c.heap[a]; });
        if (entry.step === step) { changed[name] = delta; }
      });
    });
    return { canisters: canisters, changed: changed };
  }

  function fill(id, node) {
    var body = document.getElementById(id);
    body.textContent = "";
    if (node) { body.appendChild(node); }
  }

  function render() {
    var notes = el("div");
    var hazards = data.hazards[String(current)] || [];
    if (data.failure && data.failure.step === current) {
      notes.appendChild(el("p", "Failure at this step: " + data.failure.kind + ": " +
        data.failure.message, "failure"));
    }
    if (injected[current]) {
      (data.failure.injections || []).forEach(function (line) {
        if (line.indexOf("step " + current + ":") === 0) {
          notes.appendChild(el("p", "Injected: " + line, "injected"));
        }
      });
    }
    var list = el("ul");
    hazards.forEach(function (h) {
      list.appendChild(el("li", h[0] + " (" + h[1] + "): " + h[2], "hazard"));
    });
    if (!hazards.length) { list.appendChild(el("li", "(none in this step)")); }
    notes.appendChild(list);
    fill("hazards-body", notes);
    if (!data.states) { return; }
    var state = stateAt(current);
    var names = Object.keys(state.canisters);
    function rows(part, make) {
      var out = [];
      names.forEach(function (name) {
        var changed = (state.changed[name] || {})[part] !== undefined;
        state.canisters[name][part].forEach(function (r) {
          var row = make(name, r);
          if (changed && !row.cls) { row.cls = "changed"; }
          out.push(row);
        });
      });
      return out;
    }
    fill("canisters-body", table(["canister", "status"], names.map(function (name) {
      var c = state.canisters[name];
      var delta = state.changed[name] || {};
      return { cells: [name, c.status], cls: delta.status ? "changed" : null };
    })));
    fill("contexts-body", table(["canister", "id", "caller", "method", "responded"],
      rows("contexts", function (name, r) {
        return { cells: [name, r[0], r[1], r[2], r[3] ? "yes" : "no"] };
      })));
    fill("callbacks-body", table(["canister", "id", "call", "continuation", "slot", "in the heap"],
      rows("callbacks", function (name, r) {
        return {
          cells: [name, r[0], r[1] + "." + r[2], r[3], r[4],
                  r[5] ? "yes: still in the heap" : "no: not in the heap"],
          cls: r[5] ? null : "gone"
        };
      })));
    fill("continuations-body", table(["canister", "slot", "continuation"],
      rows("continuations", function (name, r) { return { cells: [name, r[0], r[1]] }; })));
    var heap = [];
    names.forEach(function (name) {
      var c = state.canisters[name];
      var delta = state.changed[name] || {};
      var changed = delta.heap || {};
      Object.keys(c.heap).forEach(function (a) {
        heap.push({ cells: [name, a, c.heap[a]], cls: (a in changed) ? "changed" : null });
      });
      (delta.heap_removed || []).forEach(function (a) {
        heap.push({ cells: [name, a, "(removed)"], cls: "changed" });
      });
    });
    fill("heap-body", table(["canister", "attribute", "value"], heap));
    fill("snapshots-body", table(["canister", "snapshots"], names.map(function (name) {
      var c = state.canisters[name];
      var delta = state.changed[name] || {};
      return {
        cells: [name, c.snapshots.length ? c.snapshots.join(", ") : "(none)"],
        cls: delta.snapshots ? "changed" : null
      };
    })));
  }

  function select(step) {
    current = Math.min(total, Math.max(1, step));
    document.getElementById("status").textContent = "step " + current + " of " + total;
    boxes.forEach(function (box) {
      box.classList.toggle("selected", parseInt(box.getAttribute("data-step"), 10) === current);
    });
    render();
  }

  document.getElementById("prev").addEventListener("click", function () { select(current - 1); });
  document.getElementById("next").addEventListener("click", function () { select(current + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowLeft") { select(current - 1); event.preventDefault(); }
    if (event.key === "ArrowRight") { select(current + 1); event.preventDefault(); }
  });
  select(1);
})();
"""
