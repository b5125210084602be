"""CAN: the inverter-side frames a master battery broadcasts (Pylon low-voltage protocol).

``decode`` turns frames into a system snapshot with a DBC (``assets/can/pylon_lv.dbc``),
``link`` runs a frame source on a thread, ``driver`` is the live source, ``record`` writes
what a link carries, ``broadcast`` speaks as the master for the simulator.
"""
from drivers.can.driver import CanDriver

__all__ = ["CanDriver"]
