"""Screens: the notebooks' widgets and the logic behind them, over a Review: the coding
screen (with its pad, suggestions, search and quote retrieval), settling disagreements,
ruling on competencies, choosing between versions made in two clones at once, importing a
spreadsheet of codings, giving sources their attributes, writing memos, and screening the
records the searches found. They write to the inputs;
outputs/ only when the user exports a table (a competency's quotes).
"""
