"""Dead letters: dispatches a channel worker gave up on, and what operators do with them."""
