"""Exports for exec reviews: strategy memo, live workbook, deck."""
