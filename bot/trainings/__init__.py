"""The professional-development calendar: import, questions, reminders, announcements."""
