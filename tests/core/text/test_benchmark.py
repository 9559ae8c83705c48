"""Throughput of prompt_features on a realistic prompt (no timing assertions)."""

from __future__ import annotations

from typing import Any

from streams.core.text import prompt_features

PROMPT = (
    "You are an expert tutor. A train leaves Boston at 3:45 pm travelling at 62 mph toward "
    "Chicago, which is 980 miles away. Another leaves at 5 pm at 75 mph. When do they meet? "
    "Think step by step and show all of your reasoning before giving the final answer."
)


def test_prompt_features_speed(benchmark: Any) -> None:
    result = benchmark(prompt_features, PROMPT)
    assert result.cot > 0.5
