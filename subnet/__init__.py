"""subnet: a deterministic simulator of an Internet Computer subnet.

The public names are listed here and nowhere else.
"""

from .api import CanisterHandle, CanisterView, PendingCall, Subnet, SubnetError
from .engine import StepInfo
from .errors import ErrorCode, Reject, RejectCode, SimulatorError
from .events import Event, Hazard
from .guards import SnapshotGuard, SnapshotHazardWarning
from .ids import ANONYMOUS, MANAGEMENT, Principal, SnapshotId
from .strategies import random, replay, round_robin
from .trace import TraceFile, load_trace

__all__ = [
    "ANONYMOUS",
    "MANAGEMENT",
    "CanisterHandle",
    "CanisterView",
    "ErrorCode",
    "Event",
    "Hazard",
    "PendingCall",
    "Principal",
    "Reject",
    "RejectCode",
    "SimulatorError",
    "SnapshotGuard",
    "SnapshotHazardWarning",
    "SnapshotId",
    "StepInfo",
    "Subnet",
    "SubnetError",
    "TraceFile",
    "load_trace",
    "random",
    "replay",
    "round_robin",
]
