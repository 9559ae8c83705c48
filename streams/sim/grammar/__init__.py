"""The prompt grammar: templates x topic taxonomy x fillers x languages x typing noise."""

from streams.sim.grammar.noise import CLEAN, Style, random_style
from streams.sim.grammar.prompts import HARVEST_KINDS, PromptBook, Voice, book

__all__ = ["CLEAN", "HARVEST_KINDS", "PromptBook", "Style", "Voice", "book", "random_style"]
