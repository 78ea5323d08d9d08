"""What operators see of a running process: Prometheus metrics, JSON logs, correlation ids."""
