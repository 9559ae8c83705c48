"""Hard negative ``licensed_partner`` (opt-in: ``simulate --extra licensed_partner``).

A research partner with a signed data-licensing agreement: its team generates synthetic
training data through the API, which is distillation by design and allowed by contract.
Per request it looks exactly like harvesting (chain-of-thought and rubric prompts swept
over every domain, single-turn, fixed temperature, long answers hitting ``max_tokens``),
and its accounts share one org, one card and the office network. What sets it apart is
not in the traffic: only an analyst knows the contract. The accounts are old enterprise
accounts; new team members start through the period. It is the case the feedback loop
is for (``backtest --feedback``): off by default, so the default seeds' figures stay as
they were.
"""

from __future__ import annotations

from streams.sim.calls import ErrorRates
from streams.sim.clients import make_client
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.network import by_number, net_in
from streams.sim.populations.base import Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE

__all__ = ["SPEC"]

NAME = "licensed_partner"
_STYLE = HarvestStyle(
    max_tokens=(4096,),
    output_median=2600.0,
    output_sigma=0.5,
    context_median=120.0,
    multi_turn=0.02,
    conversations=True,
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.01, bad_request=0.001, server=0.001))
    period = ctx.period
    org = org_id(rng)
    card = payment_fingerprint(rng)
    office = by_number(8075)  # the jobs run in its cloud tenancy
    addresses = [net_in(rng, office) for _ in range(3)]
    client = make_client(rng, "py_sdk")
    accounts: list[Account] = []
    n = ctx.count(24, 4)
    for i in range(n):
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="benign",
            campaign_id=None,
            created_ms=period.start_ms - int(rng.uniform(200, 700) * DAY_MS),
            channel="enterprise",
            org_id=org,
            payment=card,
            api_keys=(api_key_id(rng),),
            country=office.country,
            tz_offset_ms=-5 * HOUR_MS,
            home=addresses[i % len(addresses)],
            client=client,
        )
        accounts.append(a)
        # The team grows: a quarter of it works from the start, the rest joins over
        # the period; each runs generation jobs at a steady clip.
        joins = period.start_ms if i < n // 4 else period.at(rng.uniform(0.1, 0.8))
        t = joins + int(rng.random() * 2 * HOUR_MS)
        stop = period.end_ms - int(rng.random() * 3 * HOUR_MS)
        per_hour = rng.uniform(3.0, 8.0)
        sweep = Sweep(_STYLE)
        while t < stop:
            t = harvest_call(em, a, t, _STYLE, sweep, model=LARGE, temperature=0.3)
            if t < 0:
                break
            t += int(rng.expovariate(per_hour / HOUR_MS))
    return Output(accounts, em.rows, None)


SPEC = PopulationSpec(NAME, "benign", generate)
