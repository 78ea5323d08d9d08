"""The audit log of operations on personal data (LED 2016/680 Art. 25)."""
