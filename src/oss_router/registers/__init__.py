"""National registers: the bureau's own police databases, checked for what they hold on a subject.

Register clients are plugins under the entry-point group ``oss_router.registers`` (contract.py,
registry.py), shipped as seeded stubs in ``adapters/oss_router_registers``; ``service.py`` asks
every register that holds a kind at once and says which could not answer; ``consultation.py``
turns a check into its audit entry (LED 2016/680 Art. 25). See ``docs/registers.md``.
"""
