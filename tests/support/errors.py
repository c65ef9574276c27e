"""Principals and ids named in the expected messages of tests/errors/."""

from subnet.ids import Principal, SnapshotId, identity_principal

CID = Principal.from_text("bkyz2-fmaaa-aaaaa-qaaaq-cai")
OTHER = Principal.from_text("bd3sg-teaaa-aaaaa-qaaba-cai")
ALICE = identity_principal("alice")
BOB = identity_principal("bob")
SID = SnapshotId(CID, 0)
