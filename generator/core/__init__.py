"""The base every stage stands on: errors, reporting, crash-safe files, SQLite, processes, the HTTP client.

Nothing here knows about sites, pages or products; it imports nothing from the rest of shelfpress.
"""
