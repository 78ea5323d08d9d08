"""The tracker: applies the workers' results to dispatches, at most once each."""
