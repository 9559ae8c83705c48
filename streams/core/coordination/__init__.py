"""Bounded, event-time data structures for the links and campaign stages.

Every structure here is pure (no I/O, no wall clock), deterministic given input order,
has hard memory caps, and checkpoints to JSON-able state via ``to_state`` / ``from_state``.
"""
