"""The journaled heap: commit and rollback cost what an execution changed, and a rollback puts
every container back exactly, in place (identity, contents and dict order)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subnet.heap import Heap, HeapError, TrackedDict, TrackedList, TrackedSet


class Box:
    """Stands in for a canister instance: the heap is its ``__dict__``."""


def committed(**attrs):
    box = Box()
    box.__dict__.update(attrs)
    heap = Heap()
    heap.commit(box)
    return box, heap


def test_commit_makes_containers_tracked_and_a_rollback_undoes_in_place():
    box, heap = committed(d={"a": 1, "b": 2}, l=[1, 2, 3], s={1, 2}, n=0)
    d, lst, s = box.d, box.l, box.s
    assert (type(d), type(lst), type(s)) == (TrackedDict, TrackedList, TrackedSet)
    d["c"] = 3
    del d["a"]
    d["b"] = 20
    lst.append(4)
    lst[0] = 9
    lst.sort(reverse=True)
    s.add(3)
    s.discard(1)
    box.n = 5
    box.extra = [1]
    heap.rollback(box)
    assert box.d is d and box.l is lst and box.s is s
    assert list(d.items()) == [("a", 1), ("b", 2)]  # order too
    assert lst == [1, 2, 3] and s == {1, 2} and box.n == 0
    assert "extra" not in box.__dict__
    assert heap.journal == []


def test_commit_checks_only_what_changed_and_names_the_attribute():
    box, heap = committed(accounts={i: 0 for i in range(1000)}, other=[1])
    box.accounts[7] = lambda: None
    with pytest.raises(HeapError, match="attribute 'accounts' of Box"):
        heap.commit(box)
    heap.rollback(box)
    assert box.accounts[7] == 0


def test_nested_containers_written_into_the_heap_are_tracked_and_roll_back():
    box, heap = committed(users={})
    box.users["ann"] = {"balance": 5, "tags": ["a"]}
    heap.commit(box)
    ann = box.users["ann"]
    assert type(ann) is TrackedDict and type(ann["tags"]) is TrackedList
    ann["balance"] -= 5
    ann["tags"].append("b")
    heap.rollback(box)
    assert box.users["ann"] is ann and ann == {"balance": 5, "tags": ["a"]}


def test_the_image_is_the_same_bytes_as_plain_data_and_follows_commits():
    from subnet.codec import encode

    box, heap = committed(d={"x": 1}, s={3, 1, 2}, t=(1, [2]))
    plain = Box()
    plain.__dict__.update(d={"x": 1}, s={1, 2, 3}, t=(1, [2]))
    reference = Heap()
    reference.commit(plain)
    assert heap.image() == reference.image()
    box.d["y"] = 2
    heap.commit(box)
    plain.d["y"] = 2
    reference.commit(plain)
    assert heap.image() == reference.image()  # the cached encodings followed the change
    assert encode({"x": 1, "y": 2}) in heap.image()
    assert heap.values()["d"] == {"x": 1, "y": 2}


def test_a_bytearray_attribute_is_kept_as_an_image_as_before():
    box, heap = committed(buf=bytearray(b"ab"))
    box.buf.extend(b"cd")
    heap.rollback(box)
    assert box.buf == b"ab"


ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(0, 5), st.integers()),
        st.tuples(st.just("del"), st.integers(0, 5), st.none()),
        st.tuples(st.just("append"), st.none(), st.integers()),
        st.tuples(st.just("pop"), st.none(), st.none()),
        st.tuples(st.just("add"), st.integers(0, 5), st.none()),
        st.tuples(st.just("discard"), st.integers(0, 5), st.none()),
        st.tuples(st.just("sort"), st.none(), st.none()),
    ),
    max_size=30,
)


@settings(max_examples=200)
@given(ops, st.booleans())
def test_any_mutations_roll_back_exactly_or_commit_exactly(steps, keep):
    box, heap = committed(d={0: 0, 1: 1, 2: 2}, l=[3, 1, 2], s={0, 1})
    before = (list(box.d.items()), list(box.l), set(box.s))
    shadow = ({**box.d}, list(box.l), set(box.s))
    for op, key, value in steps:
        for target in (box, None):
            d, lst, s = (box.d, box.l, box.s) if target else shadow
            if op == "set":
                d[key] = value
            elif op == "del":
                d.pop(key, None)
            elif op == "append":
                lst.append(value)
            elif op == "pop" and lst:
                lst.pop()
            elif op == "add":
                s.add(key)
            elif op == "discard":
                s.discard(key)
            elif op == "sort":
                lst.sort()
    if keep:
        heap.commit(box)
        heap.rollback(box)  # nothing to undo after a commit
        assert (list(box.d.items()), list(box.l), set(box.s)) == (
            list(shadow[0].items()),
            shadow[1],
            shadow[2],
        )
    else:
        heap.rollback(box)
        assert (list(box.d.items()), list(box.l), set(box.s)) == before


def test_a_large_dicts_image_follows_changes_piece_by_piece():
    from subnet.heap import CHUNKED

    box, heap = committed(big={i: 0 for i in range(CHUNKED * 2)}, n=1)
    reference = Box()

    def plain_image():
        reference.__dict__.clear()
        reference.__dict__.update(big=dict(box.big), n=box.n)
        h = Heap()
        h.commit(reference)
        return h.image()

    assert heap.image() == plain_image()
    box.big[5] = 7  # a changed entry
    box.big[CHUNKED * 3] = 1  # a new entry
    heap.commit(box)
    assert heap.image() == plain_image()
    del box.big[0]  # a deletion: the pieces start over
    heap.commit(box)
    assert heap.image() == plain_image()
    box.big[1] = 9
    heap.rollback(box)  # undone before any commit: the image stays the committed one
    assert heap.image() == plain_image()


def test_cheap_undo_records_and_one_copy_per_execution():
    from subnet.heap import LPOP, SNAP

    box, heap = committed(stack=[1, 2, 3], d={i: i for i in range(10)})
    assert box.stack.pop() == 3
    assert [r[0] for r in heap.journal] == [LPOP]  # a pop from the end copies nothing
    for key in range(5):
        del box.d[key]
    assert [r[0] for r in heap.journal].count(SNAP) == 1  # the dict is copied once
    box.stack.extend(range(1000))
    box.stack.append([1])  # one new container among many appended scalars
    heap.commit(box)
    assert type(box.stack[-1]) is TrackedList
    box.stack.insert(0, 9)
    heap.rollback(box)
    assert box.stack[:3] == [1, 2, 0] and list(box.d) == [5, 6, 7, 8, 9]
    box.d[0] = 0
    del box.d[5]  # a new execution copies again (and the undo restores the order)
    assert [r[0] for r in heap.journal].count(SNAP) == 1
    heap.rollback(box)
    assert list(box.d) == [5, 6, 7, 8, 9]


def test_unusual_plain_values_inside_containers_commit_and_roll_back():
    from enum import IntEnum

    class Level(IntEnum):
        HIGH = 2

    box, heap = committed(d={})
    box.d["buf"] = bytearray(b"ab")  # becomes bytes in the heap
    box.d["level"] = Level.HIGH  # kept as it is
    heap.commit(box)
    assert box.d["buf"] == b"ab" and type(box.d["buf"]) is bytes
    assert box.d["level"] is Level.HIGH
    box.d["level"] = 1
    heap.rollback(box)
    assert box.d["level"] is Level.HIGH
