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
