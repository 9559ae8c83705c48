import gzip
from pathlib import Path

import orjson

from streams.core.event import InvalidEvent, parse_event
from streams.sample import HARVESTER, bundled_sample_path, write_sample


def test_bundled_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl.gz"
    write_sample(out)
    assert out.read_bytes() == bundled_sample_path().read_bytes()


def test_sample_has_one_harvester_many_normal_accounts_and_some_bad_lines() -> None:
    accounts = set()
    bad = 0
    with gzip.open(bundled_sample_path()) as lines:
        records = list(lines)
    for line in records:
        try:
            accounts.add(parse_event(line.rstrip(b"\n")).account_id)
        except InvalidEvent:
            bad += 1
    assert HARVESTER in accounts
    assert len(accounts) > 100
    assert bad == 3


def test_sample_is_in_event_time_order() -> None:
    with gzip.open(bundled_sample_path()) as lines:
        docs = [orjson.loads(line) for line in lines if line.startswith(b'{"event_id":"acct')]
    times = [d["ts"] for d in docs]
    assert len(times) > 1000
    assert times == sorted(times)
