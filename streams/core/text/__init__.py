"""Prompt text -> compact, privacy-safe features (pure; no text leaves this package).

``prompt_features(prompt)`` gives length, a graded chain-of-thought score, a graded
rubric/grading score, a capability topic id (``TOPICS``), a MinHash template signature and
a coarse language code. ``template_similarity`` estimates the Jaccard similarity of two
signatures; ``template_bands`` gives LSH keys for bucketing similar templates and
``band_words`` how many words a match in each band rests on.
"""

from streams.core.text.features import LANGUAGES, PromptFeatures, prompt_features
from streams.core.text.lexicons import TOPICS
from streams.core.text.minhash import (
    EMPTY_SIGNATURE,
    SIGNATURE_SIZE,
    band_words,
    template_bands,
    template_similarity,
)

__all__ = [
    "EMPTY_SIGNATURE",
    "LANGUAGES",
    "SIGNATURE_SIZE",
    "TOPICS",
    "PromptFeatures",
    "band_words",
    "prompt_features",
    "template_bands",
    "template_similarity",
]
