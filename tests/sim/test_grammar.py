from __future__ import annotations

import random

import pytest

from streams.sim.grammar import CLEAN, Style, Voice, book
from streams.sim.grammar.engine import Alt, Grammar, GrammarError, Slot, compile_template
from streams.sim.grammar.multilingual import LANGUAGES
from streams.sim.grammar.noise import humanize
from streams.sim.grammar.phrasing import APP_KINDS
from streams.sim.grammar.taxonomy import DOMAINS


def test_compile_alternation_optional_slot_and_escapes() -> None:
    seq = compile_template("{a|b{c|}} {name} {{x}}")
    assert isinstance(seq[0], Alt)
    assert isinstance(seq[2], Slot) and seq[2].name == "name"
    assert seq[-1] == " {x}"
    assert compile_template("a | b") == ("a | b",)
    with pytest.raises(GrammarError):
        compile_template("{not a slot}")
    with pytest.raises(GrammarError):
        compile_template("{a|b")
    with pytest.raises(GrammarError):
        compile_template("a}b")


def test_render_uses_values_then_rules() -> None:
    g = Grammar({"top": ["{x} and {y}"], "y": ["rule"]})
    rng = random.Random(0)
    assert g.render(rng, "top", {"x": "value"}) == "value and rule"
    with pytest.raises(GrammarError):
        g.render(rng, "top")


def test_every_slot_resolves_and_the_grammar_is_large() -> None:
    g = book().grammar
    unresolved = {s for s in g.slots() if s not in g} - {"question", "expert"}
    assert unresolved == set()
    sentence_rules = [n for n in g.names if not n.startswith("n") or len(n) > 2]
    assert sum(g.size(n) for n in sentence_rules) > 900
    templates = ["dev", "followup", "ent", "campus", "hack", "cot_strong", "harvest_wrap"]
    templates += [f"app_{k}" for k in APP_KINDS] + [f"q_{d}" for d in DOMAINS]
    assert sum(g.size(n) for n in templates) > 300


def test_every_kind_of_prompt_renders() -> None:
    b = book()
    rng = random.Random(5)
    voice = Voice(Style(lower=0.5, typos=1.0), "de", 0.5, 0.2)
    for _ in range(50):
        assert b.developer(rng, voice)
        assert b.enterprise(rng, voice)
        assert b.campus(rng, voice)
        assert b.hackathon(rng, voice)
        assert b.followup(rng, voice)
        for kind in APP_KINDS:
            assert b.app(rng, kind, voice)
        for suite in ("mcq", "cot", "code", "gen"):
            assert b.benchmark(rng, suite)
        for domain in DOMAINS:
            for kind in ("cot", "rubric", "critique", "plain"):
                assert b.harvest(rng, domain, kind)
    for language in LANGUAGES:
        assert b.harvest(rng, "multilingual", "cot", language=language)


def test_rendering_is_deterministic_and_varied() -> None:
    b = book()
    voice = Voice(CLEAN)
    first = [b.developer(random.Random(9), voice) for _ in range(3)]
    assert len(set(first)) == 1
    rng = random.Random(9)
    many = [b.developer(rng, voice) for _ in range(2000)]
    assert len(set(many)) > 1800


def test_humanize_keeps_clean_text_and_adds_noise_otherwise() -> None:
    rng = random.Random(1)
    text = "Please explain how the garbage collector works in detail."
    assert humanize(rng, text, CLEAN) == text
    noisy = {
        humanize(rng, text, Style(lower=0.5, typos=3.0, drop_final_punct=0.5)) for _ in range(50)
    }
    assert len(noisy) > 30
    with pytest.raises(ValueError):
        book().app(rng, "nope", Voice())
