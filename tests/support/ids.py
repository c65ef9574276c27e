"""Known ids and a strategy for raw principals, for the tests of subnet.ids (tests/ids/)."""

from hypothesis import strategies as st

FIRST = "bkyz2-fmaaa-aaaaa-qaaaq-cai"
SECOND = "bd3sg-teaaa-aaaaa-qaaba-cai"
FIRST_RAW = bytes.fromhex("80000000001000010101")
SNAPSHOT0_HEX = "000000000000000080000000001000010101"

raw_principals = st.binary(min_size=0, max_size=29)
