"""Message broker: one contract, two implementations (in-process and RabbitMQ)."""
