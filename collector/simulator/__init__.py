"""A SmsManager gateway on loopback: real HTTP, simulated time, traffic and faults."""

from collector.simulator.gateway import Faults, Gateway, SimError
from collector.simulator.server import SimulatorServer

__all__ = ["Faults", "Gateway", "SimError", "SimulatorServer"]
