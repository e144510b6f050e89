"""Cues that were measured and not adopted: library code production never reads.

Each module here is a pair input or a signal someone built, screened under topic CV with
a script of ``scripts/`` and kept because the measurement is worth repeating on new data
(its docstring says what it measures, when it was screened and what it gave; the dated
sections of docs/history/accuracy.md have the figures). Production modules never import this
package (``tests/test_layering.py``); the screening scripts and their tests do.

- :mod:`samestory.screens.contrast`: names in the same slot of otherwise alike sentences
  (``scripts/screen_contrast.py``).
- :mod:`samestory.screens.lead_words`: whether one text's lead event is told in the other
  (``scripts/pair_inputs_lead_words.py``).
- :mod:`samestory.screens.event_words`: whether the headlines tell another kind of event
  (``scripts/pair_inputs_event.py``).
"""
