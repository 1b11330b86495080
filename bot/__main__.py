"""`python -m bot` is the same as the `partnerbot` console script."""

from bot.launch import main

main()
