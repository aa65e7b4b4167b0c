"""Civil registration stored: declarations, their registration into records, numbers.

`kinds` is the protocol each event kind implements (births, deaths, marriages, divorces);
`numbers` allocates record numbers and national numbers. The rules are the pure modules of
`registry.office` (state machines, checks, family law); this package stores what they decide.
"""
