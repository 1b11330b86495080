"""Understanding a message: tokens, entities, and an intent learned from examples.

- `analysis`: the `Understanding` handed to handlers (tokens, stems, entities, intent).
- `tokens`: words, abbreviations and typo correction.
- `entities`: schools, organisations, services, money, ticket numbers, levels.
- `features` / `model`: what the classifier sees, and the linear model trained
  with scikit-learn from `knowledge/intents/*.yaml` (plus taught examples).
- `classifier`: ties them together; `understand(text, lookups)` is pure and fast.
"""

from bot.understanding.analysis import Entities, Understanding

__all__ = ["Entities", "Understanding"]
