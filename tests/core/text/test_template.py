"""Property-based tests of template signatures, similarity and LSH bands."""

from __future__ import annotations

import random
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.text import (
    SIGNATURE_SIZE,
    band_words,
    prompt_features,
    template_bands,
    template_similarity,
)
from streams.core.text.minhash import signature

signatures = st.lists(
    st.integers(min_value=0, max_value=2**32 - 1),
    min_size=SIGNATURE_SIZE,
    max_size=SIGNATURE_SIZE,
).map(tuple)


def sig(prompt: str) -> tuple[int, ...]:
    return prompt_features(prompt).template


@given(st.text(max_size=3000))
@settings(max_examples=300)
def test_signature_has_fixed_length_of_uint32(prompt: str) -> None:
    s = sig(prompt)
    assert len(s) == SIGNATURE_SIZE
    assert all(0 <= v < 2**32 for v in s)


@given(st.text(max_size=400))
def test_same_normalised_prompt_same_signature(prompt: str) -> None:
    # Digits, trailing punctuation and runs of spaces/tabs are normalised away.
    low = prompt.lower()
    variant = low.replace(" ", "\t ") + " 123 !!"
    assert sig(low) == sig(variant)
    assert sig(prompt) == sig(prompt)
    assert sig("Solve THIS equation, 2x + 1 = 5, step by step.") == sig(
        "solve this equation:   x - 17 = 40;\tstep-by-step!"
    )


@given(signatures, signatures)
def test_similarity_is_symmetric_and_bounded(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    s = template_similarity(a, b)
    assert s == template_similarity(b, a)
    assert 0.0 <= s <= 1.0
    assert template_similarity(a, a) == 1.0


@given(signatures, st.sampled_from([1, 2, 4, 8, 16]))
def test_bands_of_identical_signatures_are_equal(s: tuple[int, ...], bands: int) -> None:
    keys = template_bands(s, bands)
    assert keys == template_bands(tuple(s), bands)
    assert len(keys) == bands
    assert len(set(keys)) == bands  # band index is part of the key


def test_signature_is_pinned() -> None:
    """A change of hashing or normalisation must be deliberate: stored profiles and LSH
    buckets depend on it (and Python's salted hash() would fail this across runs)."""
    got = sig("Explain the causes of the French Revolution step by step.")
    assert got == PINNED
    assert template_bands(got, 4) == PINNED_BANDS


PINNED = (
    3103695405,
    449259644,
    2089791179,
    3730322714,
    1075886953,
    3103824292,
    449388531,
    2089920066,
    2864345013,
    209909252,
    1850440787,
    3490972322,
    836536561,
    2477068096,
    4117599631,
    1463163870,
)
PINNED_BANDS = (2426306809, 5235927138, 10330243267, 15609634792)

TEMPLATES = [
    "Write a short biography of {name}, focusing on their early life and major "
    "achievements. Keep it under {n} words.",
    "You are a helpful tutor. {name} has {n} apples and gives {m} to a friend. How many "
    "apples are left? Think step by step and show all of your reasoning.",
    "Translate the following sentence into French and explain any idioms: '{name} bought "
    "{n} tickets for the concert.'",
    "As an expert analyst, evaluate the quarterly report of {name} Corp, which posted "
    "revenue of ${n} million, and rate its financial health on a scale of 1 to {m}.",
    "Dear {name}, please summarise the attached meeting notes from {n}/{m} in three bullet "
    "points and list the action items.",
]
NAMES = [
    "Alice",
    "Bob Smith",
    "Marie Curie",
    "Ada Lovelace",
    "Chen Wei",
    "Olga",
    "Juan Pérez",
    "Priya Patel",
    "Kofi Annan",
    "Zoe",
    "Hiroshi Tanaka",
    "Fatima",
    "Lars Nilsson",
]
UNRELATED = [
    "What is the capital of Australia and why was it chosen over Sydney?",
    "Write a Python function that merges two sorted lists in linear time.",
    "Explain how photosynthesis converts light energy into chemical energy.",
    "Give me a recipe for vegetarian lasagna with spinach and ricotta.",
    "What are the main differences between common law and civil law systems?",
    "Compose a haiku about the first snowfall of winter.",
    "How do I negotiate a higher salary during a job offer?",
    "Summarise the causes of the First World War in a paragraph.",
    "Which exercises strengthen the lower back without equipment?",
    "Describe the rules of chess for a complete beginner.",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(name=rng.choice(NAMES), n=rng.randint(1, 5000), m=rng.randint(2, 99))


def test_fills_of_one_template_are_similar() -> None:
    rng = random.Random(7)
    for template in TEMPLATES:
        sims = []
        for _ in range(60):
            a, b = _fill(template, rng), _fill(template, rng)
            sims.append(template_similarity(sig(a), sig(b)))
        assert sum(sims) / len(sims) >= 0.7, template


def test_unrelated_prompts_are_dissimilar() -> None:
    prompts = UNRELATED + [_fill(t, random.Random(1)) for t in TEMPLATES]
    sims = [
        template_similarity(sig(a), sig(b)) for i, a in enumerate(prompts) for b in prompts[i + 1 :]
    ]
    assert sum(sims) / len(sims) <= 0.2
    assert max(sims) <= 0.5


def test_paraphrase_lands_closer_than_unrelated() -> None:
    a = sig("Explain the causes of the French Revolution in detail, step by step.")
    b = sig("Please explain in detail, step by step, the causes of the French Revolution.")
    c = sig("Write a limerick about a cat who loves cheese.")
    assert template_similarity(a, b) >= 0.8
    assert template_similarity(a, c) <= 0.2


def test_similar_templates_share_a_band_unrelated_rarely() -> None:
    rng = random.Random(3)
    shared = 0
    for _ in range(50):
        t = rng.choice(TEMPLATES)
        ka = set(template_bands(sig(_fill(t, rng)), 4))
        kb = set(template_bands(sig(_fill(t, rng)), 4))
        shared += bool(ka & kb)
    assert shared >= 40
    keys = [set(template_bands(sig(p), 4)) for p in UNRELATED]
    collisions = sum(bool(keys[i] & keys[j]) for i in range(len(keys)) for j in range(i))
    assert collisions <= 1


def test_fills_are_masked() -> None:
    base = 'Summarise "{q}" for {name} at https://example.com/{n} and mail {name2}@x.org.'
    a = base.format(q="the quick brown fox", name="Alice", n=1, name2="alice")
    b = base.format(q="a slow purple turtle", name="Bob", n=99, name2="bob")
    assert sig(a) == sig(b)


@given(st.sets(st.binary(min_size=1, max_size=12), max_size=40))
def test_band_words_are_exactly_the_bins_the_words_fill(words: set[bytes]) -> None:
    """A band counts the bins its prompt's words fill, never a value densification
    borrowed (even one that names its bin by chance, 1 in 16: "show" below)."""
    sig = signature(words)
    filled = {zlib.crc32(w) >> 28 for w in words} if words else {15}  # EMPTY_SIGNATURE
    expected = tuple(len(filled & set(range(4 * b, 4 * b + 4))) for b in range(4))
    assert band_words(sig, 4) == expected


def test_one_shared_word_fills_a_band_but_is_not_counted_as_a_template() -> None:
    """The regression behind ``band_words``: a student's short "show your work" prompt
    and a fleet's long CoT wrapper share their first band through the word "show" alone
    (densification copies it into the band's empty bins)."""
    student = prompt_features("show your work for question 2 (coin change)").template
    fleet = prompt_features(
        "### Task 1649 A train leaves at 3:00 going 75 km/h; another leaves an hour later "
        "at 313 km/h. When does the second catch up?  Think step by step and show all of "
        "your reasoning. Then give the final answer after 'FINAL ANSWER:'."
    ).template
    shared = set(template_bands(student, 4)) & set(template_bands(fleet, 4))
    assert shared  # the collision exists ...
    words = dict(zip(template_bands(student, 4), band_words(student, 4), strict=True))
    assert all(words[band] < 2 for band in shared)  # ... and rests on one word
