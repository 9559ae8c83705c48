from __future__ import annotations

import random
from collections import Counter

import orjson
import pytest

from streams.core.event import InvalidEvent, parse_event
from streams.sim.malformed import KINDS, corrupt, plan

_EVENT = orjson.dumps(
    {
        "event_id": "req_1",
        "ts": "2026-11-19T10:15:02.114Z",
        "account_id": "acct_1",
        "model": "frontier-large-2026-10",
        "input_tokens": 12,
        "output_tokens": 340,
        "asn": 7922,
        "country": "US",
        "ip": "24.1.2.3",
        "prompt": "héllo wörld, explain step by step",
    }
)


@pytest.mark.parametrize("kind", [k for k, _ in KINDS] + ["too_large"])
def test_each_corruption_fails_for_its_reason(kind: str) -> None:
    rng = random.Random(kind)
    parse_event(_EVENT)
    for _ in range(40):
        with pytest.raises(InvalidEvent) as info:
            parse_event(corrupt(rng, _EVENT, kind))
        assert info.value.reason == kind


def test_plan_covers_every_kind_and_is_deterministic() -> None:
    a = plan(random.Random(1), 300_000)
    assert a == plan(random.Random(1), 300_000)
    kinds = Counter(k for _, k in a)
    assert set(kinds) == {k for k, _ in KINDS} | {"too_large"}
    assert kinds["too_large"] == 2
    assert 250 <= len(a) <= 350
    indices = [i for i, _ in a]
    assert indices == sorted(set(indices))
    assert plan(random.Random(1), 10) == []


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError):
        corrupt(random.Random(0), _EVENT, "nonsense")
