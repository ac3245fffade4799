"""Screens: the notebooks' widgets and the logic behind them, over a Review: the coding
screen (with suggestions), settling disagreements, ruling on competencies, and importing
a spreadsheet of codings. They write to the inputs, never to outputs/.
"""
