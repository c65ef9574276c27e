"""dfx's canister commands: ``deploy``, and ``canister call``, ``stop``, ``start``, ``status``,
``info``, ``delete`` and ``metadata``, with dfx's output (``src/dfx/src/commands/canister/``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .. import candid
from ..errors import Reject
from ..wasm.module import module_of
from .calls import canister_id, installed_code, management, parse_candid, sender
from .exceptions import CliError
from .output import nat_text, out, reject_text
from .project import CONFIG, Project, ProjectError, Session

# -- deploy -------------------------------------------------------------------------------------


def _hook_types(cls: type, hook: str) -> Sequence[Any] | None:
    fn = getattr(cls, hook, None)
    if fn is None:
        return ()
    module = module_of(cls)
    if module is not None:  # a Wasm module: the init types of its interface
        return module.init_args
    try:
        return candid.method_signature(fn)[0]
    except TypeError:
        return None


async def cmd_deploy(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    caller = sender(net, args)
    if args.name is not None and args.name not in project.canisters:
        raise CliError(f"Cannot find canister '{args.name}' in {CONFIG}.")
    names = [args.name] if args.name is not None else list(project.canisters)
    if not names:
        raise CliError(f"There are no canisters to deploy: {CONFIG} has no [canisters.<name>].")
    classes = {}
    for name in names:
        try:
            classes[name] = project.resolve(name)
        except ProjectError as exc:
            raise CliError(f"Failed to load canister '{name}'.", str(exc)) from None
    # what each canister gets, its arguments checked before anything runs: a deploy refused
    # for an argument creates nothing
    plans: dict[str, tuple[str, tuple[Any, ...]] | None] = {}
    for name in names:
        cls = classes[name]
        known = net.names.get(name)
        text = args.argument if args.argument is not None else project.canisters[name].init_arg
        current = installed_code(net, known) if known is not None else None
        if current is None:
            types = _hook_types(cls, "init")
            plans[name] = ("install", parse_candid(text, types, f"{name}'s init"))
        elif current is not cls or known in session.changed_code:
            types = _hook_types(cls, "post_upgrade")
            plans[name] = ("upgrade", parse_candid(text, types, f"{name}'s upgrade"))
        else:
            plans[name] = None
    out("Deploying all canisters." if args.name is None else f"Deploying: {args.name}")
    missing = [n for n in names if n not in net.names]
    if missing:
        out("Creating canisters...")
        for name in missing:
            out(f"Creating canister {name}...")
            created = await management(
                net, f"Failed to create canister '{name}'.", "create_canister", caller
            )
            net.register_name(name, created.canister_id)
            out(f"{name} canister created with canister id: {created.canister_id}")
    out("Installing canisters...")
    for name in names:
        cls = classes[name]
        cid = net.names[name]
        plan = plans[name]
        if plan is None:
            out(f"Module hash {cls.module_hash().hex()} is already installed.")
            continue
        mode, init_args = plan
        verb = "Installing" if mode == "install" else "Upgrading"
        out(f"{verb} code for canister {name}, with canister ID {cid}")
        await management(
            net,
            f"Failed to install wasm module to canister '{name}'.",
            "install_code",
            caller,
            mode=mode,
            canister_id=cid,
            wasm_module=cls,
            arg=init_args,
        )
    out("Deployed canisters.")


# -- canister call ---------------------------------------------------------------------------------


async def cmd_call(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    caller = sender(net, args)
    cid = canister_id(net, args.canister)
    code = installed_code(net, cid)
    info = code.__canister_methods__.get(args.method) if code is not None else None
    arg_types: Sequence[Any] | None
    ret_types: Sequence[Any] | None
    if info is not None:
        arg_types, ret_types = info.signature
        if args.query and info.kind != "query":
            raise CliError(f"Invalid method call: {args.method} is not a query method.")
        is_query = info.kind == "query" and not args.update
    else:  # not in the interface: send it as typed, the canister answers (as dfx without .did)
        arg_types, ret_types = None, None
        is_query = bool(args.query)
    values = parse_candid(args.argument, arg_types, f"{args.canister}.{args.method}")
    handle = net.handle(cid)
    try:
        if is_query:
            result = await handle.query(args.method, *values, sender=caller)
        else:
            result = await handle.call(args.method, *values, sender=caller)
    except Reject as rej:
        raise CliError(
            "Failed query call." if is_query else "Failed update call.", reject_text(rej)
        ) from None
    try:
        if ret_types is None:
            text = candid.format_reply(result, (candid.ANY,))
        else:
            text = candid.format_reply(result, ret_types)
    except candid.CandidError as exc:
        raise CliError("Failed to decode the reply.", str(exc)) from None
    out(text)


# -- lifecycle -----------------------------------------------------------------------------------


async def cmd_stop(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    out(f"Stopping code for canister {args.canister}, with canister_id {cid}")
    await management(
        net, f"Failed to stop canister {cid}.", "stop_canister", sender(net, args), canister_id=cid
    )


async def cmd_start(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    out(f"Starting code for canister {args.canister}, with canister_id {cid}")
    await management(
        net,
        f"Failed to start canister {cid}.",
        "start_canister",
        sender(net, args),
        canister_id=cid,
    )


async def cmd_status(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    status = await management(
        net,
        f"Failed to get canister status for '{args.canister}'.",
        "canister_status",
        sender(net, args),
        canister_id=cid,
    )
    settings = status.settings
    controllers = " ".join(sorted(str(c) for c in settings.controllers))
    module_hash = f"0x{status.module_hash.hex()}" if status.module_hash is not None else "None"
    out(f"Canister status call result for {args.canister}.")
    out(f"Status: {status.status.capitalize()}")
    out(f"Controllers: {controllers}")
    out(f"Memory allocation: {nat_text(settings.memory_allocation)}")
    out(f"Compute allocation: {nat_text(settings.compute_allocation)}")
    out(f"Freezing threshold: {nat_text(settings.freezing_threshold)}")
    out(f"Memory Size: Nat({status.memory_size})")
    out(f"Balance: {nat_text(status.cycles)} Cycles")
    out(f"Reserved: {nat_text(status.reserved_cycles)} Cycles")
    out(f"Reserved Cycles Limit: {nat_text(settings.reserved_cycles_limit)} Cycles")
    out(f"Module hash: {module_hash}")
    out("Number of queries: 0")
    out("Instructions spent in queries: 0")
    out("Total query request payload size (bytes): 0")
    out("Total query response payload size (bytes): 0")


async def cmd_info(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    info = await management(
        net,
        f"Failed to read the info of canister {args.canister}.",
        "canister_info",
        sender(net, args),
        canister_id=cid,
    )
    module_hash = f"0x{info.module_hash.hex()}" if info.module_hash is not None else "None"
    out(f"Controllers: {' '.join(sorted(str(c) for c in info.controllers))}")
    out(f"Module hash: {module_hash}")


async def cmd_delete(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    out(f"Deleting canister {args.canister}, with canister_id {cid}")
    await management(
        net,
        f"Failed to delete canister {args.canister}.",
        "delete_canister",
        sender(net, args),
        canister_id=cid,
    )
    for name, known in list(net.names.items()):
        if known == cid:
            net.forget_name(name)


async def cmd_metadata(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    cs = net.engine.get(cid)
    if cs is None:
        raise CliError(
            f"Failed to read `{args.metadata}` metadata from canister {args.canister}.",
            f"Canister {cid} not found.",
        )
    module = module_of(cs.code)
    if module is not None:  # a Wasm module: its custom section, as it is (dfx prints it so)
        section = module.metadata(args.metadata)  # private: the caller is a controller
        if section is None:
            raise CliError(
                f"Failed to read `{args.metadata}` metadata from canister {args.canister}.",
                f"The canister has no metadata section named `{args.metadata}`.",
            )
        out(section.decode("utf-8", "replace").rstrip("\n"))
        return
    if args.metadata != "candid:service" or cs.code is None:
        raise CliError(
            f"Failed to read `{args.metadata}` metadata from canister {args.canister}.",
            f"The canister has no public metadata section named `{args.metadata}`.",
        )
    methods = {}
    for name, info in cs.code.__canister_methods__.items():
        arg_types, ret_types = info.signature
        # a method taking *args has no fixed Candid arguments: shown as one `reserved` (any)
        methods[name] = (info.kind, (candid.ANY,) if arg_types is None else arg_types, ret_types)
    out(candid.format_service(methods))


__all__ = [
    "cmd_call",
    "cmd_delete",
    "cmd_deploy",
    "cmd_info",
    "cmd_metadata",
    "cmd_start",
    "cmd_status",
    "cmd_stop",
]
