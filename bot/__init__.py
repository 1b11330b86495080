"""partnerbot: the School and Community Partnerships assistant.

The core (this package) is platform-neutral; adapters for Slack, Teams, the web
chat and the console translate to and from its `Message` and `Reply` types.
"""

__version__ = "0.1.0"
