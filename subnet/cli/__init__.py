"""The ``subnet`` command: dfx's canister commands against a simulated subnet, and scenarios.

Project commands work in a folder whose ``subnet.toml`` names the canisters (see
:mod:`subnet.cli.project`); the subnet persists in ``.subnet/state.cbor`` between commands, so the
dfx snapshot tutorial runs word for word with ``dfx`` replaced by ``subnet``::

    subnet start --clean
    subnet deploy
    subnet canister call chat append 'Hi there!'
    subnet canister stop chat
    subnet canister snapshot create chat
    ...

Output mirrors dfx (dfinity/sdk ``src/dfx/src/commands/canister/*.rs``): the same lines, and
errors as ``Error: <what failed>`` followed by ``Caused by: <reject>`` with the reject code,
message and ``IC0xxx`` error code. Differences: informational lines go to stdout (dfx logs them
to stderr), there is no replica process (``start`` and ``stop`` only manage ``.subnet/``), and
deploy prints no URLs.

Beyond dfx: ``subnet run SCENARIO`` runs a scenario (a ``.py`` file or a module exposing
``async def scenario(net)``) on a fresh subnet, ``subnet replay TRACE`` re-runs the scenario a
trace names with its recorded decisions and says whether the events match, and ``subnet trace
show TRACE`` prints a trace, one event a line, hazards highlighted when the output is a terminal.

``main(argv)`` returns the exit code: 0, 2 for a command line that does not parse, 1 for a replay
that diverges, 255 for an error (as dfx).

The package, one job a module: :mod:`.parser` (the command line), :mod:`.dispatch` (``main``:
run a command, print its error), :mod:`.canister` (deploy and the canister commands),
:mod:`.snapshot` (the snapshot commands), :mod:`.replica` (``start`` and ``stop``), :mod:`.runs`
(``run``, ``replay``, ``explore``, ``trace show``), with :mod:`.calls` (what the canister
commands share), :mod:`.output` (printing as dfx), :mod:`.exceptions`, :mod:`.project` (the
project folder) and :mod:`.lazy` (``subnet.explore``, imported on first use).
"""

from .dispatch import main
from .exceptions import ERROR_EXIT, USAGE_EXIT, CliError
from .output import human_bytes, reject_text, utc_time
from .parser import build_parser

__all__ = [
    "ERROR_EXIT",
    "USAGE_EXIT",
    "CliError",
    "build_parser",
    "human_bytes",
    "main",
    "reject_text",
    "utc_time",
]
