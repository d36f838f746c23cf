"""The rule language grammar and its parser tables, shipped as package data (evaluator.grammar).

After an edit of clausewise.lark, rebuild the tables: `python -m evaluator.build_parser`.
"""
