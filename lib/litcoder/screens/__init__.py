"""Screens: the notebooks' widgets and the logic behind them, over a Review: the coding
screen (with its pad, suggestions, search and quote retrieval), settling disagreements,
ruling on competencies, importing a spreadsheet of codings, giving sources their attributes,
and writing memos. They write to the inputs;
outputs/ only when the user exports a table (a competency's quotes).
"""
