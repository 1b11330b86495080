"""The partnership database: school names, service vocabulary, import and queries."""
