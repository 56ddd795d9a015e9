"""nose-testconfig's `config`: empty, so every scenario registers."""
config = {}
