# ruff: noqa: E501
"""Test vectors of the Candid binary format, from the Candid specification's own test suite
(the ``test/*.test.did`` files of the dfinity/candid repository): data, read by
``tests/candid/test_binary.py``.

Each file keeps the suite's notation, one assertion per statement:

* ``assert blob "DIDL..." == "(text)" : (types) "description";`` -- decoding the bytes at the
  types gives the values the text has at those types;
* ``assert blob "..." == blob "..." : (types) ...`` -- both messages decode to the same values;
* ``assert blob "..." != "(text)" : (types) ...`` -- they decode to different values;
* ``assert blob "..." : (types) ...`` -- the bytes decode at the types;
* ``assert blob "..." !: (types) ...`` -- they do not (a CandidError);
* ``assert "(text)" ...`` -- the same, for Candid text instead of bytes;
* ``type Name = ...;`` -- a type definition the file's assertions use.

Blobs use Candid's string escapes (``\\7f`` is the byte 0x7f). Left out: two large fuzzing blobs
of ``overshoot.test.did`` ("func arg length", "stack overflow"; ``test_binary.py`` has its own
deep-nesting and huge-length cases).
"""

from __future__ import annotations

# prim.test.did
PRIM = r"""
// fundamentally wrong
assert blob ""              !: () "empty";
assert blob "\00\00"        !: () "no magic bytes";
assert blob "DADL"          !: () "wrong magic bytes";
assert blob "DADL\00\00"    !: () "wrong magic bytes";
assert blob "DIDL\80\00\00"  : () "overlong typ table length";
assert blob "DIDL\00\80\00"  : () "overlong arg length";

// nullary input
assert blob "DIDL\00\00"     : ();
assert blob "DIDL\00\00\00" !: () "nullary: too long";
assert blob "DIDL\00\01\7f"  : () "Additional parameters are ignored";
assert blob "DIDL\00\01\6e" !: () "Not a primitive type";
assert blob "DIDL\00\01\5e" !: () "Out of range type";

// primitive types
assert blob "DIDL\00\01\7f"     : (null);
assert blob "DIDL\00\01\7e"    !: (null) "wrong type";
assert blob "DIDL\00\01\7f\00" !: (null) "null: too long";
assert blob "DIDL\00\00"       !: (null) "null: missing";

assert blob "DIDL\00\01\7e\00" == "(false)" : (bool) "bool: false";
assert blob "DIDL\00\01\7e\01" == "(true)"  : (bool) "bool: true";
assert blob "DIDL\00\01\7e"                !: (bool) "bool: missing";
assert blob "DIDL\00\01\7e\02"             !: (bool) "bool: out of range";
assert blob "DIDL\00\01\7e\ff"             !: (bool) "bool: out of range";

assert blob "DIDL\00\01\7d\00" == "(0)"         : (nat) "nat: 0";
assert blob "DIDL\00\01\7d\01" == "(1)"         : (nat) "nat: 1";
assert blob "DIDL\00\01\7d\7f" == "(127)"       : (nat) "nat: 0x7f";
assert blob "DIDL\00\01\7d\80\01"  == "(128)"   : (nat) "nat: leb (two bytes)";
assert blob "DIDL\00\01\7d\ff\7f"  == "(16383)" : (nat) "nat: leb (two bytes, all bits)";
assert blob "DIDL\00\01\7d\80"                 !: (nat) "nat: leb too short";
assert blob "DIDL\00\01\7d\80\00" == "(0)"      : (nat) "nat: leb overlong";
assert blob "DIDL\00\01\7d\ff\00" == "(127)"    : (nat) "nat: leb overlong";
assert blob "DIDL\00\01\7d\80\80\98\f4\e9\b5\ca\6a" == "(60000000000000000)" : (nat) "nat: big number";

assert blob "DIDL\00\01\7c\00" == "(0)"         : (int) "int: 0";
assert blob "DIDL\00\01\7c\01" == "(1)"         : (int) "int: 1";
assert blob "DIDL\00\01\7c\7f" == "(-1)"        : (int) "int: -1";
assert blob "DIDL\00\01\7c\40" == "(-64)"       : (int) "int: -64";
assert blob "DIDL\00\01\7c\80\01"  == "(128)"   : (int) "int: leb (two bytes)";
assert blob "DIDL\00\01\7c\80"                 !: (int) "int: leb too short";
assert blob "DIDL\00\01\7c\80\00" == "(0)"      : (int) "int: leb overlong (0s)";
assert blob "DIDL\00\01\7c\ff\7f" == "(-1)"     : (int) "int: leb overlong (1s)";
assert blob "DIDL\00\01\7c\ff\00" == "(127)"    : (int) "int: leb not overlong when signed";
assert blob "DIDL\00\01\7c\80\7f" == "(-128)"   : (int) "int: leb not overlong when signed";
assert blob "DIDL\00\01\7c\80\80\98\f4\e9\b5\ca\ea\00" == "(60000000000000000)"  : (int) "int: big number";
assert blob "DIDL\00\01\7c\80\80\e8\8b\96\ca\b5\95\7f" == "(-60000000000000000)" : (int) "int: negative big number";

assert blob "DIDL\00\01\7b\00" == "(0)"         : (nat8) "nat8: 0";
assert blob "DIDL\00\01\7b\01" == "(1)"         : (nat8) "nat8: 1";
assert blob "DIDL\00\01\7b\ff" == "(255)"       : (nat8) "nat8: 255";
assert blob "DIDL\00\01\7b"                    !: (nat8) "nat8: too short";
assert blob "DIDL\00\01\7b\00\00"              !: (nat8) "nat8: too long";

assert blob "DIDL\00\01\7a\00\00" == "(0)"         : (nat16) "nat16: 0";
assert blob "DIDL\00\01\7a\01\00" == "(1)"         : (nat16) "nat16: 1";
assert blob "DIDL\00\01\7a\ff\00" == "(255)"       : (nat16) "nat16: 255";
assert blob "DIDL\00\01\7a\00\01" == "(256)"       : (nat16) "nat16: 256";
assert blob "DIDL\00\01\7a\ff\ff" == "(65535)"     : (nat16) "nat16: 65535";
assert blob "DIDL\00\01\7a"                       !: (nat16) "nat16: too short";
assert blob "DIDL\00\01\7a\00"                    !: (nat16) "nat16: too short";
assert blob "DIDL\00\01\7a\00\00\00"              !: (nat16) "nat16: too long";

assert blob "DIDL\00\01\79\00\00\00\00" == "(0)"          : (nat32) "nat32: 0";
assert blob "DIDL\00\01\79\01\00\00\00" == "(1)"          : (nat32) "nat32: 1";
assert blob "DIDL\00\01\79\ff\00\00\00" == "(255)"        : (nat32) "nat32: 255";
assert blob "DIDL\00\01\79\00\01\00\00" == "(256)"        : (nat32) "nat32: 256";
assert blob "DIDL\00\01\79\ff\ff\00\00" == "(65535)"      : (nat32) "nat32: 65535";
assert blob "DIDL\00\01\79\ff\ff\ff\ff" == "(4294967295)" : (nat32) "nat32: 4294967295";
assert blob "DIDL\00\01\79"                              !: (nat32) "nat32: too short";
assert blob "DIDL\00\01\79\00"                           !: (nat32) "nat32: too short";
assert blob "DIDL\00\01\79\00\00"                        !: (nat32) "nat32: too short";
assert blob "DIDL\00\01\79\00\00\00"                     !: (nat32) "nat32: too short";
assert blob "DIDL\00\01\79\00\00\00\00\00"               !: (nat32) "nat32: too long";

assert blob "DIDL\00\01\78\00\00\00\00\00\00\00\00" == "(0)"          : (nat64) "nat64: 0";
assert blob "DIDL\00\01\78\01\00\00\00\00\00\00\00" == "(1)"          : (nat64) "nat64: 1";
assert blob "DIDL\00\01\78\ff\00\00\00\00\00\00\00" == "(255)"        : (nat64) "nat64: 255";
assert blob "DIDL\00\01\78\00\01\00\00\00\00\00\00" == "(256)"        : (nat64) "nat64: 256";
assert blob "DIDL\00\01\78\ff\ff\00\00\00\00\00\00" == "(65535)"      : (nat64) "nat64: 65535";
assert blob "DIDL\00\01\78\ff\ff\ff\ff\00\00\00\00" == "(4294967295)" : (nat64) "nat64: 4294967295";
assert blob "DIDL\00\01\78\ff\ff\ff\ff\ff\ff\ff\ff" == "(18446744073709551615)" : (nat64) "nat64: 18446744073709551615";
assert blob "DIDL\00\01\78"                              !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00"                           !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00"                        !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00\00"                     !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00\00\00"                  !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00\00\00\00"               !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00\00\00\00\00"            !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00\00\00\00\00\00"         !: (nat64) "nat64: too short";
assert blob "DIDL\00\01\78\00\00\00\00\00\00\00\00\00"   !: (nat64) "nat64: too long";

assert blob "DIDL\00\01\77\00" == "(0)"         : (int8) "int8: 0";
assert blob "DIDL\00\01\77\01" == "(1)"         : (int8) "int8: 1";
assert blob "DIDL\00\01\77\ff" == "(-1)"        : (int8) "int8: -1";
assert blob "DIDL\00\01\77"                    !: (int8) "int8: too short";
assert blob "DIDL\00\01\77\00\00"              !: (int8) "int8: too long";

assert blob "DIDL\00\01\76\00\00" == "(0)"         : (int16) "int16: 0";
assert blob "DIDL\00\01\76\01\00" == "(1)"         : (int16) "int16: 1";
assert blob "DIDL\00\01\76\ff\00" == "(255)"       : (int16) "int16: 255";
assert blob "DIDL\00\01\76\00\01" == "(256)"       : (int16) "int16: 256";
assert blob "DIDL\00\01\76\ff\ff" == "(-1)"        : (int16) "int16: -1";
assert blob "DIDL\00\01\76"                       !: (int16) "int16: too short";
assert blob "DIDL\00\01\76\00"                    !: (int16) "int16: too short";
assert blob "DIDL\00\01\76\00\00\00"              !: (int16) "int16: too long";

assert blob "DIDL\00\01\75\00\00\00\00" == "(0)"          : (int32) "int32: 0";
assert blob "DIDL\00\01\75\01\00\00\00" == "(1)"          : (int32) "int32: 1";
assert blob "DIDL\00\01\75\ff\00\00\00" == "(255)"        : (int32) "int32: 255";
assert blob "DIDL\00\01\75\00\01\00\00" == "(256)"        : (int32) "int32: 256";
assert blob "DIDL\00\01\75\ff\ff\00\00" == "(65535)"      : (int32) "int32: 65535";
assert blob "DIDL\00\01\75\ff\ff\ff\ff" == "(-1)"         : (int32) "int32: -1";
assert blob "DIDL\00\01\75"                              !: (int32) "int32: too short";
assert blob "DIDL\00\01\75\00"                           !: (int32) "int32: too short";
assert blob "DIDL\00\01\75\00\00"                        !: (int32) "int32: too short";
assert blob "DIDL\00\01\75\00\00\00"                     !: (int32) "int32: too short";
assert blob "DIDL\00\01\75\00\00\00\00\00"               !: (int32) "int32: too long";

assert blob "DIDL\00\01\74\00\00\00\00\00\00\00\00" == "(0)"          : (int64) "int64: 0";
assert blob "DIDL\00\01\74\01\00\00\00\00\00\00\00" == "(1)"          : (int64) "int64: 1";
assert blob "DIDL\00\01\74\ff\00\00\00\00\00\00\00" == "(255)"        : (int64) "int64: 255";
assert blob "DIDL\00\01\74\00\01\00\00\00\00\00\00" == "(256)"        : (int64) "int64: 256";
assert blob "DIDL\00\01\74\ff\ff\00\00\00\00\00\00" == "(65535)"      : (int64) "int64: 65535";
assert blob "DIDL\00\01\74\ff\ff\ff\ff\00\00\00\00" == "(4294967295)" : (int64) "int64: 4294967295";
assert blob "DIDL\00\01\74\ff\ff\ff\ff\ff\ff\ff\ff" == "(-1)"         : (int64) "int64: -1";
assert blob "DIDL\00\01\74"                              !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00"                           !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00"                        !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00\00"                     !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00\00\00"                  !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00\00\00\00"               !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00\00\00\00\00"            !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00\00\00\00\00\00"         !: (int64) "int64: too short";
assert blob "DIDL\00\01\74\00\00\00\00\00\00\00\00\00"   !: (int64) "int64: too long";

assert blob "DIDL\00\01\73\00\00\00\00" == "(0.)"          : (float32) "float32: 0";
assert blob "DIDL\00\01\73\00\00\40\40" == "(3.)"          : (float32) "float32: 3";
assert blob "DIDL\00\01\73\00\00\00\3f" == "(0.5)"         : (float32) "float32: 0.5";
assert blob "DIDL\00\01\73\00\00\00\bf" == "(-0.5)"        : (float32) "float32: -0.5";
assert blob "DIDL\00\01\73\00\00"                         !: (float32) "float32: too short";
assert blob "DIDL\00\01\73\00\00\00\00\00"                !: (float32) "float32: too long";

assert blob "DIDL\00\01\72\00\00\00\00\00\00\00\00" == "(0.)"     : (float64) "float64: 0";
assert blob "DIDL\00\01\72\00\00\00\00\00\00\08\40" == "(3.)"     : (float64) "float64: 3";
assert blob "DIDL\00\01\72\00\00\00\00\00\00\e0\3f" == "(0.5)"    : (float64) "float64: 0.5";
assert blob "DIDL\00\01\72\00\00\00\00\00\00\e0\bf" == "(-0.5)"   : (float64) "float64: -0.5";
assert blob "DIDL\00\01\72\01\00\00\00\00\00\f0\7f"               : (float64) "float64: NaN";
assert blob "DIDL\00\01\72\ff\ff\ff\ff\ff\ff\ef\7f"               : (float64) "float64: max value";
assert blob "DIDL\00\01\72\00\00\00\00"                          !: (float64) "float64: too short";
assert blob "DIDL\00\01\72\00\00\00\00\00\00\00\00\00"           !: (float64) "float64: too long";

assert blob "DIDL\00\01\71\00" == "(\"\")"             : (text) "text: empty string";
assert blob "DIDL\00\01\71\06Motoko" == "(\"Motoko\")" : (text) "text: Motoko";
assert blob "DIDL\00\01\71\05Motoko"                  !: (text) "text: too long";
assert blob "DIDL\00\01\71\07Motoko"                  !: (text) "text: too short";
assert blob "DIDL\00\01\71\86\00Motoko"                : (text) "text: overlong length leb";
assert blob "DIDL\00\01\71\03\e2\98\83" == "(\"☃\")"   : (text) "text: Unicode";
assert "(\"\\u{2603}\")" == "(\"☃\")"                  : (text) "text: Unicode escape";
assert "(\"\\u{2603\")"                               !: (text) "text: Unicode escape (unclosed)";
assert blob "DIDL\00\01\71\03\e2\28\a1"               !: (text) "text: Invalid utf8";
assert blob "DIDL\00\01\71\02\e2\98\83"               !: (text) "text: Unicode overshoots";
assert blob "DIDL\00\01\71\06\09\0A\0D\22\27\5C" == "(\"\\t\\n\\r\\\"\\\'\\\\\")"  : (text) "text: Escape sequences";

assert blob "DIDL\00\01\70" == blob "DIDL\00\01\7f"          : (reserved) "reserved from null";
assert blob "DIDL\00\01\70" == blob "DIDL\00\01\7e\01"       : (reserved) "reserved from bool";
assert blob "DIDL\00\01\70" == blob "DIDL\00\01\7d\80\01"    : (reserved) "reserved from nat";
assert blob "DIDL\00\01\70" == blob "DIDL\00\01\71\06Motoko" : (reserved) "reserved from text";
assert blob "DIDL\00\01\71\05Motoko"    !: (reserved) "reserved from too short text";
assert blob "DIDL\00\01\71\03\e2\28\a1" !: (reserved) "reserved from invalid utf8 text";

assert blob "DIDL\00\01\6f"                      !: (empty) "cannot decode empty type";
assert blob "DIDL\01\6e\6f\01\00\00" == "(null)"  : (opt empty) "okay to decode non-empty value";

assert blob "DIDL\00\0a\7f\7e\7d\7c\7f\70\7f\7b\7a\79\01\2a\2a\2a\2a\00\2a\00\00\00"
    == "(null, true, 42, 42, null, null, null, 42, 42, 42)" : (null, bool, nat, int, null, reserved, null, nat8, nat16, nat32) "multiple arguments";
"""

# construct.test.did
CONSTRUCT = r"""
// Type definitions
type Opt = opt Opt;
type Vec = vec Vec;
type EmptyRecord = record { EmptyRecord };
type OptRec = opt record { OptRec };

type List = opt record { head : int; tail : List };
type List1 = opt List2;
type List2 = record { head : int; tail : List1 };
type EmptyVariant = variant { 0: EmptyVariant };
type VariantList = variant { nil; cons: record { head : int; tail : VariantList } };

type A1 = record { foo : int32; bar : bool };
type A2 = record { foo : int32; bar : bool; bat: VariantList; baz: A1; bbb: List; bib: variant { foo; bar }; bab: A1 };

// Type table
assert blob "DIDL\00\00"               : () "empty table";
assert blob "DIDL\01\6e\6f\00"         : () "unused type";
assert blob "DIDL\02\6e\6f\6e\6f\00"   : () "repeated types";
assert blob "DIDL\01\6e\00\00"         : () "recursive type";
assert blob "DIDL\01\6e\00"           !: () "type too short";
assert blob "DIDL\01\00\00"           !: () "vacuous type";
assert blob "DIDL\02\6e\01\00\00"     !: () "vacuous type";
assert blob "DIDL\01\6e\01\00"        !: () "table entry out of range";
assert blob "DIDL\00\01\00"           !: () "arg entry out of range";
assert blob "DIDL\00\03\7f\7f"        !: () "arg too short";
assert blob "DIDL\00\02\7f\7f\7f"     !: () "arg too long";
assert blob "DIDL\00\01\6e\7f\00"     !: () "non-primitive in arg list";
assert blob "DIDL\01\7f\00"           !: () "primitive type in the table";
assert blob "DIDL\01\68\00"           !: () "principal in the table";
assert blob "DIDL\02\6d\7f\00\00"     !: () "table entry in the table";
assert blob "DIDL\01\00\00"           !: () "table entry in the table (self-reference)";
assert blob "DIDL\01\6e\6f\6e\6f\00"  !: () "table too long";

// option
assert blob "DIDL\01\6e\7c\01\00\00" == "(null)"                     : (opt int) "opt: null";
assert blob "DIDL\01\6e\02\01\00\00"                                !: (opt int) "opt: type out of range";
assert blob "DIDL\01\6e\7c\01\00\01\2a" == "(opt 42)"                : (opt int) "opt: 42";
assert blob "DIDL\01\6e\7c\01\00\02\2a"                             !: (opt int) "opt: out of range";
assert blob "DIDL\01\6e\7c\01\00\ff"                                !: (opt int) "opt: out of range";
assert blob "DIDL\01\6e\7c\01\00\01"                                !: (opt int) "opt: too short";
assert blob "DIDL\01\6e\7c\01\00\00\2a"                             !: (opt int) "opt: too long";
assert blob "DIDL\02\6e\01\6e\7c\01\00\01\01\2a" == "(opt opt 42)"   : (opt opt int) "opt: nested";
assert blob "DIDL\01\6e\00\01\00\01\01\00" == "(opt opt null)"       : (Opt) "opt: recursion";
assert blob "DIDL\01\6e\00\01\00\01\01\00" == "(opt opt null)"       : (opt opt opt empty) "opt: non-recurisve type";
assert blob "DIDL\02\6e\01\6e\00\01\00\01\01\00" == "(opt opt null)" : (Opt) "opt: mutual recursion";
assert blob "DIDL\00\00" == "(null)"                                 : (Opt) "opt: extra arg";

// vector
assert blob "DIDL\01\6d\7c\01\00\00" == "(vec {})"                          : (vec int) "vec: empty";
assert blob "DIDL\01\6d\7c\01\00\00"                                        : (vec int8) "vec: non subtype empty";
assert blob "DIDL\01\6d\7c\01\00\02\01\02" == "(vec { 1; 2 })"              : (vec int) "vec";
assert blob "DIDL\01\6d\7b\01\00\02\01\02" == "(blob \"\\01\\02\")"         : (vec nat8) "vec: blob";
assert blob "DIDL\01\6d\00\01\00\00" == "(vec {})"                          : (Vec) "vec: recursive vector";
assert blob "DIDL\01\6d\00\01\00\02\00\00" == "(vec { vec {}; vec {} })"    : (Vec) "vec: tree";
assert blob "DIDL\01\6d\00\01\00\02\00\00" == "(vec { vec {}; vec {} })"    : (vec vec opt empty) "vec: non-recursive tree";
assert blob "DIDL\01\6d\7f\01\00\e8\07"                                     : (vec null) "vec: space bomb";
assert "(vec { 1; -1 })"                                                   !: (vec nat) "vec: type mismatch";
assert blob "DIDL\01\6d\7c\01\00"                                          !: (vec int) "vec: too short";
assert blob "DIDL\01\6d\7c\01\00\02\01"                                    !: (vec int) "vec: too short";
assert blob "DIDL\01\6d\7c\01\00\01\01\02"                                 !: (vec int) "vec: too long";
assert blob "DIDL\02\6d\01\6c\00\01\00\05"                                  : (vec record {}) "vec of records";

// record
assert blob "DIDL\01\6c\00\01\00" == "(record {})"                                : (record {}) "record: empty";
assert blob "DIDL\01\6c\00\03\00\00\00" == "(record {}, record {}, record {})"    : (record {}, record {}, record {}) "record: multiple records";
assert blob "DIDL\01\6c\01\01\7c\01\00\2a" == "(record { 1 = 42 })"               : (record {1:int}) "record";
assert blob "DIDL\01\6c\01\01\7c\01\00\2a" == "(record { 1 = opt 42 })"           : (record {1:opt int}) "record: opt";
assert blob "DIDL\01\6c\01\01\7c\01\00\2a" == "(record { 1 = null })"             : (record {1:reserved}) "record: reserved";
assert blob "DIDL\01\6c\01\01\7c\01\00\2a" == "(record {})"                       : (record {}) "record: ignore fields";
assert "(record { whatever = 0 })"  == "(record {})"                              : (record {}) "record: ignore fields (textual)";
assert blob "DIDL\01\6c\01\01\7c\01\00\2a"                                       !: (record {2:int}) "record: missing field";
assert blob "DIDL\01\6c\01\01\7c\01\00\2a" == "(record { 2 = null })"             : (record {2:opt int}) "record: missing opt field";
assert blob "DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01" == "(record {42; true})"      : (record {int; bool}) "record: tuple";
assert blob "DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01" == "(record {1 = true})"      : (record {1:bool}) "record: ignore fields";
assert blob "DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01"                              !: (record {bool; int}) "record: type mismatch";
assert blob "DIDL\01\6c\02\00\7c\00\7e\01\00\2a\01"                              !: (record {int; bool}) "record: duplicate fields";
assert blob "DIDL\01\6c\02\01\7c\00\7e\01\00\2a\01"                              !: (record {1:int; 0:bool}) "record: unsorted";
assert blob "DIDL\01\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\7c\01\00\01\2a"
    == "(record { foo = 42; bar = true})"                                         : (record {foo:int; bar:bool}) "record: named fields";
assert blob "DIDL\01\6c\01\cd\84\b0\05\7f\01\00" == "(record { \"☃\" = null })"   : (record { "☃":null }) "record: unicode field";
assert blob "DIDL\01\6c\01\80\e4\97\d0\12\7c\01\00\2a"                         !: (record {}) "record: field hash larger than u32";
assert blob "DIDL\04\6c\01\00\01\6c\01\00\02\6c\01\00\03\6c\00\01\00"
    == "(record { record { record { record {} } } })"                           : (record{record{record{record{}}}}) "record: nested";
assert blob "DIDL\01\6c\01\00\00\01\00"                                        !: (EmptyRecord) "record: empty recursion";
assert blob "DIDL\02\6d\01\6c\01\00\01\01\00\01"                               !: (vec EmptyRecord) "vec of empty records";
assert blob "DIDL\01\6c\02\00\7c\01\7e\01\00\2a"                               !: (record {int}) "record: value too short";
assert blob "DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01\00"                         !: (record {int}) "record: value too long";
assert blob "DIDL\01\6c\02\00\7c\01\01\00\2a\01"                               !: (record {}) "record: type too short";
assert blob "DIDL\01\6c\02\00\7c\01\00\2a\01"                                  !: (record {}) "record: type too short";
assert blob "DIDL\01\6c\02\00\7c\01\7e\02\7e\01\00\2a\01\00"                   !: (record {}) "record: type too long";
assert blob "DIDL\01\6c\02\00\01\01\7e\01\00\00\00"                            !: (record {}) "record: type out of range";
assert blob "DIDL\01\6c\02\00\01\01\7e\01\7c\2a"                               !: (reserved) "record: type out of range";

// opt
assert blob "DIDL\00\01\7f" == "(null)"                                         : (opt empty) "opt: parsing null : null";
assert blob "DIDL\01\6e\6f\01\00\00" == "(null)"                                : (opt empty) "opt: parsing null : opt empty";
assert blob "DIDL\01\6e\7e\01\00\00" == "(null)"                                : (opt bool) "opt: parsing null : opt bool ";
assert blob "DIDL\01\6e\7e\01\00\01\00" == "(opt false)"                        : (opt bool) "opt: parsing opt false : opt bool";
assert blob "DIDL\01\6e\7e\01\00\01\01" == "(opt true)"                         : (opt bool) "opt: parsing opt true : opt bool";
assert blob "DIDL\01\6e\7e\01\00\01\02"                                        !: (opt bool) "opt: parsing invalid bool at opt bool";
assert blob "DIDL\00\00" == "(null)"                                            : (opt bool) "opt: extra value";

// nested opt
assert blob "DIDL\02\6e\01\6e\7e\01\00\00" == "(null)"                          : (opt opt bool) "opt: parsing null : opt opt bool";
assert blob "DIDL\02\6e\01\6e\7e\01\00\01\00" == "(opt null)"                   : (opt opt bool) "opt: parsing opt null : opt opt bool";
assert blob "DIDL\02\6e\01\6e\7e\01\00\01\01\00" == "(opt opt false)"           : (opt opt bool) "opt: parsing opt opt false : opt opt bool";

// opt subtype to constituent
assert blob "DIDL\00\01\7e\00" == "(opt false)"   : (opt bool) "opt: parsing false : opt bool";
assert blob "DIDL\00\01\7e\01" == "(opt true)"    : (opt bool) "opt: parsing true : opt bool";
assert blob "DIDL\00\01\7e\02"                   !: (opt bool) "opt: parsing invalid bool at opt bool";
assert blob "DIDL\01\6e\7f\01\00\00" == "(null)"  : (opt opt null) "opt: parsing (null : opt null) at opt opt null gives null, not opt null";
assert blob "DIDL\00\01\7e\01" == "(null)"        : (opt opt bool) "opt: parsing true : opt opt bool gives null";
assert blob "DIDL\00\01\7e\01" == "(null)"        : (Opt) "opt: parsing (true : bool) at \"fix opt\" gives null";
assert blob "DIDL\01\6c\01\00\00\01\00"          !: (OptRec) "opt: parsing \"fix record\" at \"fix record opt\" fails";

// special opt subtyping
assert blob "DIDL\00\01\70" == "(null)"  : (opt nat) "reserved <: opt nat";
assert blob "DIDL\01\6e\7e\01\00\00"    == "(null)"  : (opt nat) "null : opt bool <: opt nat";
assert blob "DIDL\01\6e\7e\01\00\01\01" == "(null)"  : (opt nat) "opt true : opt bool <: opt nat";
assert blob "DIDL\01\6e\7e\01\00\01\02"             !: (opt nat) "opt bool <: opt nat with invalid boolean value";
assert blob "DIDL\02\6e\01\6e\7e\01\00\01\01\01" == "(null)"  : (opt nat) "opt opt true : opt opt bool <: opt nat";
assert blob "DIDL\02\6e\01\6e\7e\01\00\01\01\01" == "(opt null)"  : (opt opt nat) "opt opt true : opt opt bool <: opt opt nat";
assert blob "DIDL\02\6e\01\6b\01\00\7e\01\00\01\00\01" == "(null)"  : (opt variant { 0 : int }) "opt: recovered coercion error under variant";

// special record field rules
assert blob "DIDL\01\6c\00\01\00" == "(record { foo = null })" : (record { foo : opt bool }) "missing optional field";
assert blob "DIDL\01\6c\00\01\00" == "(record { foo = \"☃\" })" : (record { foo : reserved }) "missing reserved field";

// variant
assert "(variant {})"                                                          !: (variant {}) "variant: no empty value";
assert blob "DIDL\01\6b\00\01\00"                                              !: (variant {}) "variant: no empty value";
assert blob "DIDL\01\6b\01\00\7f\01\00\00" == "(variant {0})"                   : (variant {0}) "variant: numbered field";
assert blob "DIDL\01\6b\01\00\7f\01\00\00\2a"                                  !: (variant {0:int}) "variant: type mismatch";
assert blob "DIDL\01\6b\02\00\7f\01\7c\01\00\01\2a"                            : (variant {0:int; 1:int}) "variant: type mismatch in unused tag";
assert blob "DIDL\01\6b\01\00\7f\01\00\00" == "(variant {0})"                   : (variant {0;1}) "variant: ignore field";
assert blob "DIDL\01\6b\02\00\7f\01\7f\01\00\00"                               : (variant {0}) "variant {0;1} <: variant {0}";
assert blob "DIDL\01\6b\02\00\7f\01\7f\01\00\00" == "(variant {0})"            : (opt variant {0}) "variant {0;1} <: opt variant {0}";
assert blob "DIDL\01\6b\02\00\7f\01\7f\01\00\01" == "(variant {1})"             : (variant {0;1;2}) "variant: change index";
assert blob "DIDL\01\6b\01\00\7f\01\00\00"                                     !: (variant {1}) "variant: missing field";
assert blob "DIDL\01\6b\01\00\7f\01\00\01"                                     !: (variant {0}) "variant: index out of range";
assert blob "DIDL\01\6b\02\00\7f\00\7f\01\00\00"                               !: (variant {0}) "variant: duplicate fields";
assert blob "DIDL\01\6b\03\00\7f\01\7f\01\7f\01\00\00"                         !: (variant {0}) "variant: duplicate fields";
assert blob "DIDL\01\6b\02\01\7f\00\7f\01\00\00"                               !: (variant {0;1}) "variant: unsorted";
assert blob "DIDL\01\6b\03\00\7f\01\7f\ff\ff\ff\ff\0f\7f\01\00\00"              : (variant {0;1;4294967295}) "variant: ok with maxInt";
assert blob "DIDL\01\6b\03\00\7f\ff\ff\ff\ff\0f\7f\01\7f\01\00\00"             !: (variant {0;1;4294967295}) "variant: unsorted with maxInt";
assert blob "DIDL\01\6b\02\b3\d3\c9\01\7f\e6\fd\d5\01\7f\01\00\00" == "(variant { Bar })" : (variant { Foo; Bar; }) "variant: enum";
assert blob "DIDL\01\6b\01\cd\84\b0\05\7f\01\00\00" == "(variant { \"☃\" })"    : (variant { "☃" }) "variant: unicode field";
assert blob "DIDL\01\6b\02\bc\8a\01\71\c5\fe\d2\01\71\01\00\00\04\67\6f\6f\64"
    == "(variant { Ok = \"good\" })" : (variant { Ok: text; Err: text }) "variant: result";
assert blob "DIDL\01\6b\02\9c\c2\01\71\e5\8e\b4\02\6f\01\00\00\04\67\6f\6f\64"
    == "(variant { ok = \"good\" })" : (variant { ok: text; err: empty }) "variant: with empty";
assert blob "DIDL\02\6b\02\9c\c2\01\71\e5\8e\b4\02\01\6c\01\00\01\01\00\00\04\67\6f\6f\64"
    == "(variant { ok = \"good\" })" : (variant { ok: text; err: EmptyRecord }) "variant: with EmptyRecord";
assert blob "DIDL\03\6b\03\b3\d3\c9\01\01\bb\d3\c9\01\02\e6\fd\d5\01\7f\6c\02\00\7e\01\7c\6c\02\61\7c\62\7d\01\00\00\01\2a"
    == "(variant { Bar = record { true; 42 } })" : (variant { Foo; Bar: record { bool; int }; Baz: record { a: int; b: nat } }) "variant";
assert blob "DIDL\01\6b\01\00\00\01\00\00\00\00\00\00\00\00\00\00\00\00\00" !: (EmptyVariant) "variant: empty recursion";
assert blob "DIDL\01\6b\01\80\e4\97\d0\12\7c\01\00\00\2a"                   !: (reserved) "variant: field hash larger than u32";
assert blob "DIDL\01\6b\02\00\7f\01\7c\01\00\01\2a"               : (variant {0; 1:int}) "variant";
assert blob "DIDL\01\6b\02\00\7f\01\7c\01\00\01"                 !: (variant {0; 1:int}) "variant: value too short";
assert blob "DIDL\01\6b\02\00\7f\01\7c\01\00\01\2a\00"           !: (variant {0; 1:int}) "variant: value too long";
assert blob "DIDL\01\6b\02\00\01\01\7c\01\00\01\2a"              !: (variant {0:reserved; 1:int}) "variant: type out of range";
assert blob "DIDL\01\6b\02\00\7f\01\00\00"                       !: (variant {0; 1}) "variant: type too short";
assert blob "DIDL\01\6b\03\00\7f\01\7f\01\00\00"                 !: (variant {0; 1}) "variant: type too long";

// list
assert blob "DIDL\02\6e\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00" == "(null)" : (List) "record: empty list";
assert blob "DIDL\02\6e\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\01\01\01\02\01\03\01\04\00"
    == "(opt record { head = 1; tail = opt record { head = 2; tail = opt record { head = 3; tail = opt record { head = 4; tail = null }}}})" : (List) "record: list";

assert blob "DIDL\02\6e\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\01\01\01\02\00"
    == blob "DIDL\02\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\01\6e\00\01\01\01\01\01\02\00" : (List) "record: reorder type table";

assert blob "DIDL\02\6e\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\01\01\01\02\00"
    == "(opt record { head = 1; tail = opt record { head = 2; tail = null } })" : (List1) "record: mutual recursive list";

assert blob "DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00"
    == "(variant {nil})" : (VariantList) "variant: empty list";

assert blob "DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\01\01\01\02\00"
    == "(variant { cons = record { head = 1; tail = variant { cons = record { head = 2; tail = variant { nil } } } } })" : (VariantList) "variant: list";

assert blob "DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00"
    == "(variant {nil}, null, null, null, null)" : (VariantList, opt VariantList, opt empty, reserved, opt int) "variant: extra args";

assert blob "DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00" !: (VariantList, opt int, vec int) "non-null extra args";

// skip fields
assert blob "DIDL\07\6c\07\c3\e3\aa\02\01\d3\e3\aa\02\7e\d5\e3\aa\02\02\db\e3\aa\02\01\a2\e5\aa\02\04\bb\f1\aa\02\06\86\8e\b7\02\75\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\75\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\03\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\02\6e\05\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\04\6b\02\d3\e3\aa\02\7f\86\8e\b7\02\7f\01\00\01\0b\00\00\00\01\00\00\0a\00\00\00\01\14\00\00\2a\00\00\00" == "(record { foo = 42; bar = true; bat = variant { nil }; baz = record { foo = 10; bar = false }; bbb = opt record { head = 20; tail = null }; bib = variant { bar }; bab = record { foo = 11; bar = true}})" : (A2);

assert blob "DIDL\07\6c\07\c3\e3\aa\02\01\d3\e3\aa\02\7e\d5\e3\aa\02\02\db\e3\aa\02\01\a2\e5\aa\02\04\bb\f1\aa\02\06\86\8e\b7\02\75\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\75\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\03\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\02\6e\05\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\04\6b\02\d3\e3\aa\02\7f\86\8e\b7\02\7f\01\00\01\0b\00\00\00\01\00\00\0a\00\00\00\01\14\00\00\2a\00\00\00" == "(record { foo = 42; bar = true })" : (A1) "skip fields";

assert blob "DIDL\07\6c\07\c3\e3\aa\02\01\d3\e3\aa\02\7e\d5\e3\aa\02\02\db\e3\aa\02\01\a2\e5\aa\02\04\bb\f1\aa\02\06\86\8e\b7\02\75\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\75\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\03\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\02\6e\05\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\04\6b\02\d3\e3\aa\02\7f\86\8e\b7\02\7f\01\00\01\0b\00\00\00\01\00\00\0a\00\00\00\01\14\00\00\2a\00\00\00" == "(record { bar = true; baz = record { bar = false }; bbb = opt record { head = 20 }})" : (record { bar: bool; baz: record { bar: bool }; bbb: opt record { head : int} }) "skip fields";

assert blob "DIDL\07\6c\07\c3\e3\aa\02\01\d3\e3\aa\02\7e\d5\e3\aa\02\02\db\e3\aa\02\01\a2\e5\aa\02\04\bb\f1\aa\02\06\86\8e\b7\02\75\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\75\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\03\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\02\6e\05\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\04\6b\02\d3\e3\aa\02\7f\86\8e\b7\02\7f\01\00\01\0b\00\00\00\01\00\00\0a\00\00\00\01\14\00\00\2a\00\00\00" == "(record { bat = variant { nil } })" : (record { bat: variant { nil; cons: record { head : int; tail : VariantList }; new_field: empty } }) "new variant field";

assert blob "DIDL\07\6c\07\c3\e3\aa\02\01\d3\e3\aa\02\7e\d5\e3\aa\02\02\db\e3\aa\02\01\a2\e5\aa\02\04\bb\f1\aa\02\06\86\8e\b7\02\75\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\75\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\03\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\02\6e\05\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\04\6b\02\d3\e3\aa\02\7f\86\8e\b7\02\7f\01\00\01\0b\00\00\00\01\00\00\0a\00\00\00\01\14\00\00\2a\00\00\00" !: (record { foo: int; new_field: bool }) "new record field";

// Future types
assert blob "DIDL\01\67\00\02\00\7e\00\00\01" == "(null, true)" : (opt empty,bool) "skipping minimal future type";
assert blob "DIDL\01\67\03ABC\02\00\7e\05\00hello\01" == "(null,true)" : (opt empty,bool) "skipping future type with data";
"""

# reference.test.did
REFERENCE = r"""
// principal
assert blob "DIDL\00\01\68\01\00" == "(principal \"aaaaa-aa\")" : (principal) "principal: ic0";
assert blob "DIDL\00\01\68\01\03\ca\ff\ee" == "(principal \"w7x7r-cok77-xa\")" : (principal) "principal";
assert blob "DIDL\00\01\68\01\09\ef\cd\ab\00\00\00\00\00\01"
  == "(principal \"2chl6-4hpzw-vqaaa-aaaaa-c\")"                               : (principal) "principal";
assert blob "DIDL\00\01\68\01\02\ca\ff" != "(principal \"w7x7r-cok77-xa\")"    : (principal) "principal";
assert blob "DIDL\00\01\68\03\ca\ff\ee"                                       !: (principal) "principal: no tag";
assert blob "DIDL\00\01\68\01\03\ca\ff"                                       !: (principal) "principal: too short";
assert blob "DIDL\00\01\68\01\03\ca\ff\ee\ee"                                 !: (principal) "principal: too long";
assert blob "DIDL\01\68\01\00\01\03\ca\ff\ee"                                 !: (principal) "principal: not construct";

// service
assert blob "DIDL\00\01\68\01\03\ca\ff\ee" !: (service {}) "service: not principal";
assert blob "DIDL\00\01\69\01\03\ca\ff\ee" !: (service {}) "service: not primitive type";
assert "(principal \"w7x7r-cok77-xa\")"    !: (service {}) "service: not principal";
assert blob "DIDL\01\69\00\01\00\01\03\ca\ff\ee" == "(service \"w7x7r-cok77-xa\")" : (service {}) "service";
assert blob "DIDL\01\69\00\01\00\01\03\ca\ff\ee" == "(service \"w7x7r-cok77-xa\")" : (service {}) "service";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\01\03foo\00\01\01\01\03\ca\ff\ee"
  == "(service \"w7x7r-cok77-xa\")" : (service { foo : (text) -> (nat) }) "service";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\02\03foo\00\04foo\32\00\01\01\01\03\ca\ff\ee"
  == "(service \"w7x7r-cok77-xa\")" : (service { foo : (text) -> (nat); foo2 : (text) -> (nat) }) "service";

assert blob "DIDL\02\6a\01\71\01\7d\00\69\03\03foo\00\04foo\32\00\01\01\01\03\ca\ff\ee" !: (service { foo : (text) -> (nat); foo2 : (text) -> (nat) }) "service: too long";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\01\03foo\00\04foo\32\00\01\01\01\03\ca\ff\ee" !: (service { foo : (text) -> (nat); foo2 : (text) -> (nat) }) "service: too short";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\02\04foo\32\00\03foo\00\01\01\01\03\ca\ff\ee" !: (service { foo : (text) -> (nat); foo2 : (text) -> (nat) }) "service: unsorted";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\02\09foobarbaz\00\06foobar\00\01\01\01\03\ca\ff\ee" !: (service { foobar : (text) -> (nat); foobarbaz : (text) -> (nat) }) "service: unsorted (but sorted by hash)";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\01\03\e2\28\a1\00\01\01\01\03\ca\ff\ee" !: (reserved) "service: invalid unicode";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\02\03foo\00\03foo\00\01\01\01\03\ca\ff\ee" !: (service { foo : (text) -> (nat) }) "service: duplicate";

assert blob "DIDL\05i\02\03foo\01\04\f0\9f\90\82\02j\00\00\01\02j\01\03\01\04\01\01n|l\00\01\00\01\00"
  == "(service \"aaaaa-aa\")" : (service {"🐂":(opt int)->(record{}) query; foo:()->() oneway}) "service: unicode";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\01\03foo\68\01\01\01\03\ca\ff\ee" !: (service { foo: () -> () }) "service { foo: principal }";
assert blob "DIDL\02\6e\7e\69\01\03foo\00\01\01\01\03\ca\ff\ee" !: (service { foo: () -> () }) "service { foo: opt bool }";
assert blob "DIDL\02\69\01\03foo\01\6e\7e\01\01\01\03\ca\ff\ee" !: (service { foo: () -> () }) "service { foo: opt bool }";

// function
assert blob "DIDL\01\6a\00\00\00\01\00\01\01\03\ca\ff\ee\01\61"
  == "(func \"w7x7r-cok77-xa\".\"a\")"          : (func () -> ()) "func: quote name";
assert blob "DIDL\01\6a\00\00\00\01\00\01\01\03\ca\ff\ee\01\61"
  == "(func \"w7x7r-cok77-xa\".a)"              : (func () -> ()) "func: non-quote name";
assert blob "DIDL\01\6a\00\00\00\01\00\01\00\03\ca\ff\ee\01\61" !: (func () -> ()) "func: wrong tag";
assert blob "DIDL\02j\02|}\01\01\01\01i\00\01\00\01\01\00\04\f0\9f\90\82"
  == "(func \"aaaaa-aa\".\"🐂\")"               : (func (int,nat) -> (service {}) query) "func: unicode";
assert blob "DIDL\01\6a\01\68\01\7d\00\01\00\01\01\03\ca\ff\ee\03foo"
  == "(func \"w7x7r-cok77-xa\".foo)"            : (func (principal) -> (nat)) "func";
assert blob "DIDL\01\6a\01\71\01\7d\01\01\01\00\01\01\03\ca\ff\ee\03foo"
  == "(func \"w7x7r-cok77-xa\".foo)"            : (func (text) -> (nat) query) "func: query";
assert blob "DIDL\01\6a\01\71\01\7d\01\80\01\01\00\01\01\03\ca\ff\ee\03foo" !: (func (text) -> (nat) query) "func: unknown annotation";
assert blob "DIDL\00\01\6a\01\01\03\ca\ff\ee\01\61" !: (func () -> ()) "func: not primitive";
assert blob "DIDL\00\01\6a\01\03\ca\ff\ee\01\61"    !: (func () -> ()) "func: no tag";
assert blob "DIDL\01\6a\01\69\01\7d\00\01\00\01\01\03\ca\ff\ee\03foo" !: (func (service {}) -> (nat)) "func: service not in type table";
assert blob "DIDL\01\6a\01\71\01\7d\01\03\01\00\01\01\03\ca\ff\ee\03foo" !: (func (text) -> (nat)) "func: invalid annotation";

// subtype
assert blob "DIDL\01\69\00\01\00\01\03\ca\ff\ee"    !: (service { foo : (text) -> (nat) }) "service {} !<: service { foo : (text) -> (nat) }";
assert blob "DIDL\02\6a\01\71\01\7d\01\01\69\01\03foo\00\01\01\01\03\ca\ff\ee" !: (service { foo : (text) -> (nat) }) "service { foo : (text) -> (nat) query } !<: service { foo : (text) -> (nat) }";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\01\03foo\00\01\01\01\03\ca\ff\ee" !: (service { foo : (text) -> (nat) query }) "service { foo : (text) -> (nat) } !<: service { foo : (text) -> (nat) query }";
assert blob "DIDL\02\6a\01\71\01\7d\00\69\01\03foo\00\01\01\01\03\ca\ff\ee" == "(service \"w7x7r-cok77-xa\")" : (service {}) "service { foo : (text) -> (nat) } decodes at service {}";

assert blob "DIDL\01\6a\00\00\00\01\00\01\01\03\ca\ff\ee\03foo" !: (func (text) -> (nat)) "func () -> () !<: func (text) -> (nat) }";
assert blob "DIDL\01\6a\01\71\01\7d\00\01\00\01\01\03\ca\ff\ee\03foo" == "(func \"w7x7r-cok77-xa\".foo)" : (func (text, opt text) -> ()) "func (text) -> (nat) decodes at func (text, opt text) -> () }";
"""

# subtypes.test.did
SUBTYPES = r"""
type Vec = vec Vec;
type EmptyRecord = record { 0 : EmptyRecord };
type MuRecordOpt = record { 0 : opt MuRecordOpt };
type EmptyVariant = variant { 0: EmptyVariant };

// some reflexive cases
assert blob "DIDL\01\6a\00\01\7f\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (null)) "null <: null";
assert blob "DIDL\01\6a\00\01\7e\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (bool)) "bool <: bool";
assert blob "DIDL\01\6a\00\01\7d\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (nat)) "nat <: nat";
assert blob "DIDL\01\6a\00\01\7c\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (int)) "int <: int";

// more basic cases
assert blob "DIDL\01\6a\00\01\7d\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (int)) "nat <: int";
assert blob "DIDL\01\6a\00\01\7f\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (nat)) "int </: nat";
assert blob "DIDL\01\6a\00\01\7d\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (nat8)) "nat </: nat8";
assert blob "DIDL\01\6a\00\01\7b\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (nat)) "nat8 </: nat";

// options. They are supertypes of anything really
assert blob "DIDL\01\6a\00\01\7d\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (opt bool)) "nat <: opt bool";
assert blob "DIDL\02\6a\00\01\01\00\6e\7e\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (opt bool)) "opt bool <: opt bool";
assert blob "DIDL\01\6a\00\01\7e\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (opt bool)) "bool <: opt bool";
assert blob "DIDL\02\6a\00\01\01\00\6e\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (opt opt nat)) "µ opt <: opt opt nat";

// optional record fields
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (record {})) "record {} <: record {}";
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (record { a : opt empty })) "record {} <: record { a : opt empty }";
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (record { a : opt null })) "record {} <: record { a : opt null }";
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (record { a : reserved })) "record {} <: record { a : reserved }";
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (record { a : empty })) "record {} </: record { a : empty }";
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (record { a : nat })) "record {} </: record { a : nat }";
assert blob "DIDL\02\6a\00\01\01\00\6c\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (record { a : null })) "record {} </: record { a : null }";

// optional func results
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> ())) "func () -> () <: func () -> ()";
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> (opt empty))) "func () -> () <: func () -> (opt empty)";
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> (opt null))) "func () -> () <: func () -> (opt null)";
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> (reserved))) "func () -> () <: func () -> (reserved)";
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (func () -> (empty))) "func () -> () </: func () -> (empty)";
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (func () -> (nat))) "func () -> () </: func () -> (nat)";
assert blob "DIDL\02\6a\00\01\01\00\6a\00\00\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (func () -> (null))) "func () -> () </: func () -> (null)";

// optional func arguments
assert blob "DIDL\03\6a\00\01\01\00\6a\01\02\00\00\6e\6f\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> ())) "func (opt empty) -> () <: func () -> ()";
assert blob "DIDL\03\6a\00\01\01\00\6a\01\02\00\00\6e\7f\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> ())) "func (opt null) -> () <: func () -> ()";
assert blob "DIDL\02\6a\00\01\01\00\6a\01\70\00\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (func () -> ())) "func (reserved) -> () <: func () -> ()";
assert blob "DIDL\02\6a\00\01\01\00\6a\01\6f\00\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (func () -> ())) "func (empty) -> () </: func () -> ()";
assert blob "DIDL\02\6a\00\01\01\00\6a\01\7d\00\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (func () -> ())) "func (nat) -> () </: func () -> ()";
assert blob "DIDL\02\6a\00\01\01\00\6a\01\7f\00\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (func () -> ())) "func (null) -> () </: func () -> ()";

// variants
assert blob "DIDL\02\6a\00\01\01\00\6b\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (variant {})) "variant {} <: variant {}";
assert blob "DIDL\02\6a\00\01\01\00\6b\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (variant {0 : nat})) "variant {} <: variant {0 : nat}";
assert blob "DIDL\02\6a\00\01\01\00\6b\01\00\7d\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (variant {0 : nat})) "variant {0 : nat} <: variant {0 : nat}";
assert blob "DIDL\02\6a\00\01\01\00\6b\01\00\7e\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (variant {0 : nat})) "variant {0 : bool} </: variant {0 : nat}";
assert blob "DIDL\02\6a\00\01\01\00\6b\01\00\7e\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (variant {1 : bool})) "variant {0 : bool} </: variant {1 : bool}";

// infinite types
assert blob "DIDL\02\6a\00\01\01\00\6c\01\00\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (EmptyRecord)) "(µ record) <: (µ record)";
assert blob "DIDL\02\6a\00\01\01\00\6c\01\00\01\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (empty)) "(µ record) </: empty";
assert blob "DIDL\01\6a\00\01\6f\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (EmptyRecord)) "empty <: (µ record)";
assert blob "DIDL\02\6a\00\01\01\00\6c\01\00\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (record {EmptyRecord})) "(µ record) <: record {µ record}";
assert blob "DIDL\03\6a\00\01\01\00\6c\01\00\02\6c\01\00\02\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (EmptyRecord)) "record {µ record} <: (µ record)";
assert blob "DIDL\02\6a\00\01\01\00\6c\01\00\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (MuRecordOpt)) "(µ record) <: (μ (record opt))";

assert blob "DIDL\02\6a\00\01\01\00\6b\01\00\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (EmptyVariant)) "(µ variant) <: (µ variant)";
assert blob "DIDL\02\6a\00\01\01\00\6b\01\00\01\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (empty)) "(µ variant) </: empty";
assert blob "DIDL\01\6a\00\01\6f\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (EmptyVariant)) "empty <: (µ variant)";
assert blob "DIDL\02\6a\00\01\01\00\6b\01\00\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (variant {0 : EmptyVariant})) "(µ variant) <: variant {µ variant}";
assert blob "DIDL\03\6a\00\01\01\00\6b\01\00\02\6b\01\00\02\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (EmptyVariant)) "variant {µ variant} <: (µ variant)";

assert blob "DIDL\02\6a\00\01\01\00\6d\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (Vec)) "(µ vec) <: (µ vec)";
assert blob "DIDL\02\6a\00\01\01\00\6d\01\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (empty)) "(µ vec) </: empty";
assert blob "DIDL\01\6a\00\01\6f\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (Vec)) "empty <: (µ vec)";
assert blob "DIDL\02\6a\00\01\01\00\6d\01\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (vec Vec)) "(µ vec) <: vec {µ vec}";
assert blob "DIDL\03\6a\00\01\01\00\6d\02\6d\02\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (Vec)) "vec {µ vec} <: (µ vec)";

// future types
assert blob "DIDL\02\6a\00\01\01\00\67\00\01\00\01\01\00\01m"
   == "(opt func \"aaaaa-aa\".m)" : (opt func () -> (opt empty)) "(future type) <: (opt empty)";
assert blob "DIDL\02\6a\00\01\01\00\67\00\01\00\01\01\00\01m"
   == "(null)" : (opt func () -> (nat)) "(future type) </: (nat)";
"""

# overshoot.test.did
OVERSHOOT = r"""
type T1 = record { 10 : T2 };
type T2 = vec T1;

assert blob "DIDL\80\94\eb\dc\03\00" !: () "type table length";
assert blob "DIDL\00\80\94\eb\dc\03" !: () "argument sequence length";
assert blob "DIDL\00\01\71\80\94\eb\dc\03Motoko" !: (text) "text length";
assert blob "DIDL\00\01\68\01\80\94\eb\dc\03Motoko" !: (principal) "principal length";

assert blob "DIDL\01\6c\80\94\eb\dc\03\00\7f\00\7f" !: () "record field number";
assert blob "DIDL\01\6b\80\94\eb\dc\03\00\7f\00\7f" !: () "variant field number";

assert blob "DIDL\01\6d\7e\01\00\80\94\eb\dc\03\00\00\00" !: (vec bool) "vector length";
"""

# spacebomb.test.did
SPACEBOMB = r"""
// Plain decoding (unused arguments)
assert blob "DIDL\01\6d\7f\01\00\80\94\eb\dc\03"                           !: () "vec null (extra argument)";
assert blob "DIDL\01\6d\70\01\00\80\94\eb\dc\03"                           !: () "vec reserved (extra argument)";
assert blob "DIDL\04\6c\03\01\7f\02\01\03\02\6c\01\01\70\6c\00\6d\00\01\03\80\94\eb\dc\03" !: () "zero-sized record (extra argument)";
assert blob "DIDL\02\6d\01\6d\7f\01\00\05\ff\ff\3f\ff\ff\3f\ff\ff\3f\ff\ff\3f\ff\ff\3f"    !: () "vec vec null (extra argument)";
assert blob "DIDL\03\6c\01\d6\fc\a7\02\01\6d\02\6c\00\01\00\80\ad\e2\04"                   !: () "vec record {} (extra argument)";
assert blob "DIDL\17\6c\02\01\7f\02\7f\6c\02\01\00\02\00\6c\02\00\01\01\01\6c\02\00\02\01\02\6c\02\00\03\01\03\6c\02\00\04\01\04\6c\02\00\05\01\05\6c\02\00\06\01\06\6c\02\00\07\01\07\6c\02\00\08\01\08\6c\02\00\09\01\09\6c\02\00\0a\01\0a\6c\02\00\0b\01\0b\6c\02\00\0c\01\0c\6c\02\00\0d\02\0d\6c\02\00\0e\01\0e\6c\02\00\0f\01\0f\6c\02\00\10\01\10\6c\02\00\11\01\11\6c\02\00\12\01\12\6c\02\00\13\01\13\6e\14\6d\15\01\16\02\01\01" !: () "vec opt record with 2^20 null (extra argument)";

// Decoding to actual type
assert blob "DIDL\01\6d\7f\01\00\80\94\eb\dc\03"                           !: (vec opt nat) "vec null (not ignored)";
assert blob "DIDL\01\6d\70\01\00\80\94\eb\dc\03"                           !: (vec reserved) "vec reserved (not ignored)";
assert blob "DIDL\04\6c\03\01\7f\02\01\03\02\6c\01\01\70\6c\00\6d\00\01\03\80\94\eb\dc\03" !: (vec record {null;record{reserved};record{}}) "zero-sized record (not ignored)";
assert blob "DIDL\02\6d\01\6d\7f\01\00\05\ff\ff\3f\ff\ff\3f\ff\ff\3f\ff\ff\3f\ff\ff\3f"    !: (vec vec null) "vec vec null (not ignored)";
assert blob "DIDL\02\6d\01\6c\00\01\00\80\ad\e2\04"                                        !: (vec record {}) "vec record {} (not ignored)";

// Decoding under opt
assert blob "DIDL\01\6d\7f\01\00\80\94\eb\dc\03"                           !: (opt nat) "vec null (subtyping)";
assert blob "DIDL\01\6d\70\01\00\80\94\eb\dc\03"                           !: (opt nat) "vec reserved (subtyping)";
assert blob "DIDL\04\6c\03\01\7f\02\01\03\02\6c\01\01\70\6c\00\6d\00\01\03\80\94\eb\dc\03" !: (opt nat) "zero-sized record (subtyping)";
assert blob "DIDL\02\6d\01\6d\7f\01\00\05\ff\ff\3f\ff\ff\3f\ff\ff\3f\ff\ff\3f\ff\ff\3f"    !: (vec opt nat) "vec vec null (subtyping)";
assert blob "DIDL\03\6c\01\d6\fc\a7\02\01\6d\02\6c\00\01\00\80\ad\e2\04"                   !: (opt nat) "vec record {} (subtyping)";
assert blob "DIDL\17\6c\02\01\7f\02\7f\6c\02\01\00\02\00\6c\02\00\01\01\01\6c\02\00\02\01\02\6c\02\00\03\01\03\6c\02\00\04\01\04\6c\02\00\05\01\05\6c\02\00\06\01\06\6c\02\00\07\01\07\6c\02\00\08\01\08\6c\02\00\09\01\09\6c\02\00\0a\01\0a\6c\02\00\0b\01\0b\6c\02\00\0c\01\0c\6c\02\00\0d\02\0d\6c\02\00\0e\01\0e\6c\02\00\0f\01\0f\6c\02\00\10\01\10\6c\02\00\11\01\11\6c\02\00\12\01\12\6c\02\00\13\01\13\6e\14\6d\15\01\16\05\01\01\01\01\01" !: (vec opt record {}) "vec opt record with 2^20 null (subtyping)";
"""

FILES = {
    "prim": PRIM,
    "construct": CONSTRUCT,
    "reference": REFERENCE,
    "subtypes": SUBTYPES,
    "overshoot": OVERSHOOT,
    "spacebomb": SPACEBOMB,
}
