"""Opens a VM socket: vsock is not network-namespaced and reaches the hypervisor's host."""

import socket
from pathlib import Path

from manim import Scene

VMADDR_CID_LOCAL = 1


class Vsock(Scene):
    def construct(self):
        with socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM) as conn:
            Path("escaped.txt").write_text("vsock socket created")
            conn.settimeout(2)
            conn.connect((VMADDR_CID_LOCAL, int("@TCP_PORT@")))
