"""uvicorn's HTTP/1.1 protocol (h11) with a deadline on reading the request head and a connection cap.

uvicorn (0.54) closes idle keep-alive connections (`timeout_keep_alive`) but has no deadline for
the request line and headers, so a client that sends a byte a second holds a connection and a file
descriptor forever; its `limit_concurrency` answers 503 to new requests while such connections pile
up, instead of dropping them. Here a request head must be complete within `header_timeout` seconds
of the connection opening or of the previous response, and above `max_connections` the connection
that has waited longest for a head is dropped to make room.

A client that sends requests but never reads the answers is cut off too: uvicorn waits for the
transport to drain with no deadline, so such a client held its connection, its request task and
the unsent response forever. When the send buffer stays above its high-water mark (the transport
paused writing) for `header_timeout` seconds, the connection is reset; and when answers that fit the
kernel's buffers are still unacknowledged once the connection has been idle `header_timeout`
seconds, it is reset rather than closed (a FIN behind unread data holds the socket for minutes).
"""

from __future__ import annotations


def guarded_protocol(header_timeout: float, max_connections: int) -> type:
    """An H11Protocol subclass with these limits (uvicorn takes the class as `http=`)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._head_timer = self._write_timer = None
            self._waiting_since = self.loop.time()
            self._arm()
            if len(self.connections) > max_connections:
                self._make_room()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._resumed()
            super().connection_lost(exc)

        def pause_writing(self) -> None:
            super().pause_writing()
            if self._write_timer is None:
                self._write_timer = self.loop.call_later(header_timeout, self._write_stalled)

        def resume_writing(self) -> None:
            self._resumed()
            super().resume_writing()

        def _resumed(self) -> None:
            if self._write_timer is not None:
                self._write_timer.cancel()
                self._write_timer = None

        def _write_stalled(self) -> None:
            self._write_timer = None
            self._reset()

        def _reset(self) -> None:
            """A reset, not a FIN queued behind data that is never read (the kernel would hold the
            socket in FIN_WAIT1 with its unsent data for minutes); close() would wait for the
            transport's buffer to drain, which it never does."""
            import socket
            import struct

            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()

        def _unread(self) -> int:
            """Bytes already written that the peer has not acknowledged (the kernel's send queue,
            SIOCOUTQ) plus the transport's own buffer. Responses that fit the kernel's buffers never
            pause the transport, so a client that does not read shows only here."""
            import fcntl
            import struct
            import termios

            queued = self.transport.get_write_buffer_size()
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                try:
                    queued += struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
                except OSError:
                    pass
            return queued

        def _close(self) -> None:
            if self._unread():  # idle for header_timeout seconds with answers still unread
                self._reset()
            else:
                self.transport.close()

        def _waiting_for_head(self) -> bool:
            return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

        def _watch(self) -> None:
            if not self._waiting_for_head():
                self._disarm()
            elif self._head_timer is None:
                self._waiting_since = self.loop.time()
                self._arm()

        def _arm(self) -> None:
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self._waiting_for_head():
                if self._unread():
                    self._reset()
                    return
                if self.conn.trailing_data[0]:  # a partial head: say why before closing
                    self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\nconnection: close\r\n"
                                         b"content-length: 40\r\n\r\nrequest head not received in time (408)\n")  # fmt: skip
                self.transport.close()

        def _make_room(self) -> None:
            waiting = [c for c in self.connections if c is not self and getattr(c, "_head_timer", None) is not None]
            if waiting:
                min(waiting, key=lambda c: c._waiting_since)._close()
            else:
                self.transport.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nconnection: close\r\n"
                                     b"retry-after: 1\r\ncontent-length: 22\r\n\r\ntoo many connections.\n")  # fmt: skip
                self.transport.close()

    return GuardedH11Protocol
