"""Analysis: a loaded Review → what it says: the evidence per competency and its
classification, agreement between coders with intervals, and the disagreements to settle.
Plain functions over data frames; nothing here reads or writes files.
"""
