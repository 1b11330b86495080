"""`python -m bot` is the same as the `partnerbot` console script."""

from bot.cli import main

raise SystemExit(main())
