"""clausewise: a rules-as-data contract evaluator."""
