from streams.core.clock import CONFIRMATIONS
from streams.core.profile import AccountProfile
from streams.core.profiles import ProfileStore
from tests.factories import T0, api_call

DAY_MS = 86_400_000


def _touch(store: ProfileStore, account: str, ts: int) -> AccountProfile:
    profile = store.get(account) or AccountProfile.new(api_call(account, ts))
    profile.update(api_call(account, ts), ts)
    store.touch(profile, ts)
    return profile


def test_cap_evicts_least_recently_active_and_reports_tombstones() -> None:
    store = ProfileStore(max_accounts=3, ttl_ms=DAY_MS)
    for i, account in enumerate("abcd"):
        _touch(store, account, T0 + i)
    assert len(store) == 3
    assert "a" not in store
    changes = dict(store.drain_changes())
    assert changes["a"] is None  # tombstone for the evicted profile
    assert all(changes[k] is not None for k in "bcd")
    assert store.drain_changes() == []  # nothing changed since


def test_ttl_drops_idle_profiles_in_event_time() -> None:
    store = ProfileStore(max_accounts=100, ttl_ms=DAY_MS)
    _touch(store, "old", T0)
    for i in range(CONFIRMATIONS):  # traffic resumes: time has moved (see EventClock)
        _touch(store, "new", T0 + 2 * DAY_MS + i)
    assert store.expire() == 1
    assert "old" not in store and "new" in store


def test_loader_restores_profiles_from_checkpoints() -> None:
    saved = AccountProfile.new(api_call("x"))
    saved.update(api_call("x"), 41)
    store = ProfileStore(10, DAY_MS, loader={"x": saved.to_bytes()}.get)
    restored = store.get("x")
    assert restored is not None and restored.last_position == 41


def test_evicted_profile_is_not_resurrected_from_a_stale_checkpoint() -> None:
    stale = AccountProfile.new(api_call("a"))
    store = ProfileStore(1, DAY_MS, loader={"a": stale.to_bytes()}.get)
    _touch(store, "a", T0 + 5)
    _touch(store, "b", T0 + 6)  # evicts "a"
    assert store.get("a") is None


def test_idle_profiles_leave_the_hot_set_as_bytes_and_come_back_unchanged() -> None:
    saved: dict[str, bytes] = {}
    store = ProfileStore(max_accounts=100, ttl_ms=DAY_MS, loader=saved.get, hot_accounts=2)
    profiles = {a: _touch(store, a, T0 + i) for i, a in enumerate("abcde")}
    assert store.hot == 2 and len(store) == 5 and "a" in store
    # Spilled before any checkpoint: read back from the pending bytes.
    again = store.get("a")
    assert again is not None and again.to_bytes() == profiles["a"].to_bytes()
    changes = dict(store.drain_changes())
    assert set(changes) == set("abcde")  # every changed profile reaches the checkpoint once
    saved.update({k: v for k, v in changes.items() if v is not None})
    # After the checkpoint: read back from the checkpointed state.
    assert store.get("b") is not None and store.loads == 2
    profile = _touch(store, "b", T0 + 10)
    assert profile.requests == 2 and store.hot == 2 and len(store) == 5


def test_ttl_and_cap_reach_spilled_profiles_too() -> None:
    store = ProfileStore(max_accounts=4, ttl_ms=DAY_MS, hot_accounts=1)
    for i, account in enumerate("abcde"):
        _touch(store, account, T0 + i)
    assert len(store) == 4 and "a" not in store  # the cap evicted the oldest (spilled) one
    for i in range(CONFIRMATIONS):
        _touch(store, "z", T0 + 2 * DAY_MS + i)
    assert "b" not in store  # z's arrival evicted the next oldest under the cap
    assert store.expire() == 3  # c, d, e: idle past the TTL, spilled or not
    assert len(store) == 1 and dict(store.drain_changes())["c"] is None


def test_a_full_store_drops_its_oldest_spilled_profiles_a_batch_at_a_time() -> None:
    """At the cap the store walks its oldest entries once per a 64th of the cap (a walk
    passes every entry dropped before), not once per new account."""
    store = ProfileStore(max_accounts=128, ttl_ms=DAY_MS, hot_accounts=4)
    for i in range(129):
        _touch(store, f"a{i:03d}", T0 + i)
    assert len(store) == 126  # one over: the oldest one and a batch of 2 more dropped
    assert not any(a in store for a in ("a000", "a001", "a002"))
    assert all(f"a{i:03d}" in store for i in range(3, 129))
    evicted = [k for k, v in store.drain_changes() if v is None]
    assert sorted(evicted) == ["a000", "a001", "a002"]
    _touch(store, "b", T0 + 200)
    _touch(store, "c", T0 + 201)
    assert len(store) == 128  # under the cap again: nothing more dropped
