"""The spilled-key index: oldest first, whatever is added, read back or dropped."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import given
from hypothesis import strategies as st

from streams.core.coldset import ColdSet, batch

_OPS = st.lists(
    st.tuples(st.sampled_from(["add", "discard", "oldest", "while"]), st.integers(0, 15)),
    max_size=200,
)


@given(_OPS)
def test_behaves_like_an_ordered_map_of_spill_order(ops: list[tuple[str, int]]) -> None:
    cold: ColdSet[int] = ColdSet()
    model: OrderedDict[str, int] = OrderedDict()
    for clock, (op, n) in enumerate(ops, start=1):
        key = f"k{n}"
        if op == "add":
            cold.add(key, clock)
            model.pop(key, None)
            model[key] = clock
        elif op == "discard":
            assert cold.discard(key) == (model.pop(key, None) is not None)
        elif op == "oldest":
            assert cold.oldest(n) == list(model)[:n]
        else:
            horizon = clock - 3 * n
            expected = []
            for k, v in model.items():
                if v >= horizon:
                    break
                expected.append(k)
            assert cold.oldest_while(horizon.__gt__) == expected
        assert len(cold) == len(model) and list(cold) == list(model)
        assert all(cold.get(k) == v and k in cold for k, v in model.items())


def test_a_large_cap_evicts_in_batches_and_small_caps_exactly() -> None:
    assert batch(3) == 0 and batch(200_000) == 3_125
