"""Analysis: a loaded Review → what it says: the evidence per competency and its
classification, agreement between coders with intervals, the disagreements to settle, the
evidence within each kind of source (subsets), and which competencies are coded together.
Plain functions over data frames; nothing here reads or writes files.
"""
