"""Hard negative ``benchmark_customer``: a known customer running eval suites.

Heavily templated prompts from an eval harness across every subject, temperature 0,
single-turn, high volume in runs of hundreds to thousands of items at fixed concurrency,
``max_tokens`` often hit on reasoning items, "Let's think step by step" in the CoT suite,
and a full run on the new model within the hour of its release. But: an old account, an
enterprise or self-serve channel, one stable IP, one account per team.
"""

from __future__ import annotations

from streams.sim.calls import Emitter, ErrorRates
from streams.sim.clients import make_client
from streams.sim.clock import lognormal
from streams.sim.grammar import book
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.network import by_number, net_in
from streams.sim.populations.base import Context, Output, PopulationSpec, pick_weighted
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MEDIUM, MINUTE_MS, NEW_MODEL, SMALL

__all__ = ["REASONING_SPEC", "SPEC"]

NAME = "benchmark_customer"
# Opt-in (``simulate --extra reasoning_benchmark``): twenty customers whose harness runs
# only its reasoning suite ("Let's think step by step", long answers): harvest-like on
# every request but for replaying its own templates.
REASONING_NAME = "reasoning_benchmark"
# suite -> (weight, max_tokens, output median, output sigma)
Suites = dict[str, tuple[float, int, float, float]]
_SUITES: Suites = {
    "mcq": (4.0, 16, 3.0, 0.4),
    "cot": (3.0, 1024, 700.0, 0.6),
    "code": (2.0, 1024, 380.0, 0.6),
    "gen": (1.5, 512, 90.0, 0.8),
}


def generate(ctx: Context) -> Output:
    return _customers(ctx, NAME, ctx.count(2, 1), _SUITES)


def generate_reasoning(ctx: Context) -> Output:
    return _customers(ctx, REASONING_NAME, ctx.count(20, 2), {"cot": _SUITES["cot"]})


def _customers(ctx: Context, name: str, count: int, suites: Suites) -> Output:
    rng = ctx.rng(name)
    em = ctx.emitter(rng, ErrorRates(too_many=0.02, bad_request=0.0005, server=0.001))
    period = ctx.period
    accounts: list[Account] = []
    for i in range(count):
        a = Account(
            account_id=account_id(rng),
            population=name,
            label="benign",
            campaign_id=None,
            created_ms=period.start_ms - int(rng.uniform(500, 1100) * DAY_MS),
            channel="enterprise" if i % 2 == 0 else "self_serve",
            org_id=org_id(rng),
            payment=payment_fingerprint(rng),
            api_keys=(api_key_id(rng),),
            country="US",
            tz_offset_ms=-8 * HOUR_MS,
            home=net_in(rng, by_number(16509)),  # the CI runners' one elastic IP
            client=make_client(rng, "aiohttp" if i % 2 == 0 else "py_sdk"),
        )
        accounts.append(a)
        for day in range(period.days):
            local_morning = period.day_ms(day) + 16 * HOUR_MS  # 08:00 in California
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                start = local_morning + int(rng.random() * 9 * HOUR_MS)
                model = pick_weighted(rng, ((LARGE, 3.0), (MEDIUM, 2.0), (SMALL, 1.0)))
                if start >= period.release_ms and rng.random() < 0.6:
                    model = NEW_MODEL
                _run(em, a, start, model, rng.randint(300, 1800), suites)
        if period.release_ms + HOUR_MS < period.end_ms:
            # The launch-day eval: the whole suite on the new model, within the hour.
            start = period.release_ms + int(rng.uniform(12, 45) * MINUTE_MS)
            _run(em, a, start, NEW_MODEL, rng.randint(1500, 2500), suites)
    return Output(accounts, em.rows)


def _run(
    em: Emitter,
    a: Account,
    start: int,
    model: str,
    items: int,
    specs: Suites,
) -> None:
    """One eval run: ``items`` single-turn requests at fixed concurrency, retrying 429s."""
    rng = em.rng
    text = book()
    concurrency = rng.choice((4, 8, 16))
    suites = tuple((name, spec[0]) for name, spec in specs.items())
    suite = pick_weighted(rng, suites)
    t = float(start)
    for i in range(items):
        if i % 200 == 0:  # harness runs subject by subject
            suite = pick_weighted(rng, suites)
        _, max_tokens, median, sigma = specs[suite]
        prompt = text.benchmark(rng, suite)
        output = int(lognormal(rng, median, sigma)) + 1
        for _attempt in range(4):
            status = em.call(
                a,
                int(t),
                model=model,
                prompt=prompt,
                input_tokens=len(prompt) // 4 + 40,
                output_tokens=output,
                max_tokens=max_tokens,
                temperature=0.0,
            )
            # Each of ``concurrency`` workers waits for its response before the next call.
            t += (300.0 + em.last_output * 18.0) / concurrency * (0.5 + rng.random())
            if status != 429:
                break
            t += 2000.0 * (1 + rng.random())
        if status == 0:
            return


SPEC = PopulationSpec(NAME, "benign", generate)
REASONING_SPEC = PopulationSpec(REASONING_NAME, "benign", generate_reasoning)
