"""Importers that turn primary copies of instruments into the project's data files."""
