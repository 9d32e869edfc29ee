"""Perceive: text (+ previous turns) -> Reading."""

from empathic.perceive.perceiver import Perceiver

__all__ = ["Perceiver"]
